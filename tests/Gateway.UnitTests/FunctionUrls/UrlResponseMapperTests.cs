using System.Text;
using Gateway.FunctionUrls.Http;
using Gateway.Invocations;

namespace Gateway.UnitTests.FunctionUrls;

public class UrlResponseMapperTests
{
    private static (UrlResponseKind Kind, UrlResponseHead Head, string Body) Map(string output)
    {
        var head = new UrlResponseHead();
        var body = new PooledPayload();
        var kind = UrlResponseMapper.Map(Encoding.UTF8.GetBytes(output), head, body);
        return (kind, head, Encoding.UTF8.GetString(body.ToArray()));
    }

    // Recorded against AWS (LocalStack test_lambda_url_invocation[*]): what the client receives.
    [Theory]
    [InlineData("{\"hello\":\"world\"}")]
    [InlineData("[\"hello\",3,true]")]
    [InlineData("3")]
    [InlineData("3.1")]
    [InlineData("true")]
    [InlineData("null")]
    [InlineData("{\"body\":\"x\",\"headers\":{\"a\":\"b\"}}")]
    public void Json_without_statusCode_is_the_body_unchanged(string output)
    {
        var (kind, head, _) = Map(output);
        Assert.Equal(UrlResponseKind.Output, kind);
        Assert.Equal(200, head.StatusCode);
        Assert.Empty(head.Headers);
    }

    // Recorded against AWS: Python's {"hello": "world"} arrived as {"hello":"world"} (Content-Length 17), and
    // ["hello", 3, true] as ["hello",3,true]. Whitespace inside strings stays, escapes are copied as they are.
    [Theory]
    [InlineData("{\"hello\": \"world\"}", "{\"hello\":\"world\"}")]
    [InlineData("[\"hello\", 3, true]", "[\"hello\",3,true]")]
    [InlineData(" \r\n\t3.1 \n", "3.1")]
    [InlineData("{\n  \"a b\": \"c  d\",\n  \"e\": [1, {\"f\": null}]\n}", "{\"a b\":\"c  d\",\"e\":[1,{\"f\":null}]}")]
    [InlineData("{\"q\": \"say \\\" hi \\\\\", \"t\": \"\\t x\"}", "{\"q\":\"say \\\" hi \\\\\",\"t\":\"\\t x\"}")]
    [InlineData("[\"only inside strings\"]", "[\"only inside strings\"]")]
    public void Json_without_statusCode_loses_the_whitespace_between_its_tokens(string output, string expected)
    {
        var (kind, head, body) = Map(output);
        Assert.Equal(UrlResponseKind.CompactedOutput, kind);
        Assert.Equal(200, head.StatusCode);
        Assert.Equal(expected, body);
    }

    [Theory]
    [InlineData("{\"statusCode\":100,\"body\":\"c\"}")]
    [InlineData("{\"statusCode\":199}")]
    [InlineData("{\"statusCode\":200,\"headers\":{\"x-split\":\"a\\r\\nInjected: yes\"}}")]
    [InlineData("{\"statusCode\":200,\"headers\":{\"content-disposition\":\"filename=\\\"r\u00e9sum\u00e9.pdf\\\"\"}}")]
    [InlineData("{\"statusCode\":200,\"headers\":{\"bad name\":\"v\"}}")]
    [InlineData("{\"statusCode\":200,\"headers\":{\"\":\"v\"}}")]
    [InlineData("{\"statusCode\":200,\"cookies\":[\"a=1\\nSet-Cookie: b=2\"]}")]
    public void A_1xx_status_or_a_header_that_cannot_be_sent_is_malformed(string output) =>
        Assert.Equal(UrlResponseKind.Malformed, Map(output).Kind);

    [Fact]
    public void A_json_string_is_the_body_without_quotes_as_observed()
    {
        var (kind, _, body) = Map("\"hello\"");
        Assert.Equal(UrlResponseKind.StringValue, kind);
        Assert.Equal("hello", body);
    }

    [Fact]
    public void An_escaped_json_string_is_unescaped()
    {
        var (kind, _, body) = Map("\"line1\\nline2 \\\"q\\\" \\u00e9\"");
        Assert.Equal(UrlResponseKind.StringValue, kind);
        Assert.Equal("line1\nline2 \"q\" é", body);
    }

