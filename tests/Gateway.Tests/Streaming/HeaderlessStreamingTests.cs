using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Tests.Streaming;

/// <summary>
/// A runtime that streams the way AWS's Go runtime client (aws-lambda-go: <c>lambdaurl</c>, <c>io.Reader</c> handlers)
/// does: a chunked <c>/response</c> with no <c>Lambda-Runtime-Function-Response-Mode</c> header, its error in trailers.
/// AWS's Runtime API streams it all the same, because the invocation was made through a streaming API
/// (aws-lambda-runtime-interface-emulator, directinvoke.go: the path is chosen by the invoke's mode, "the header is
/// optional"). Also the Runtime API's head limit: aws-lambda-go puts an /error's X-Ray cause (message and stack) in a
/// header of up to 1 MiB, which AWS's Go server (1 MiB default) takes. Native binary, a python3 bootstrap on raw sockets.
/// </summary>
public sealed class HeaderlessStreamingTests : IAsyncLifetime
{
    /// <summary>
    /// The event decides: a function URL event's rawPath "/prelude" streams an http-integration prelude, "first;", and
    /// after the signal file "last"; {"signal":…} streams 1 KB of 'A', then after the signal "LAST"; {"fail":true}
    /// streams "partial;" and ends with error trailers; {"cause":n} posts an /error with an n-byte X-Ray cause header.
    /// A post that does not get its 202 ends the process, as aws-lambda-go's client does (log.Fatalf).
    /// </summary>
    private const string Bootstrap = """
        #!/usr/bin/env python3
        import base64, json, os, socket, sys, time, urllib.request
        host, port = os.environ['AWS_LAMBDA_RUNTIME_API'].split(':')
        api = '/2018-06-01/runtime/invocation/'

        def wait_for(signal):
            while not os.path.exists(signal):
                time.sleep(0.01)

        def post(path, head_lines, pieces, trailers=b''):
            s = socket.create_connection((host, int(port)))
            s.sendall(('POST %s HTTP/1.1\r\nHost: %s\r\n%s\r\n' % (path, host, ''.join(l + '\r\n' for l in head_lines))).encode())
            for piece in pieces:  # each piece goes out as soon as it is made
                s.sendall(b'%x\r\n' % len(piece) + piece + b'\r\n')
            s.sendall(b'0\r\n' + trailers + b'\r\n')
            answer = s.recv(65536)
            s.close()
            if not answer.startswith(b'HTTP/1.1 202'):
                print('post refused:', answer[:80], flush=True)
                sys.exit(1)

        chunked = ['Transfer-Encoding: chunked', 'Trailer: Lambda-Runtime-Function-Error-Body,Lambda-Runtime-Function-Error-Type']
        while True:
            with urllib.request.urlopen('http://%s:%s%snext' % (host, port, api)) as r:
                rid = r.headers['Lambda-Runtime-Aws-Request-Id']
                event = json.loads(r.read())
            path = api + rid + '/response'
            if event.get('rawPath') == '/prelude':
                def pieces():
                    yield json.dumps({'statusCode': 201, 'headers': {'x-streamed': 'yes'}, 'cookies': ['a=1']}).encode() + b'\0' * 8 + b'first;'
                    wait_for(event['queryStringParameters']['signal'])
                    yield b'last'
                post(path, chunked + ['Content-Type: application/vnd.awslambda.http-integration-response'], pieces())
            elif 'signal' in event:
                def pieces():
                    yield b'A' * 1024
                    wait_for(event['signal'])
                    yield b'LAST'
                post(path, chunked + ['Content-Type: application/octet-stream'], pieces())
            elif event.get('fail'):
                error = base64.b64encode(json.dumps({'errorMessage': 'broke mid-stream', 'errorType': 'MyErr'}).encode())
                post(path, chunked + ['Content-Type: application/octet-stream'], [b'partial;'],
                     b'Lambda-Runtime-Function-Error-Body: ' + error + b'\r\nLambda-Runtime-Function-Error-Type: MyErr\r\n')
            else:
                cause = json.dumps({'exceptions': [{'message': 'x' * event['cause']}]})
                post(api + rid + '/error', ['Content-Type: application/json', 'Transfer-Encoding: chunked',
                     'Lambda-Runtime-Function-Error-Type: MyErr', 'Lambda-Runtime-Function-Xray-Error-Cause: ' + cause],
                     [json.dumps({'errorMessage': 'long cause', 'errorType': 'MyErr'}).encode()])
        """;

    private GatewayProcess _gateway = null!;
    private string _urlId = "";

