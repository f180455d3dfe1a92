using System.Text.Json.Nodes;

namespace Gateway.Tests.Streaming;

/// <summary>
/// RESPONSE_STREAM function URLs end to end (native binary, nodejs20.x): the http-integration prelude
/// (<c>awslambda.HttpResponseStream.from</c>) becomes the status, headers and cookies, and the body reaches the client
/// while the function is still writing.
/// </summary>
public sealed class UrlStreamingTests : IAsyncLifetime
{
    /// <summary>Writes "first", then waits for the signal file named in the query string, then writes "last".</summary>
    private const string Handler = """
        const fs = require('fs');
        exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
          const signal = (event.queryStringParameters || {}).signal;
          if (event.rawPath === '/plain') {
            responseStream.write('plain body');
            responseStream.end();
            return;
          }
          if (event.rawPath === '/fail') {
            throw new Error('failed before the first byte');
          }
          if (event.rawPath === '/typed') {
            responseStream.setContentType('text/html');
            responseStream.write('<p>typed</p>');
            responseStream.end();
            return;
          }
          if (event.rawPath === '/quoted') {
            const http = awslambda.HttpResponseStream.from(responseStream, { statusCode: '202', headers: { 'x-count': 3, 'x-skip': { a: 1 } } });
            http.write('quoted');
            http.end();
            return;
          }
          if (event.rawPath === '/continue' || event.rawPath === '/crlf') {
            const prelude = event.rawPath === '/continue' ? { statusCode: 100 } : { statusCode: 200, headers: { 'x-split': 'a\r\nInjected: yes' } };
            const http = awslambda.HttpResponseStream.from(responseStream, prelude);
            http.write('never seen');
            http.end();
            return;
          }
          if (event.rawPath === '/length') {
            const http = awslambda.HttpResponseStream.from(responseStream, { statusCode: 200, headers: { 'content-length': '3' } });
            http.write('abcdef');
            http.end();
            return;
          }
          const http = awslambda.HttpResponseStream.from(responseStream, {
            statusCode: 201, headers: { 'content-type': 'text/plain', 'x-streamed': 'yes' }, cookies: ['a=1; Path=/'],
          });
          http.write('first;');
          while (signal && !fs.existsSync(signal)) await new Promise(r => setTimeout(r, 10));
          http.write('last');
          http.end();
        });
        """;

    /// <summary>An ordinary handler (no streamifyResponse) behind a RESPONSE_STREAM URL.</summary>
    private const string BufferedHandler = """
        exports.handler = async (event) => ({ statusCode: 201, headers: { 'x-mapped': 'yes' }, body: 'from ' + event.rawPath });
        """;

    private GatewayProcess _gateway = null!;
    private string _urlId = "";
    private string _bufferedUrlId = "";

    public async Task InitializeAsync()
    {
        RuntimeFunctions.RequireNodeRuntime();
        // Host folders, no mount namespace: the function waits on a signal file the test creates in the host's temp folder.
        _gateway = await GatewayProcess.StartAsync([], "--sandbox", "none");
        await _gateway.CreateRuntimeFunctionAsync("url-stream", "nodejs20.x", "index.handler", RuntimeFunctions.Sources(("index.js", Handler)), timeout: 20);
        var created = await _gateway.SendAsync(HttpMethod.Post, "/2021-10-31/functions/url-stream/url",
            new JsonObject { ["AuthType"] = "NONE", ["InvokeMode"] = "RESPONSE_STREAM" }, HttpStatusCode.Created);
        await _gateway.AllowPublicUrlAsync("url-stream");
        _urlId = new Uri(created["FunctionUrl"]!.GetValue<string>()).Host.Split('.')[0];

        await _gateway.CreateRuntimeFunctionAsync("url-not-streaming", "nodejs20.x", "index.handler", RuntimeFunctions.Sources(("index.js", BufferedHandler)));
        var buffered = await _gateway.SendAsync(HttpMethod.Post, "/2021-10-31/functions/url-not-streaming/url",
            new JsonObject { ["AuthType"] = "NONE", ["InvokeMode"] = "RESPONSE_STREAM" }, HttpStatusCode.Created);
        await _gateway.AllowPublicUrlAsync("url-not-streaming");
        _bufferedUrlId = new Uri(buffered["FunctionUrl"]!.GetValue<string>()).Host.Split('.')[0];
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task The_prelude_sets_status_headers_and_cookies_and_the_body_streams()
    {
        var signal = Path.Combine(Path.GetTempPath(), "gw-url-stream-" + Guid.NewGuid().ToString("N"));
        try
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"/_url/{_urlId}/stream?signal={Uri.EscapeDataString(signal)}");
            using var response = await _gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout(60_000);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            Assert.Equal("yes", response.Headers.GetValues("x-streamed").Single());
            Assert.Equal("a=1; Path=/", response.Headers.GetValues("Set-Cookie").Single());
            Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);