    [Fact]
    public void Full_response_object()
    {
        var (kind, head, body) = Map("""
            {"statusCode":201,"headers":{"Content-Type":"application/json","My-Custom-Header":"Custom Value"},
             "body":"{ \"message\": \"Hello, world!\" }","cookies":["Cookie_1=Value1; Expires=21 Oct 2021 07:48 GMT","Cookie_2=Value2; Max-Age=78000"],
             "isBase64Encoded":false}
            """);
        Assert.Equal(UrlResponseKind.Mapped, kind);
        Assert.Equal(201, head.StatusCode);
        Assert.True(head.HasContentType);
        Assert.Contains(new KeyValuePair<string, string>("My-Custom-Header", "Custom Value"), head.Headers);
        Assert.Equal(["Cookie_1=Value1; Expires=21 Oct 2021 07:48 GMT", "Cookie_2=Value2; Max-Age=78000"], head.Cookies);
        Assert.Equal("{ \"message\": \"Hello, world!\" }", body);
    }

    [Fact]
    public void StatusCode_as_a_string_of_digits_is_accepted_as_recorded()
    {
        var (kind, head, body) = Map("{\"statusCode\":\"418\",\"body\":\"i'm a teapot\",\"isBase64Encoded\":false}");
        Assert.Equal(UrlResponseKind.Mapped, kind);
        Assert.Equal(418, head.StatusCode);
        Assert.Equal("i'm a teapot", body);
        Assert.False(head.HasContentType);
    }

