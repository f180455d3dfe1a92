using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>
/// A function URL's HTTP half end to end against the native binary: a Python function behind a URL, called with
/// curl (Host form, <c>&lt;id&gt;.lambda-url.us-east-1.localhost</c>) and HttpClient (path form, <c>/_url/&lt;id&gt;/…</c>):
/// the payload-2.0 event it receives, the response mapping, CORS and the 502 of a failing function.
/// </summary>
public sealed class FunctionUrlHttpTests : IAsyncLifetime
{
    private GatewayProcess _gateway = null!;
    private string _urlId = "";
    private string _functionUrl = "";

    // What the function does is chosen by the request's path, so one function covers every case.
    private const string Handler = """
        import base64, json

        def handler(event, context):
            path = event["rawPath"]
            if path.startswith("/echo"):
                return {"statusCode": 200, "headers": {"content-type": "application/json", "x-echo": "yes"},
                        "body": json.dumps(event)}
            if path == "/string":
                return "hello"
            if path == "/object":
                return {"hello": "world"}
            if path == "/list":
                return ["hello", 3, True, {"a b": "c  d"}]
            if path == "/continue":
                return {"statusCode": 100, "body": "c"}
            if path == "/accented":
                return {"statusCode": 200, "headers": {"content-disposition": 'attachment; filename="résumé.pdf"'}, "body": "pdf"}
            if path == "/crlf":
                return {"statusCode": 200, "headers": {"x-split": "a\r\nInjected: yes"}, "body": "x"}
            if path == "/error":
                raise Exception("Handler fails")
            if path == "/malformed":
                return {"statusCode": "abc"}
            if path == "/binary":
                return {"statusCode": 200, "headers": {"content-type": "image/png"},
                        "body": base64.b64encode(bytes([0x89, 0x50, 0x4e, 0x47, 0, 255])).decode(), "isBase64Encoded": True}
            if path == "/cookies":
                return {"statusCode": 201, "cookies": ["a=1; Path=/", "b=2; Max-Age=60"], "body": "set"}
            if path == "/teapot":
                return {"statusCode": "418", "body": "i'm a teapot"}
            return {"statusCode": 404, "body": "no " + path}
        """;

