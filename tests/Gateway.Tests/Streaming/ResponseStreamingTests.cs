using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Gateway.Tests.Streaming;

/// <summary>
/// Response streaming end to end, against the native binary: Node functions using <c>awslambda.streamifyResponse</c>
/// (the managed nodejs20.x runtime, aws-lambda-ric 3.3.0), read through InvokeWithResponseStream by a raw event-stream
/// reader, by boto3 and by the JS SDK v3.
/// </summary>
public sealed class ResponseStreamingTests : IAsyncLifetime
{
    /// <summary>Writes 1 KB, then waits for the test's signal file (created when the first chunk has reached the
    /// client), 500 ms more, and writes its last chunk: if the gateway held the first chunk back, the signal would
    /// never come and the function would time out.</summary>
    private const string Ttfb = """
        const fs = require('fs');
        exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
          responseStream.write('A'.repeat(1024));
          while (!fs.existsSync(event.signal)) await new Promise(r => setTimeout(r, 10));
          await new Promise(r => setTimeout(r, 500));
          responseStream.write('LAST');
          responseStream.end();
        });
        """;

    private const string Fails = """
        exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
          responseStream.write('partial');
          await new Promise(r => setTimeout(r, 50));
          throw new TypeError('boom mid-stream');
        });
        """;

    /// <summary>Writes event.size bytes of 'x' in 64 KB writes, waiting for drain.</summary>
    private const string Big = """
        exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
          const piece = Buffer.alloc(64 * 1024, 'x');
          let left = event.size;
          while (left > 0) {
            const n = Math.min(left, piece.length);
            if (!responseStream.write(piece.subarray(0, n))) await new Promise(r => responseStream.once('drain', r));
            left -= n;
          }
          responseStream.end();
        });
        """;

    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync()
    {
        RuntimeFunctions.RequireNodeRuntime();
        // Host folders, no mount namespace: the handlers wait on a signal file the test creates in the host's temp folder,
        // which an environment's namespace (its own /tmp, no host paths) would not show.
        _gateway = await GatewayProcess.StartAsync([TestFunction.Sample("csharp-stream", "stream"), TestFunction.Sample("csharp-echo", "echo")], "--sandbox", "none");
        await _gateway.CreateRuntimeFunctionAsync("stream-ttfb", "nodejs20.x", "index.handler", RuntimeFunctions.Sources(("index.js", Ttfb)), timeout: 20);
        await _gateway.CreateRuntimeFunctionAsync("stream-fails", "nodejs20.x", "index.handler", RuntimeFunctions.Sources(("index.js", Fails)));
        await _gateway.CreateRuntimeFunctionAsync("stream-big", "nodejs20.x", "index.handler", RuntimeFunctions.Sources(("index.js", Big)));
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    /// <summary>The stream read to its end: every event but InvokeComplete, in order; InvokeComplete; and how many
    /// events came after it (0 when the gateway ends the stream as it should).</summary>
    private static async Task<(List<EventStreamEvent> Chunks, EventStreamEvent? Complete, int ChunksAfterComplete)> ReadStreamAsync(HttpResponseMessage response)
    {
        var events = new EventStreamReader(await response.Content.ReadAsStreamAsync());
        var chunks = new List<EventStreamEvent>();
        EventStreamEvent? complete = null;
        int afterComplete = 0;
        while (await events.ReadAsync() is { } next)
        {
            if (next.EventType == "InvokeComplete")
            {
                complete = next;
                continue;
            }
            chunks.Add(next);
            afterComplete += complete is null ? 0 : 1;
        }
        return (chunks, complete, afterComplete);
    }

    private static async Task<HttpResponseMessage> StreamAsync(GatewayProcess gateway, string function, string payload)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/2021-11-15/functions/{function}/response-streaming-invocations")
        {
            Content = new StringContent(payload),
        };
        return await gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout(60_000);
    }