    [Theory]
    [InlineData("{\"statusCode\":\"abc\"}")]
    [InlineData("{\"statusCode\":20.5}")]
    [InlineData("{\"statusCode\":true}")]
    [InlineData("{\"statusCode\":{}}")]
    [InlineData("{\"statusCode\":99}")]
    [InlineData("{\"statusCode\":600}")]
    [InlineData("{\"statusCode\":200,\"body\":\"!!notbase64\",\"isBase64Encoded\":true}")]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("{\"statusCode\":200")]
    [InlineData("\"a\" trailing")]
    [InlineData("{} {}")]
    public void Malformed_responses(string output) => Assert.Equal(UrlResponseKind.Malformed, Map(output).Kind);

    [Fact]
    public void Base64_body_is_decoded()
    {
        byte[] png = [0x89, 0x50, 0x4e, 0x47, 0x00, 0xff];
        var (kind, head, _) = Map($"{{\"statusCode\":200,\"headers\":{{\"content-type\":\"image/png\"}},\"body\":\"{Convert.ToBase64String(png)}\",\"isBase64Encoded\":true}}");
        Assert.Equal(UrlResponseKind.Mapped, kind);
        var body = new PooledPayload();
        UrlResponseMapper.Map(Encoding.UTF8.GetBytes($"{{\"statusCode\":200,\"body\":\"{Convert.ToBase64String(png)}\",\"isBase64Encoded\":true}}"), head, body);
        Assert.Equal(png, body.ToArray());
    }

    [Fact]
    public void Escaped_base64_body_is_unescaped_then_decoded()
    {
        // JSON may escape '/' as \/ — base64 contains '/'.
        byte[] data = [0xff, 0xff, 0xff];
        string b64 = Convert.ToBase64String(data); // "////"
        var head = new UrlResponseHead();
        var body = new PooledPayload();
        var kind = UrlResponseMapper.Map(Encoding.UTF8.GetBytes("{\"statusCode\":200,\"body\":\"" + b64.Replace("/", "\\/") + "\",\"isBase64Encoded\":true}"), head, body);
        Assert.Equal(UrlResponseKind.Mapped, kind);
        Assert.Equal(data, body.ToArray());
    }

    [Fact]
    public void Escaped_text_body_is_unescaped()
    {
        var (_, _, body) = Map("{\"statusCode\":200,\"body\":\"a\\tb\\u0041\"}");
        Assert.Equal("a\tbA", body);
    }

    [Fact]
    public void Non_string_body_is_written_as_json()
    {
        var (kind, _, body) = Map("{\"statusCode\":200,\"body\":{\"a\":[1,2]}}");
        Assert.Equal(UrlResponseKind.Mapped, kind);
        Assert.Equal("{\"a\":[1,2]}", body);
    }

    [Fact]
    public void StatusCode_without_body_has_an_empty_body()
    {
        var (kind, head, body) = Map("{\"statusCode\":204}");
        Assert.Equal(UrlResponseKind.Mapped, kind);
        Assert.Equal(204, head.StatusCode);
        Assert.Equal("", body);
    }

    [Fact]
    public void Null_body_is_empty()
    {
        var (kind, _, body) = Map("{\"statusCode\":200,\"body\":null}");
        Assert.Equal(UrlResponseKind.Mapped, kind);
        Assert.Equal("", body);
    }

    [Fact]
    public void Header_values_that_are_numbers_or_booleans_become_text_and_objects_are_dropped()
    {
        var (_, head, _) = Map("{\"statusCode\":200,\"headers\":{\"x-n\":42,\"x-b\":true,\"x-o\":{\"a\":1},\"x-s\":\"s\"}}");
        Assert.Equal([new("x-n", "42"), new("x-b", "true"), new("x-s", "s")], head.Headers);
    }

    [Fact]
    public void MultiValueHeaders_are_ignored_in_format_2_0()
    {
        var (kind, head, _) = Map("{\"statusCode\":200,\"multiValueHeaders\":{\"x-m\":[\"a\",\"b\"]},\"headers\":{\"x-s\":\"s\"}}");
        Assert.Equal(UrlResponseKind.Mapped, kind);
        Assert.Equal([new("x-s", "s")], head.Headers);
    }

    [Fact]
    public void Unknown_members_are_ignored_and_order_does_not_matter()
    {
        var (kind, head, body) = Map("{\"extra\":[1,{\"x\":2}],\"body\":\"b\",\"isBase64Encoded\":false,\"statusCode\":302,\"headers\":{\"Location\":\"/x\"}}");
        Assert.Equal(UrlResponseKind.Mapped, kind);
        Assert.Equal(302, head.StatusCode);
        Assert.Equal("b", body);
        Assert.Equal([new("Location", "/x")], head.Headers);
    }

    [Fact]
    public void Head_is_reset_between_uses()
    {
        var head = new UrlResponseHead();
        UrlResponseMapper.Map("{\"statusCode\":500,\"headers\":{\"a\":\"b\"},\"cookies\":[\"c=d\"]}"u8, head, new PooledPayload());
        UrlResponseMapper.Map("{\"ok\":1}"u8, head, new PooledPayload());
        Assert.Equal(200, head.StatusCode);
        Assert.Empty(head.Headers);
        Assert.Empty(head.Cookies);
    }
    // Found by fuzzing (tests/Gateway.Fuzz, target url-response): strings that are valid JSON tokens but not text —
    // an escaped lone surrogate, or bytes that are not UTF-8 — made Utf8JsonReader.GetString/CopyString throw
    // InvalidOperationException, which escaped Map (the caller got Kestrel's 500 instead of the URL's 502).
    [Theory]
    [InlineData("{\"statusCode\":200,\"headers\":{\"X-A\":\"\\ud800\"}}")]
    [InlineData("{\"statusCode\":200,\"headers\":{\"\\udc00\":\"v\"}}")]
    [InlineData("{\"statusCode\":200,\"cookies\":[\"a=\\ud83d\"]}")]
    [InlineData("{\"statusCode\":200,\"body\":\"x\\ud800y\"}")]
    [InlineData("{\"statusCode\":\"2\\ud8000\"}")]
    [InlineData("\"\\ud800\"")]
    public void A_string_that_is_not_valid_unicode_is_malformed_not_an_exception(string output)
    {
        var (kind, _, _) = Map(output);
        Assert.Equal(UrlResponseKind.Malformed, kind);
    }

    [Theory]
    [InlineData(new byte[] { (byte)'{', (byte)'"', (byte)'s', (byte)'t', (byte)'a', (byte)'t', (byte)'u', (byte)'s', (byte)'C', (byte)'o', (byte)'d', (byte)'e', (byte)'"', (byte)':', (byte)'2', (byte)'0', (byte)'0', (byte)',',
        (byte)'"', (byte)'h', (byte)'e', (byte)'a', (byte)'d', (byte)'e', (byte)'r', (byte)'s', (byte)'"', (byte)':', (byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)'}', (byte)'}' })]
    [InlineData(new byte[] { (byte)'{', (byte)'"', (byte)'s', (byte)'t', (byte)'a', (byte)'t', (byte)'u', (byte)'s', (byte)'C', (byte)'o', (byte)'d', (byte)'e', (byte)'"', (byte)':', (byte)'2', (byte)'0', (byte)'0', (byte)',',
        (byte)'"', (byte)'c', (byte)'o', (byte)'o', (byte)'k', (byte)'i', (byte)'e', (byte)'s', (byte)'"', (byte)':', (byte)'[', (byte)'"', 0xFF, (byte)'"', (byte)']', (byte)'}' })]
    public void Header_or_cookie_bytes_that_are_not_utf8_are_malformed_not_an_exception(byte[] output)
    {
        var kind = UrlResponseMapper.Map(output, new UrlResponseHead(), new PooledPayload());
        Assert.Equal(UrlResponseKind.Malformed, kind);
    }
}
