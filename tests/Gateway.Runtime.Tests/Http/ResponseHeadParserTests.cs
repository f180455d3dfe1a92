using System.Text;
using Gateway.Runtime.Http;

namespace Gateway.Runtime.Tests.Http;

public class ResponseHeadParserTests
{
    private const string NextHead =
        "HTTP/1.1 200 OK\r\n" +
        "Content-Type: application/json\r\n" +
        "Lambda-Runtime-Aws-Request-Id: 8476a536-e9f4-11e8-9739-2dfe598c3fcd\r\n" +
        "Lambda-Runtime-Deadline-Ms: 1542409706888\r\n" +
        "Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:fn\r\n" +
        "Lambda-Runtime-Trace-Id: Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1\r\n" +
        "Lambda-Runtime-Client-Context: {\"custom\":{}}\r\n" +
        "Lambda-Runtime-Cognito-Identity: {\"cognitoIdentityId\":\"x\"}\r\n" +
        "Content-Length: 13\r\n" +
        "\r\n";

    [Fact]
    public void Parses_a_next_response_head_into_ranges()
    {
        var bytes = Encoding.ASCII.GetBytes(NextHead + "{\"key\":\"v1\"}!");

        Assert.True(ResponseHeadParser.TryParse(bytes, out var head));

        Assert.Equal(200, head.StatusCode);
        Assert.True(head.IsSuccess);
        Assert.False(head.IsInterim);
        Assert.Equal(NextHead.Length, head.HeadLength);
        Assert.Equal(BodyFraming.ContentLength, head.Framing);
        Assert.Equal(13, head.ContentLength);
        Assert.True(head.KeepAlive);
        Assert.Equal("8476a536-e9f4-11e8-9739-2dfe598c3fcd", Text(bytes, head.RequestId));
        Assert.Equal("1542409706888", Text(bytes, head.DeadlineMs));
        Assert.Equal("arn:aws:lambda:us-east-1:123456789012:function:fn", Text(bytes, head.InvokedFunctionArn));
        Assert.Equal("Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1", Text(bytes, head.TraceId));
        Assert.Equal("{\"custom\":{}}", Text(bytes, head.ClientContext));
        Assert.Equal("{\"cognitoIdentityId\":\"x\"}", Text(bytes, head.CognitoIdentity));
    }

    [Fact]
    public void Every_proper_prefix_is_incomplete_and_the_whole_head_parses()
    {
        var bytes = Encoding.ASCII.GetBytes(NextHead);
        for (int length = 0; length < bytes.Length; length++)
        {
            Assert.False(ResponseHeadParser.TryParse(bytes.AsSpan(0, length), out _), $"complete after {length} of {bytes.Length} bytes");
        }

        Assert.True(ResponseHeadParser.TryParse(bytes, out var head));
        Assert.Equal(bytes.Length, head.HeadLength);
    }

    [Fact]
    public void Absent_headers_are_default_ranges_and_names_are_case_insensitive()
    {
        var bytes = Encoding.ASCII.GetBytes("HTTP/1.1 202 Accepted\r\ncontent-LENGTH: 15\r\nLAMBDA-RUNTIME-AWS-REQUEST-ID:  id-1 \t\r\n\r\n");

        Assert.True(ResponseHeadParser.TryParse(bytes, out var head));

        Assert.Equal(15, head.ContentLength);
        Assert.Equal("id-1", Text(bytes, head.RequestId)); // optional whitespace around the value is not part of it
        Assert.False(head.TraceId.IsPresent);
        Assert.False(head.ClientContext.IsPresent);
    }