    [Theory]
    [InlineData("stream-ttfb")] // Node: awslambda.streamifyResponse
    [InlineData("csharp-stream")] // C#: LambdaRuntime.RunStreamingAsync (src/Functions/Samples/Handlers/StreamHandler.cs)
    public async Task The_first_chunk_reaches_the_client_before_the_handler_writes_its_last(string function)
    {
        var signal = Path.Combine(Path.GetTempPath(), "gw-stream-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var response = await StreamAsync(_gateway, function, JsonSerializer.Serialize(new { signal }));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/vnd.amazon.eventstream", response.Content.Headers.ContentType!.MediaType);
            Assert.Equal("$LATEST", response.Headers.GetValues("X-Amz-Executed-Version").Single());
            var events = new EventStreamReader(await response.Content.ReadAsStreamAsync());

            var first = await events.ReadAsync();
            Assert.NotNull(first);
            Assert.Equal("PayloadChunk", first!.EventType);
            Assert.Equal("event", first.Headers[":message-type"]);
            Assert.Equal("application/octet-stream", first.Headers[":content-type"]);
            Assert.StartsWith("AAAA", first.Text);
            Assert.DoesNotContain("LAST", first.Text);
            await File.WriteAllTextAsync(signal, "go"); // only now may the handler write its last chunk

            var (text, complete) = await events.ReadToCompleteAsync(first.Text);
            Assert.Equal(new string('A', 1024) + "LAST", text);
            Assert.NotNull(complete);
            Assert.Equal("application/json", complete!.Headers[":content-type"]);
            var body = JsonDocument.Parse(complete.Payload).RootElement;
            Assert.False(body.TryGetProperty("ErrorCode", out _), complete.Text);
            Assert.Null(await events.ReadAsync()); // InvokeComplete is the last message
        }
        finally
        {
            File.Delete(signal);
        }
    }

    [Theory]
    [InlineData("stream-fails", "{}", "partial", "TypeError")]
    [InlineData("csharp-stream", """{"fail":true}""", null, "InvalidOperationException")]
    public async Task Error_trailers_end_the_stream_with_InvokeComplete_carrying_the_error(string function, string payload, string? partial, string errorType)
    {
        using var response = await StreamAsync(_gateway, function, payload);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (chunks, complete, _) = await ReadStreamAsync(response);
        Assert.Equal(partial ?? new string('A', 1024), string.Concat(chunks.Select(c => c.Text)));
        Assert.NotNull(complete);
        var body = JsonDocument.Parse(complete!.Payload).RootElement;
        Assert.Equal("Unhandled", body.GetProperty("ErrorCode").GetString());
        var details = JsonDocument.Parse(body.GetProperty("ErrorDetails").GetString()!).RootElement;
        Assert.Equal("boom mid-stream", details.GetProperty("errorMessage").GetString());
        Assert.Equal(errorType, details.GetProperty("errorType").GetString());
    }

    /// <summary>AWS invokes any function through InvokeWithResponseStream; one whose handler does not stream (an ordinary
    /// /response) has its whole response sent as PayloadChunk events before InvokeComplete. A 200 KB echo spans
    /// several of the gateway's pooled pieces, so their order and joins are checked too.</summary>
    [Fact]
    public async Task A_function_that_does_not_stream_answers_InvokeWithResponseStream_with_its_whole_response()
    {
        var payload = JsonSerializer.Serialize(new { text = string.Concat(Enumerable.Range(0, 20_000).Select(i => (i % 10).ToString() + "abcdefghi")) });
        using var response = await StreamAsync(_gateway, "csharp-echo", payload);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.amazon.eventstream", response.Content.Headers.ContentType?.MediaType);
        var (chunks, complete, chunksAfterComplete) = await ReadStreamAsync(response);
        Assert.All(chunks, c => Assert.Equal("PayloadChunk", c.EventType));
        Assert.Equal(0, chunksAfterComplete); // no chunk after InvokeComplete
        Assert.Equal(payload, Encoding.UTF8.GetString(chunks.SelectMany(c => c.Payload).ToArray()));
        Assert.NotNull(complete);
        Assert.False(JsonDocument.Parse(complete!.Payload).RootElement.TryGetProperty("ErrorCode", out _), complete.Text);
    }

    [Fact]
    public async Task Boto3_gets_the_response_of_a_function_that_does_not_stream()
    {
        const string script = """
            import boto3, json, sys
            client = boto3.client('lambda', endpoint_url=sys.argv[1], region_name='us-east-1',
                                  aws_access_key_id='test', aws_secret_access_key='test')
            response = client.invoke_with_response_stream(FunctionName='csharp-echo', Payload=b'{"s":1}')
            body = b''
            complete = None
            for event in response['EventStream']:
                if 'PayloadChunk' in event:
                    body += event['PayloadChunk']['Payload']
                if 'InvokeComplete' in event:
                    complete = event['InvokeComplete']
            print(json.dumps({'body': body.decode(), 'complete': complete}))
            """;
        var (exit, stdout, stderr) = await RunAsync("python3", "-c", script, _gateway.BaseAddress.ToString());
        Assert.True(exit == 0, stderr);
        var result = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal("""{"s":1}""", result.GetProperty("body").GetString());
        Assert.False(result.GetProperty("complete").TryGetProperty("ErrorCode", out _));
    }

    [Fact]
    public async Task Invoke_of_a_streaming_function_gets_the_whole_body_buffered()
    {
        using var response = await _gateway.InvokeAsync("stream-big", """{"size":100000}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(100_000, body.Length);
        Assert.All(body, b => Assert.Equal((byte)'x', b));
        Assert.False(response.Headers.Contains("X-Amz-Function-Error"));
    }

    [Fact]
    public async Task Invoke_of_a_streaming_function_that_fails_mid_stream_is_a_function_error()
    {
        using var response = await _gateway.InvokeAsync("stream-fails", "{}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        var body = await GatewayProcess.ReadJsonAsync(response);
        Assert.Equal("TypeError", body.GetProperty("errorType").GetString());
        Assert.Equal("boom mid-stream", body.GetProperty("errorMessage").GetString());
    }

    [Fact]
    public async Task Event_is_not_an_invocation_type_of_InvokeWithResponseStream()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/2021-11-15/functions/stream-big/response-streaming-invocations") { Content = new StringContent("{}") };
        request.Headers.Add("X-Amz-Invocation-Type", "Event");
        using var response = await _gateway.Client.SendAsync(request).WithTimeout(30_000);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("ValidationException", response.Headers.GetValues("x-amzn-ErrorType").Single());
    }

    [Fact]
    public async Task An_unknown_function_is_a_normal_Lambda_error_before_any_stream()
    {
        using var response = await StreamAsync(_gateway, "no-such-function", "{}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("ResourceNotFoundException", response.Headers.GetValues("x-amzn-ErrorType").Single());
    }

    [Fact]
    public async Task A_response_over_the_streamed_limit_ends_with_ResponseSizeTooLarge()
    {
        await using var gateway = await GatewayProcess.StartAsync([], "--stream-response-limit", "1048576");
        await gateway.CreateRuntimeFunctionAsync("stream-big", "nodejs20.x", "index.handler", RuntimeFunctions.Sources(("index.js", Big)));

        using var response = await StreamAsync(gateway, "stream-big", """{"size":3000000}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = new EventStreamReader(await response.Content.ReadAsStreamAsync());
        long streamed = 0;
        EventStreamEvent? complete = null;
        while (await events.ReadAsync() is { } next)
        {
            if (next.EventType == "InvokeComplete")
            {
                complete = next;
                continue;
            }
            streamed += next.Payload.Length;
        }
        Assert.True(streamed <= 1048576, $"{streamed} bytes streamed past the limit");
        Assert.NotNull(complete);
        var body = JsonDocument.Parse(complete!.Payload).RootElement;
        Assert.Equal("Unhandled", body.GetProperty("ErrorCode").GetString());
        var details = JsonDocument.Parse(body.GetProperty("ErrorDetails").GetString()!).RootElement;
        Assert.Equal("Function.ResponseSizeTooLarge", details.GetProperty("errorType").GetString());
        Assert.Contains("1048576", details.GetProperty("errorMessage").GetString());

        // The environment survives for the next invocation only if the runtime copes; either way the gateway answers.
        using var again = await StreamAsync(gateway, "stream-big", """{"size":10}""");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    /// <summary>boto3 from python3 on PATH (pyenv's, boto3 1.43): Debian's python3-boto3 1.26 (botocore 1.29.27) predates
    /// invoke_with_response_stream (botocore 1.29.94).</summary>
    [Fact]
    public async Task Boto3_reads_the_stream()
    {
        const string script = """
            import boto3, json, sys
            client = boto3.client('lambda', endpoint_url=sys.argv[1], region_name='us-east-1',
                                  aws_access_key_id='test', aws_secret_access_key='test')
            response = client.invoke_with_response_stream(FunctionName=sys.argv[2], Payload=sys.argv[3])
            total = 0
            complete = None
            for event in response['EventStream']:
                if 'PayloadChunk' in event:
                    total += len(event['PayloadChunk']['Payload'])
                if 'InvokeComplete' in event:
                    complete = event['InvokeComplete']
            print(json.dumps({'bytes': total, 'complete': complete, 'status': response['StatusCode'],
                              'version': response['ExecutedVersion'], 'contentType': response['ResponseStreamContentType']}))
            """;
        var (exit, stdout, stderr) = await RunAsync("python3", "-c", script, _gateway.BaseAddress.ToString(), "stream-big", """{"size":300000}""");
        Assert.True(exit == 0, stderr);
        var result = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(300_000, result.GetProperty("bytes").GetInt32());
        Assert.Equal(200, result.GetProperty("status").GetInt32());
        Assert.Equal("$LATEST", result.GetProperty("version").GetString());
        Assert.Equal("application/vnd.amazon.eventstream", result.GetProperty("contentType").GetString());
        Assert.False(result.GetProperty("complete").TryGetProperty("ErrorCode", out _));

        (exit, stdout, stderr) = await RunAsync("python3", "-c", script, _gateway.BaseAddress.ToString(), "stream-fails", "{}");
        Assert.True(exit == 0, stderr);
        Assert.Equal("Unhandled", JsonDocument.Parse(stdout).RootElement.GetProperty("complete").GetProperty("ErrorCode").GetString());
    }

    [Fact]
    public async Task The_JS_SDK_v3_reads_the_stream()
    {
        await JsSdk.NodeModulesAsync();
        var folder = JsSdk.Folder;

        var (code, stdout, err) = await RunAsync("node", Path.Combine(folder, "invoke-stream.mjs"), _gateway.BaseAddress.ToString().TrimEnd('/'), "stream-big", """{"size":300000}""");
        Assert.True(code == 0, err);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(300_000, lines.Where(l => l.TryGetProperty("chunk", out _)).Sum(l => l.GetProperty("chunk").GetInt32()));
        Assert.Single(lines, l => l.TryGetProperty("complete", out _));
        var done = lines[^1].GetProperty("done");
        Assert.Equal(200, done.GetProperty("StatusCode").GetInt32());
        Assert.Equal("$LATEST", done.GetProperty("ExecutedVersion").GetString());

        (code, stdout, err) = await RunAsync("node", Path.Combine(folder, "invoke-stream.mjs"), _gateway.BaseAddress.ToString().TrimEnd('/'), "stream-fails", "{}");
        Assert.True(code == 0, err);
        Assert.Contains("\"ErrorCode\":\"Unhandled\"", stdout);
        Assert.Contains("boom mid-stream", stdout);
    }

    [Fact]
    public async Task A_response_mode_other_than_streaming_is_refused_and_the_caller_gets_InvalidResponseModeHeader()
    {
        // A bash runtime: one event, answered with a mode AWS does not know; the Runtime API's answer goes to its log.
        const string bootstrap = """
            #!/bin/bash
            api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
            while true; do
              id=$(curl -sS -D - -o /dev/null "$api/invocation/next" | tr -d '\r' | sed -n 's/^[Ll]ambda-[Rr]untime-[Aa]ws-[Rr]equest-[Ii]d: //p')
              echo "runtime-api-answer: $(curl -sS -w ' %{http_code}' -H 'Lambda-Runtime-Function-Response-Mode: buffered' --data 'x' "$api/invocation/$id/response")"
            done
            """;
        var zip = FunctionZip.Build([("bootstrap", bootstrap.Replace("\r", ""), 0b111_101_101)]);
        await _gateway.CreateRuntimeFunctionAsync("bad-mode", "provided.al2023", "x", zip);

        using var response = await _gateway.InvokeAsync("bad-mode", "{}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        var body = await GatewayProcess.ReadJsonAsync(response);
        Assert.Equal("Runtime.InvalidResponseModeHeader", body.GetProperty("errorType").GetString());
        var line = await _gateway.WaitForLogAsync("bad-mode", "runtime-api-answer:");
        Assert.Contains("""{"errorMessage":"Invalid function response mode","errorType":"InvalidFunctionResponseMode"} 400""", line);
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WithTimeout(300_000);
        return (process.ExitCode, await stdout, await stderr);
    }
}