    public async Task InitializeAsync()
    {
        // Host folders, no mount namespace: the function waits on a signal file the test creates in the host's temp folder.
        _gateway = await GatewayProcess.StartAsync([], "--sandbox", "none");
        var zip = FunctionZip.Build(("bootstrap", Bootstrap.Replace("\r", ""), 0b111_101_101));
        await _gateway.CreateRuntimeFunctionAsync("go-like", "provided.al2023", "handler", zip, timeout: 20);
        var created = await _gateway.SendAsync(HttpMethod.Post, "/2021-10-31/functions/go-like/url",
            new JsonObject { ["AuthType"] = "NONE", ["InvokeMode"] = "RESPONSE_STREAM" }, HttpStatusCode.Created);
        await _gateway.AllowPublicUrlAsync("go-like");
        _urlId = new Uri(created["FunctionUrl"]!.GetValue<string>()).Host.Split('.')[0];
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task A_RESPONSE_STREAM_url_takes_the_prelude_and_streams_without_the_mode_header()
    {
        var signal = NewSignalPath();
        try
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"/_url/{_urlId}/prelude?signal={Uri.EscapeDataString(signal)}");
            using var response = await _gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout(60_000);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            Assert.Equal("yes", response.Headers.GetValues("x-streamed").Single());
            Assert.Equal("a=1", response.Headers.GetValues("Set-Cookie").Single());

            var body = await response.Content.ReadAsStreamAsync();
            var received = new StringBuilder(await StreamedText.ReadUntilAsync(body, ';'));
            Assert.Equal("first;", received.ToString()); // no prelude, no NULs, and not yet the piece after the signal
            await File.WriteAllTextAsync(signal, "go");
            received.Append(await new StreamReader(body).ReadToEndAsync().WithTimeout(30_000));
            Assert.Equal("first;last", received.ToString());
        }
        finally
        {
            File.Delete(signal);
        }
    }

    [Fact]
    public async Task InvokeWithResponseStream_gets_the_first_chunk_before_the_runtime_writes_its_last()
    {
        var signal = NewSignalPath();
        try
        {
            using var response = await StreamAsync(JsonSerializer.Serialize(new { signal }));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var events = new EventStreamReader(await response.Content.ReadAsStreamAsync());
            var first = await events.ReadAsync().WithTimeout(30_000);
            Assert.NotNull(first);
            Assert.Equal("PayloadChunk", first!.EventType);
            Assert.DoesNotContain("LAST", first.Text);
            await File.WriteAllTextAsync(signal, "go"); // only now may the runtime send its last piece

            var (text, complete) = await events.ReadToCompleteAsync(first.Text);
            Assert.Equal(new string('A', 1024) + "LAST", text);
            Assert.NotNull(complete);
            Assert.False(JsonDocument.Parse(complete!.Payload).RootElement.TryGetProperty("ErrorCode", out _), complete.Text);
        }
        finally
        {
            File.Delete(signal);
        }
    }

    [Fact]
    public async Task Error_trailers_without_the_mode_header_end_the_stream_as_a_function_error()
    {
        using var response = await StreamAsync("""{"fail":true}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (text, complete) = await new EventStreamReader(await response.Content.ReadAsStreamAsync()).ReadToCompleteAsync();
        Assert.Equal("partial;", text);
        Assert.NotNull(complete);
        var body = JsonDocument.Parse(complete!.Payload).RootElement;
        Assert.Equal("Unhandled", body.GetProperty("ErrorCode").GetString());
        var details = JsonDocument.Parse(body.GetProperty("ErrorDetails").GetString()!).RootElement;
        Assert.Equal("MyErr", details.GetProperty("errorType").GetString());
        Assert.Equal("broke mid-stream", details.GetProperty("errorMessage").GetString());
    }

    /// <summary>200 KB and a cause just under aws-lambda-go's 1 MiB cap: the function's error reaches the caller (before,
    /// the head was refused with 431 past 64 KB, the runtime exited, and the caller got Runtime.ExitError).</summary>
    [Theory]
    [InlineData(200_000)]
    [InlineData(1024 * 1024 - 100)]
    public async Task An_error_with_a_large_XRay_cause_header_reaches_the_caller(int causeBytes)
    {
        using var response = await _gateway.InvokeAsync("go-like", JsonSerializer.Serialize(new { cause = causeBytes }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("MyErr", error.GetProperty("errorType").GetString());
        Assert.Equal("long cause", error.GetProperty("errorMessage").GetString());
    }

    private async Task<HttpResponseMessage> StreamAsync(string payload)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/2021-11-15/functions/go-like/response-streaming-invocations")
        {
            Content = new StringContent(payload),
        };
        return await _gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout(60_000);
    }

    private static string NewSignalPath() => Path.Combine(Path.GetTempPath(), "gw-headerless-" + Guid.NewGuid().ToString("N"));
}
