using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.FunctionUrls;
using Gateway.FunctionUrls.Http;
using Gateway.Invocations;
using Microsoft.AspNetCore.Http;

namespace Gateway.UnitTests.FunctionUrls;

public class UrlEventWriterTests
{
    private const string UrlId = "abcdefghijklmnopqrstuvwxyz012345";
    private static readonly FunctionUrlRoute Route = new(UrlId, "echo", null, FunctionUrlAuthType.None, null, FunctionUrlInvokeMode.Buffered,
        $"{UrlId}.lambda-url.us-east-1.localhost");
    private static readonly DateTimeOffset Now = new(2020, 3, 12, 19, 3, 58, 390, TimeSpan.Zero);

    private static DefaultHttpContext Request(string method = "GET", string query = "", string? contentType = null, byte[]? body = null, params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Protocol = "HTTP/1.1";
        context.Request.Scheme = "http";
        context.Request.QueryString = new QueryString(query);
        context.Connection.RemoteIpAddress = IPAddress.Parse("::ffff:10.1.2.3");
        context.Connection.LocalPort = 9000;
        foreach (var (name, value) in headers)
        {
            context.Request.Headers.Append(name, value);
        }
        if (contentType is not null)
        {
            context.Request.ContentType = contentType;
        }
        return context;
    }

    private static JsonElement Build(DefaultHttpContext context, byte[]? body = null, string rawPath = "/my/path")
    {
        var target = new PooledPayload();
        var bodyPayload = new PooledPayload();
        if (body is not null)
        {
            bodyPayload.Write(body);
        }
        UrlEventWriter.Write(target, context.Request, context.Connection, new UrlEventContext(Route, rawPath, "req-1", "Root=1-5e6a8b2e-0123456789abcdef01234567", Now), bodyPayload);
        return JsonDocument.Parse(target.ToArray()).RootElement.Clone();
    }

    [Fact]
    public void Minimal_get_has_aws_fixed_members_and_leaves_out_absent_ones()
    {
        var e = Build(Request());
        Assert.Equal("2.0", e.GetProperty("version").GetString());
        Assert.Equal("$default", e.GetProperty("routeKey").GetString());
        Assert.Equal("/my/path", e.GetProperty("rawPath").GetString());
        Assert.Equal("", e.GetProperty("rawQueryString").GetString());
        Assert.False(e.GetProperty("isBase64Encoded").GetBoolean());
        Assert.False(e.TryGetProperty("body", out _));
        Assert.False(e.TryGetProperty("cookies", out _));
        Assert.False(e.TryGetProperty("queryStringParameters", out _));
        Assert.False(e.TryGetProperty("pathParameters", out _));
        Assert.False(e.TryGetProperty("stageVariables", out _));
    }

    [Fact]
    public void Request_context_matches_aws()
    {
        var rc = Build(Request("POST", headers: ("User-Agent", "curl/8.0"))).GetProperty("requestContext");
        Assert.Equal("anonymous", rc.GetProperty("accountId").GetString());
        Assert.Equal(UrlId, rc.GetProperty("apiId").GetString());
        Assert.Equal($"{UrlId}.lambda-url.us-east-1.localhost", rc.GetProperty("domainName").GetString());
        Assert.Equal(UrlId, rc.GetProperty("domainPrefix").GetString());
        Assert.Equal("req-1", rc.GetProperty("requestId").GetString());
        Assert.Equal("$default", rc.GetProperty("routeKey").GetString());
        Assert.Equal("$default", rc.GetProperty("stage").GetString());
        Assert.Equal("12/Mar/2020:19:03:58 +0000", rc.GetProperty("time").GetString());
        Assert.Equal(1584039838390, rc.GetProperty("timeEpoch").GetInt64());
        Assert.False(rc.TryGetProperty("authorizer", out _));
        var http = rc.GetProperty("http");
        Assert.Equal("POST", http.GetProperty("method").GetString());
        Assert.Equal("/my/path", http.GetProperty("path").GetString());
        Assert.Equal("HTTP/1.1", http.GetProperty("protocol").GetString());
        Assert.Equal("10.1.2.3", http.GetProperty("sourceIp").GetString());
        Assert.Equal("curl/8.0", http.GetProperty("userAgent").GetString());
    }

    [Fact]
    public void Header_names_are_lower_cased_and_repeats_comma_joined()
    {
        var h = Build(Request(headers: [("X-Custom", "a"), ("X-Custom", "b"), ("Accept", "*/*"), ("Extra-Headers", "With WeiRd CapS")])).GetProperty("headers");
        Assert.Equal("a,b", h.GetProperty("x-custom").GetString());
        Assert.Equal("*/*", h.GetProperty("accept").GetString());
        Assert.Equal("With WeiRd CapS", h.GetProperty("extra-headers").GetString());
        Assert.False(h.TryGetProperty("X-Custom", out _));
    }

    [Fact]
    public void Platform_headers_are_added_and_hop_by_hop_dropped()
    {
        var h = Build(Request(headers: [("Connection", "keep-alive"), ("X-Forwarded-For", "6.6.6.6"), ("X-Amzn-Trace-Id", "Root=spoofed")])).GetProperty("headers");
        Assert.False(h.TryGetProperty("connection", out _));
        Assert.Equal("10.1.2.3", h.GetProperty("x-forwarded-for").GetString());
        Assert.Equal("9000", h.GetProperty("x-forwarded-port").GetString());
        Assert.Equal("http", h.GetProperty("x-forwarded-proto").GetString());
        Assert.Equal("Root=1-5e6a8b2e-0123456789abcdef01234567", h.GetProperty("x-amzn-trace-id").GetString());
    }