            var body = await response.Content.ReadAsStreamAsync();
            var received = new StringBuilder(await StreamedText.ReadUntilAsync(body, ';'));
            Assert.Equal("first;", received.ToString()); // no prelude bytes, no NULs, and not yet the last write
            await File.WriteAllTextAsync(signal, "go"); // only now may the function write "last"
            received.Append(await new StreamReader(body).ReadToEndAsync().WithTimeout(30_000));
            Assert.Equal("first;last", received.ToString());
        }
        finally
        {
            File.Delete(signal);
        }
    }

    [Fact]
    public async Task A_stream_without_a_prelude_is_a_200_octet_stream()
    {
        using var response = await _gateway.Client.GetAsync($"/_url/{_urlId}/plain").WithTimeout(60_000);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("plain body", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_plain_stream_keeps_the_content_type_the_function_set()
    {
        using var response = await _gateway.Client.GetAsync($"/_url/{_urlId}/typed").WithTimeout(60_000);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("<p>typed</p>", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_failure_before_the_first_byte_is_the_502_a_buffered_URL_answers()
    {
        // The body a BUFFERED URL gives a failed function (recorded: test_lambda_url_invocation_exception).
        using var response = await _gateway.Client.GetAsync($"/_url/{_urlId}/fail").WithTimeout(60_000);
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("Internal Server Error", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_prelude_content_length_is_passed_on_renamed_and_does_not_cut_the_body()
    {
        using var response = await _gateway.Client.GetAsync($"/_url/{_urlId}/length").WithTimeout(60_000);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("abcdef", await response.Content.ReadAsStringAsync());
        Assert.Equal("3", response.Headers.GetValues("x-amzn-Remapped-Content-Length").Single());
    }

    [Fact]
    public async Task A_prelude_status_as_a_string_of_digits_is_that_status_as_in_a_buffered_response()
    {
        // AWS takes "418" from a buffered response (recorded); a prelude's quoted status threw here, and the client got
        // an empty 200. Header values that are numbers go out as text; objects are left out, as buffered.
        using var response = await _gateway.Client.GetAsync($"/_url/{_urlId}/quoted").WithTimeout(60_000);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("quoted", await response.Content.ReadAsStringAsync());
        Assert.Equal("3", response.Headers.GetValues("x-count").Single());
        Assert.False(response.Headers.Contains("x-skip"));
    }

    [Theory]
    [InlineData("/continue")] // a 1xx is not a final status
    [InlineData("/crlf")]     // a header that cannot be sent as it is
    public async Task A_prelude_that_cannot_be_sent_is_a_502(string path)
    {
        using var response = await _gateway.Client.GetAsync($"/_url/{_urlId}{path}").WithTimeout(60_000);
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.DoesNotContain("never seen", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_function_that_does_not_stream_has_its_result_sent_as_it_is()
    {
        // As AWS answers (LocalStack's AWS-validated test_lambda_url_echo_invoke[RESPONSE_STREAM]): the envelope is
        // the body, not taken apart into a status and headers as a BUFFERED URL would.
        using var response = await _gateway.Client.GetAsync($"/_url/{_bufferedUrlId}/x").WithTimeout(60_000);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("x-mapped"));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(201, body["statusCode"]!.GetValue<int>());
        Assert.Equal("from /x", body["body"]!.GetValue<string>());
    }
}