    [Fact]
    public void Bare_LF_line_endings_are_accepted()
    {
        var bytes = "HTTP/1.1 200 OK\nContent-Length: 2\n\nhi"u8.ToArray();

        Assert.True(ResponseHeadParser.TryParse(bytes, out var head));

        Assert.Equal(bytes.Length - 2, head.HeadLength);
        Assert.Equal(2, head.ContentLength);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true)]
    [InlineData("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", false)]
    [InlineData("HTTP/1.1 200 OK\r\nConnection: upgrade, Close\r\nContent-Length: 0\r\n\r\n", false)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false)]
    [InlineData("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", true)]
    [InlineData("HTTP/1.1 200 OK\r\n\r\n", false)] // no framing: the body runs to the close
    public void Keep_alive_follows_version_connection_and_framing(string text, bool keepAlive)
    {
        Assert.True(ResponseHeadParser.TryParse(Encoding.ASCII.GetBytes(text), out var head));

        Assert.Equal(keepAlive, head.KeepAlive);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", BodyFraming.ContentLength)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", BodyFraming.Chunked)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", BodyFraming.Chunked)]
    [InlineData("HTTP/1.1 200 OK\r\n\r\n", BodyFraming.UntilClose)]
    [InlineData("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", BodyFraming.None)]
    [InlineData("HTTP/1.1 304 Not Modified\r\n\r\n", BodyFraming.None)]
    [InlineData("HTTP/1.1 100 Continue\r\n\r\n", BodyFraming.None)]
    public void Framing_is_chosen_as_RFC_9112_says(string text, object framing)
    {
        // object: BodyFraming is internal, so it cannot appear in a public test method's signature.
        Assert.True(ResponseHeadParser.TryParse(Encoding.ASCII.GetBytes(text), out var head));

        Assert.Equal((BodyFraming)framing, head.Framing);
    }

    [Fact]
    public void Chunked_with_a_Content_Length_is_chunked_and_closes_afterwards()
    {
        Assert.True(ResponseHeadParser.TryParse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"u8, out var head));

        Assert.Equal(BodyFraming.Chunked, head.Framing);
        Assert.False(head.KeepAlive);
    }

    [Fact]
    public void An_interim_response_is_reported_as_such()
    {
        Assert.True(ResponseHeadParser.TryParse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\n"u8, out var head));

        Assert.True(head.IsInterim);
        Assert.Equal(25, head.HeadLength);
    }

    [Fact]
    public void The_same_Content_Length_twice_is_accepted()
    {
        Assert.True(ResponseHeadParser.TryParse("HTTP/1.1 200 OK\r\nContent-Length: 7\r\nContent-Length: 7\r\n\r\n"u8, out var head));

        Assert.Equal(7, head.ContentLength);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 999999999999999999\r\n\r\n", 999_999_999_999_999_999)] // 18 digits: the most it takes
    public void Content_Length_is_read_exactly(string text, long length)
    {
        Assert.True(ResponseHeadParser.TryParse(Encoding.ASCII.GetBytes(text), out var head));

        Assert.Equal(length, head.ContentLength);
    }

    [Theory]
    [InlineData("HTTP/1.1 200OK\r\n\r\n", "Malformed status line.")]
    [InlineData("HTTP/2.0 200 OK\r\n\r\n", "Malformed status line.")]
    [InlineData("HTTP/1.1 20\r\n\r\n", "Malformed status line.")]
    [InlineData("HTTP/1.2 200 OK\r\n\r\n", "Unsupported HTTP version.")]
    [InlineData("HTTP/1.1 2x0 OK\r\n\r\n", "Malformed status code.")]
    [InlineData("HTTP/1.1 099 Odd\r\n\r\n", "Malformed status code.")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\n", "Malformed header line.")]
    [InlineData("HTTP/1.1 200 OK\r\n Folded: value\r\n\r\n", "Malformed header line.")]
    [InlineData("HTTP/1.1 200 OK\r\nNo-Colon\r\n\r\n", "Malformed header line.")]
    [InlineData("HTTP/1.1 200 OK\r\n: empty-name\r\n\r\n", "Malformed header line.")]
    [InlineData("HTTP/1.1 200 OK\r\nX-Bad: a\u0001b\r\n\r\n", "Control character in a header value.")]
    [InlineData("HTTP/1.1 200 OK\r\nX-Bad: a\rb\r\n\r\n", "Control character in a header value.")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", "Conflicting Content-Length headers.")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "Malformed Content-Length.")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n", "Malformed Content-Length.")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", "Malformed Content-Length.")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 1000000000000000000\r\n\r\n", "Malformed Content-Length.")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "Unsupported Transfer-Encoding.")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", "Unsupported Transfer-Encoding.")]
    public void Bytes_that_can_never_be_a_head_throw(string text, string message)
    {
        var bytes = Encoding.Latin1.GetBytes(text);

        var ex = Assert.Throws<RuntimeApiProtocolException>(() => ResponseHeadParser.TryParse(bytes, out _));

        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void A_malformed_status_line_throws_as_soon_as_it_is_complete()
    {
        // No need to wait for the rest of the head: the first line is already wrong.
        Assert.Throws<RuntimeApiProtocolException>(() => ResponseHeadParser.TryParse("SMTP ready\r\n"u8.ToArray(), out _));
    }

    private static string Text(byte[] head, HeaderRange range) => Encoding.ASCII.GetString(range.Slice(head));
}