    [Fact]
    public void Cookie_header_becomes_the_cookies_array_and_stays_a_header()
    {
        // Both, as an event captured from a real function URL in 2026 has them (hotsock/voker functionurl-request.json).
        var e = Build(Request(headers: [("Cookie", "a=1; b=2"), ("Cookie", "c=3")]));
        Assert.Equal(["a=1", "b=2", "c=3"], e.GetProperty("cookies").EnumerateArray().Select(c => c.GetString()!).ToArray());
        Assert.Equal("a=1; b=2; c=3", e.GetProperty("headers").GetProperty("cookie").GetString());
    }

    [Fact]
    public void Query_string_raw_and_parsed_with_repeats_comma_joined()
    {
        var e = Build(Request(query: "?parameter1=value1&parameter1=value2&parameter2=value"));
        Assert.Equal("parameter1=value1&parameter1=value2&parameter2=value", e.GetProperty("rawQueryString").GetString());
        var q = e.GetProperty("queryStringParameters");
        Assert.Equal("value1,value2", q.GetProperty("parameter1").GetString());
        Assert.Equal("value", q.GetProperty("parameter2").GetString());
    }

    [Fact]
    public void Query_values_are_percent_decoded_and_keys_without_value_are_empty()
    {
        var e = Build(Request(query: "?multiQuery=foo&multiQuery=%2Fbar&flag&sp=a%20b&plus=a+b"));
        var q = e.GetProperty("queryStringParameters");
        Assert.Equal("foo,/bar", q.GetProperty("multiQuery").GetString()); // recorded AWS: "foo,/bar"
        Assert.Equal("", q.GetProperty("flag").GetString());
        Assert.Equal("a b", q.GetProperty("sp").GetString());
        Assert.Equal("a b", q.GetProperty("plus").GetString()); // recorded AWS (2026): literalPlus=a+b is "a b"
        Assert.Equal("multiQuery=foo&multiQuery=%2Fbar&flag&sp=a%20b&plus=a+b", e.GetProperty("rawQueryString").GetString());
    }

    [Fact]
    public void Raw_path_is_kept_as_sent_and_http_path_is_it_decoded()
    {
        // LocalStack's AWS recording: /pa2%25Fth/1 on the wire is http.path "/pa2%Fth/1".
        var e = Build(Request(), rawPath: "/pa2%25Fth/1");
        Assert.Equal("/pa2%25Fth/1", e.GetProperty("rawPath").GetString());
        Assert.Equal("/pa2%Fth/1", e.GetProperty("requestContext").GetProperty("http").GetProperty("path").GetString());
    }

    [Theory]
    [InlineData("application/json", false)]
    [InlineData("application/json; charset=utf-8", false)]
    [InlineData("text/plain", false)]
    [InlineData("text/html;charset=UTF-8", false)]
    [InlineData("application/xml", false)]
    [InlineData("application/vnd.api+json", false)]
    [InlineData("application/javascript", false)]
    [InlineData("application/octet-stream", true)]
    [InlineData("image/png", true)]
    [InlineData("multipart/form-data; boundary=x", true)]
    [InlineData("application/x-www-form-urlencoded", true)]
    [InlineData(null, true)]
    public void Body_is_text_or_base64_by_content_type(string? contentType, bool base64)
    {
        var body = Encoding.UTF8.GetBytes("{\"foo\": \"bar <&+>\"}");
        var e = Build(Request("POST", contentType: contentType), body);
        Assert.Equal(base64, e.GetProperty("isBase64Encoded").GetBoolean());
        var text = e.GetProperty("body").GetString()!;
        Assert.Equal(body, base64 ? Convert.FromBase64String(text) : Encoding.UTF8.GetBytes(text));
    }

    [Fact]
    public void Invalid_utf8_in_a_text_type_goes_base64()
    {
        byte[] body = [0xff, 0xfe, 0x41];
        var e = Build(Request("POST", contentType: "text/plain"), body);
        Assert.True(e.GetProperty("isBase64Encoded").GetBoolean());
        Assert.Equal(body, Convert.FromBase64String(e.GetProperty("body").GetString()!));
    }

    [Fact]
    public void A_multi_segment_body_is_written_whole()
    {
        var body = new byte[200_000];
        new Random(7).NextBytes(body);
        var e = Build(Request("PUT", contentType: "application/octet-stream"), body);
        Assert.Equal(body, Convert.FromBase64String(e.GetProperty("body").GetString()!));
    }

    [Fact]
    public void Non_ascii_text_is_written_unescaped()
    {
        var target = new PooledPayload();
        var body = new PooledPayload();
        body.Write(Encoding.UTF8.GetBytes("héllo + <b>"));
        var context = Request("POST", contentType: "text/plain");
        UrlEventWriter.Write(target, context.Request, context.Connection, new UrlEventContext(Route, "/", "r", "Root=1-5e6a8b2e-0123456789abcdef01234567", Now), body);
        var json = Encoding.UTF8.GetString(target.ToArray());
        Assert.Contains("\"body\":\"héllo + <b>\"", json);
    }
}