    public async Task InitializeAsync()
    {
        _gateway = await GatewayProcess.StartAsync([]);
        await _gateway.CreateRuntimeFunctionAsync("url-echo", "python3.12", "app.handler", RuntimeFunctions.Sources(("app.py", Handler)));
        var cors = new JsonObject
        {
            ["AllowOrigins"] = new JsonArray("https://app.example.com"),
            ["AllowMethods"] = new JsonArray("GET", "POST"),
            ["AllowHeaders"] = new JsonArray("content-type"),
            ["ExposeHeaders"] = new JsonArray("x-echo"),
            ["MaxAge"] = 300,
        };
        var created = await _gateway.SendAsync(HttpMethod.Post, "/2021-10-31/functions/url-echo/url",
            new JsonObject { ["AuthType"] = "NONE", ["Cors"] = cors }, HttpStatusCode.Created);
        await _gateway.AllowPublicUrlAsync("url-echo");
        _functionUrl = created["FunctionUrl"]!.GetValue<string>();
        _urlId = new Uri(_functionUrl).Host.Split('.')[0];
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private Uri PathForm(string pathAndQuery) => new(_gateway.BaseAddress, $"/_url/{_urlId}{pathAndQuery}");

    private async Task<(int Exit, string Head, string Body)> CurlAsync(params string[] args)
    {
        var headFile = Path.GetTempFileName();
        try
        {
            var (exit, stdout, stderr) = await Processes.RunAsync("curl", ["-sS", "-D", headFile, .. args]);
            Assert.True(exit == 0, stderr);
            return (exit, await File.ReadAllTextAsync(headFile), stdout);
        }
        finally
        {
            File.Delete(headFile);
        }
    }

    [Fact]
    public async Task Curl_with_query_repeated_headers_and_cookies_reaches_the_function_as_AWSs_event()
    {
        var (_, head, body) = await CurlAsync("-X", "POST", $"{_functionUrl}echo/x%2Fy%20z?a=1&a=2&b=%2Fc&p=a+b&q=a%2Bb",
            "-H", "X-Multi: one", "-H", "X-Multi: two", "-H", "Cookie: c1=v1; c2=v2",
            "-H", "Content-Type: application/json", "-A", "curl-test/1", "--data-binary", "{\"n\":1}");
        Assert.StartsWith("HTTP/1.1 200", head);
        Assert.Matches("(?im)^x-amzn-RequestId: [0-9a-f-]{36}\r?$", head);
        Assert.Matches("(?im)^x-amzn-trace-id: Root=1-", head);
        Assert.Matches("(?im)^x-echo: yes\r?$", head);
        var e = JsonDocument.Parse(body).RootElement;
        Assert.Equal("2.0", e.GetProperty("version").GetString());
        Assert.Equal("$default", e.GetProperty("routeKey").GetString());
        Assert.Equal("/echo/x%2Fy%20z", e.GetProperty("rawPath").GetString());
        Assert.Equal("a=1&a=2&b=%2Fc&p=a+b&q=a%2Bb", e.GetProperty("rawQueryString").GetString());
        var query = e.GetProperty("queryStringParameters");
        Assert.Equal("1,2", query.GetProperty("a").GetString());
        Assert.Equal("/c", query.GetProperty("b").GetString());
        // As a real function URL hands them over (an event captured in 2026): '+' is a space, %2B a plus.
        Assert.Equal("a b", query.GetProperty("p").GetString());
        Assert.Equal("a+b", query.GetProperty("q").GetString());
        Assert.Equal(["c1=v1", "c2=v2"], e.GetProperty("cookies").EnumerateArray().Select(c => c.GetString()!).ToArray());
        var headers = e.GetProperty("headers");
        Assert.Equal("one,two", headers.GetProperty("x-multi").GetString());
        Assert.Equal("application/json", headers.GetProperty("content-type").GetString());
        Assert.Equal("c1=v1; c2=v2", headers.GetProperty("cookie").GetString()); // kept as well as split, as AWS does
        Assert.Equal("127.0.0.1", headers.GetProperty("x-forwarded-for").GetString());
        Assert.Equal("{\"n\":1}", e.GetProperty("body").GetString());
        Assert.False(e.GetProperty("isBase64Encoded").GetBoolean());
        var rc = e.GetProperty("requestContext");
        Assert.Equal("anonymous", rc.GetProperty("accountId").GetString());
        Assert.Equal(_urlId, rc.GetProperty("apiId").GetString());
        Assert.Equal(_urlId, rc.GetProperty("domainPrefix").GetString());
        Assert.StartsWith($"{_urlId}.lambda-url.", rc.GetProperty("domainName").GetString());
        Assert.Matches(@"^\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000$", rc.GetProperty("time").GetString());
        var http = rc.GetProperty("http");
        Assert.Equal("POST", http.GetProperty("method").GetString());
        Assert.Equal("/echo/x/y z", http.GetProperty("path").GetString()); // rawPath decoded
        Assert.Equal("HTTP/1.1", http.GetProperty("protocol").GetString());
        Assert.Equal("curl-test/1", http.GetProperty("userAgent").GetString());
        Assert.Matches(@"(?im)^x-amzn-RequestId: " + rc.GetProperty("requestId").GetString(), head);
    }

    [Fact]
    public async Task Errors_carry_the_CORS_headers_too()
    {
        // "Lambda automatically adds the CORS headers to all responses through the function URL": a browser must see
        // the 502, not a CORS failure.
        using var request = new HttpRequestMessage(HttpMethod.Get, PathForm("/error"));
        request.Headers.Add("Origin", "https://app.example.com");
        using var failed = await _gateway.Client.SendAsync(request).WithTimeout();
        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        Assert.Equal("https://app.example.com", failed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("x-echo", failed.Headers.GetValues("Access-Control-Expose-Headers").Single());
    }

    [Fact]
    public async Task A_binary_body_arrives_base64_and_a_base64_response_is_decoded()
    {
        byte[] data = [0, 1, 2, 250, 251, 255];
        using var content = new ByteArrayContent(data);
        content.Headers.ContentType = new("application/octet-stream");
        using var echoed = await _gateway.Client.PostAsync(PathForm("/echo"), content);
        var e = JsonDocument.Parse(await echoed.Content.ReadAsStringAsync()).RootElement;
        Assert.True(e.GetProperty("isBase64Encoded").GetBoolean());
        Assert.Equal(data, Convert.FromBase64String(e.GetProperty("body").GetString()!));

        using var binary = await _gateway.Client.GetAsync(PathForm("/binary"));
        Assert.Equal(HttpStatusCode.OK, binary.StatusCode);
        Assert.Equal("image/png", binary.Content.Headers.ContentType!.MediaType);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4e, 0x47, 0, 255 }, await binary.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Bare_string_and_plain_json_results_are_200_application_json()
    {
        using var text = await _gateway.Client.GetAsync(PathForm("/string"));
        Assert.Equal(HttpStatusCode.OK, text.StatusCode);
        Assert.Equal("application/json", text.Content.Headers.ContentType!.MediaType);
        Assert.Equal("hello", await text.Content.ReadAsStringAsync()); // recorded AWS: the quotes are dropped

        // JSON without statusCode goes out compacted, as recorded against AWS (Python's json.dumps writes
        // {"hello": "world"}; AWS answered {"hello":"world"}, Content-Length 17): strings keep their spaces.
        using var json = await _gateway.Client.GetAsync(PathForm("/object"));
        Assert.Equal("application/json", json.Content.Headers.ContentType!.MediaType);
        Assert.Equal("{\"hello\":\"world\"}", await json.Content.ReadAsStringAsync());
        Assert.Equal(17, json.Content.Headers.ContentLength);
        using var list = await _gateway.Client.GetAsync(PathForm("/list"));
        Assert.Equal("[\"hello\",3,true,{\"a b\":\"c  d\"}]", await list.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Cookies_become_one_Set_Cookie_each_and_statusCode_strings_work()
    {
        using var cookies = await _gateway.Client.GetAsync(PathForm("/cookies"));
        Assert.Equal(HttpStatusCode.Created, cookies.StatusCode);
        Assert.Equal(["a=1; Path=/", "b=2; Max-Age=60"], cookies.Headers.GetValues("Set-Cookie").ToArray());
        Assert.Equal("set", await cookies.Content.ReadAsStringAsync());

        using var teapot = await _gateway.Client.GetAsync(PathForm("/teapot"));
        Assert.Equal((HttpStatusCode)418, teapot.StatusCode);
        Assert.Equal("i'm a teapot", await teapot.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/error")]
    [InlineData("/malformed")]
    [InlineData("/continue")] // a 1xx is not a final status: it left the client waiting for one
    [InlineData("/accented")] // a header Kestrel cannot send: was an empty 500 without the request id
    [InlineData("/crlf")]
    public async Task A_function_error_or_malformed_response_is_502_Internal_Server_Error(string path)
    {
        using var response = await _gateway.Client.GetAsync(PathForm(path));
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("Internal Server Error", await response.Content.ReadAsStringAsync());
        Assert.True(response.Headers.Contains("x-amzn-RequestId"));
    }

    [Fact]
    public async Task Curl_preflight_is_answered_from_the_config_without_invoking()
    {
        var (_, head, body) = await CurlAsync("-X", "OPTIONS", $"{_functionUrl}error",
            "-H", "Origin: https://app.example.com", "-H", "Access-Control-Request-Method: POST", "-H", "Access-Control-Request-Headers: content-type");
        Assert.StartsWith("HTTP/1.1 200", head); // /error would be a 502 had the function run
        Assert.Matches("(?im)^access-control-allow-origin: https://app.example.com\r?$", head);
        Assert.Matches("(?im)^access-control-allow-methods: GET,POST\r?$", head);
        Assert.Matches("(?im)^access-control-allow-headers: content-type\r?$", head);
        Assert.Matches("(?im)^access-control-max-age: 300\r?$", head);
        Assert.Matches("(?im)^vary: Origin\r?$", head);
        Assert.Equal("", body);

        var (_, refused, _) = await CurlAsync("-X", "OPTIONS", $"{_functionUrl}echo",
            "-H", "Origin: https://evil.example.com", "-H", "Access-Control-Request-Method: POST");
        Assert.StartsWith("HTTP/1.1 200", refused);
        Assert.DoesNotMatch("(?im)^access-control-allow-origin:", refused);
    }

    [Fact]
    public async Task An_allowed_origin_gets_CORS_headers_on_the_functions_response()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, PathForm("/echo"));
        request.Headers.Add("Origin", "https://app.example.com");
        using var response = await _gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("https://app.example.com", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("x-echo", response.Headers.GetValues("Access-Control-Expose-Headers").Single());
        var e = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("https://app.example.com", e.GetProperty("headers").GetProperty("origin").GetString());
    }

    [Fact]
    public async Task A_request_whose_event_is_over_6_MB_is_413_without_invoking()
    {
        // 5 MB of binary fits the raw limit, but its base64 in the event (6.7 MB) does not: the event must fit.
        using var content = new ByteArrayContent(new byte[5 * 1024 * 1024]);
        content.Headers.ContentType = new("application/octet-stream");
        using var response = await _gateway.Client.PostAsync(PathForm("/echo"), content);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("RequestEntityTooLargeException", response.Headers.GetValues("x-amzn-ErrorType").Single());
    }

    /// <summary>A bash custom runtime that answers with the event it was given (JSON without statusCode → 200 with the
    /// event as the body), and a 429 for a URL whose function has reserved concurrency 0.</summary>
    [Fact]
    public async Task A_bash_function_echoes_its_event_and_a_throttled_function_is_429()
    {
        var zip = FunctionZip.Build(("bootstrap", """
            #!/bin/bash
            set -euo pipefail
            api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
            headers="$(mktemp)"
            while true; do
              curl -sS --fail -D "$headers" -o "$headers.event" "$api/invocation/next"
              id="$(grep -Fi 'Lambda-Runtime-Aws-Request-Id:' "$headers" | tr -d '[:space:]' | cut -d: -f2)"
              curl -sS -o /dev/null -X POST --data-binary "@$headers.event" "$api/invocation/$id/response"
            done
            """.Replace("\r", ""), 0b111_101_101));
        await _gateway.CreateFunctionAsync("url-bash", zip);
        await _gateway.WaitUntilReadyAsync("url-bash");
        var created = await _gateway.SendAsync(HttpMethod.Post, "/2021-10-31/functions/url-bash/url",
            new JsonObject { ["AuthType"] = "NONE" }, HttpStatusCode.Created);
        await _gateway.AllowPublicUrlAsync("url-bash");
        var url = created["FunctionUrl"]!.GetValue<string>();

        var (_, head, body) = await CurlAsync($"{url}a/b?x=1", "-H", "Content-Type: text/plain", "--data-binary", "plain text");
        Assert.StartsWith("HTTP/1.1 200", head);
        Assert.Matches("(?im)^content-type: application/json\r?$", head);
        var e = JsonDocument.Parse(body).RootElement;
        Assert.Equal("/a/b", e.GetProperty("rawPath").GetString());
        Assert.Equal("1", e.GetProperty("queryStringParameters").GetProperty("x").GetString());
        Assert.Equal("plain text", e.GetProperty("body").GetString());
        Assert.False(e.GetProperty("isBase64Encoded").GetBoolean());

        await _gateway.SendAsync(HttpMethod.Put, "/2017-10-31/functions/url-bash/concurrency",
            new JsonObject { ["ReservedConcurrentExecutions"] = 0 }, HttpStatusCode.OK);
        var (_, throttled, message) = await CurlAsync(url);
        Assert.StartsWith("HTTP/1.1 429", throttled);
        Assert.Matches("(?im)^x-amzn-ErrorType: TooManyRequestsException\r?$", throttled);
        Assert.Equal("Rate Exceeded.", JsonDocument.Parse(message).RootElement.GetProperty("Message").GetString());
    }
}
