using System.Buffers;
using System.Text;
using Gateway.RuntimeApi;
using Gateway.UnitTests.Support;

namespace Gateway.UnitTests;

public class RuntimeRequestParserTests
{
    private const string Id = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";

    private sealed record Parsed(ParseStatus Status, RuntimeRequestHead Head, string Id, long Consumed);

    private static Parsed Parse(ReadOnlySequence<byte> buffer)
    {
        var idBuffer = new byte[36];
        var status = RuntimeRequestParser.TryParse(buffer, idBuffer, out var head, out var consumed);
        long consumedBytes = buffer.Slice(buffer.Start, consumed).Length;
        return new Parsed(status, head, Encoding.ASCII.GetString(idBuffer, 0, head.RequestIdLength), consumedBytes);
    }

    private static Parsed Parse(string request) => Parse(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(request)));

    private static RuntimeRequestHead Complete(string request)
    {
        var parsed = Parse(request);
        Assert.Equal(ParseStatus.Complete, parsed.Status);
        return parsed.Head;
    }

    [Fact]
    public void Next()
    {
        var parsed = Parse("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: 127.0.0.1:9001\r\nUser-Agent: aws-lambda-go/go1.22\r\n\r\n");
        Assert.Equal(ParseStatus.Complete, parsed.Status);
        Assert.Equal(RuntimeMethod.Get, parsed.Head.Method);
        Assert.Equal(RuntimeRoute.Next, parsed.Head.Route);
        Assert.Equal(-1, parsed.Head.ContentLength);
        Assert.False(parsed.Head.Chunked);
        Assert.False(parsed.Head.ConnectionClose);
        Assert.False(parsed.Head.ExpectContinue);
        Assert.Null(parsed.Head.ErrorType);
        Assert.Equal(0, parsed.Head.RequestIdLength);
    }

    [Theory]
    [InlineData("response", "Response")]
    [InlineData("error", "Error")]
    public void Response_and_error_copy_the_request_id(string action, string route)
    {
        var parsed = Parse($"POST /2018-06-01/runtime/invocation/{Id}/{action} HTTP/1.1\r\nContent-Length: 2\r\n\r\n{{}}");
        Assert.Equal(ParseStatus.Complete, parsed.Status);
        Assert.Equal(RuntimeMethod.Post, parsed.Head.Method);
        Assert.Equal(Enum.Parse<RuntimeRoute>(route), parsed.Head.Route);
        Assert.Equal(Id, parsed.Id);
        Assert.Equal(36, parsed.Head.RequestIdLength);
        Assert.False(parsed.Head.RequestIdTooLong);
        Assert.Equal(2, parsed.Head.ContentLength);
    }

    [Fact]
    public void Short_request_id_is_copied_with_its_length()
    {
        var parsed = Parse("POST /2018-06-01/runtime/invocation/abc/response HTTP/1.1\r\n\r\n");
        Assert.Equal(RuntimeRoute.Response, parsed.Head.Route);
        Assert.Equal("abc", parsed.Id);
    }

    [Fact]
    public void Request_id_longer_than_the_buffer_is_flagged_not_copied()
    {
        var parsed = Parse($"POST /2018-06-01/runtime/invocation/{Id}x/response HTTP/1.1\r\n\r\n");
        Assert.Equal(ParseStatus.Complete, parsed.Status);
        Assert.Equal(RuntimeRoute.Response, parsed.Head.Route);
        Assert.True(parsed.Head.RequestIdTooLong);
        Assert.Equal(0, parsed.Head.RequestIdLength);
    }

    [Fact]
    public void Init_error()
    {
        var head = Complete("POST /2018-06-01/runtime/init/error HTTP/1.1\r\nLambda-Runtime-Function-Error-Type: Runtime.ExitError\r\nContent-Length: 0\r\n\r\n");
        Assert.Equal(RuntimeRoute.InitError, head.Route);
        Assert.Equal("Runtime.ExitError", head.ErrorType);
        Assert.Equal(0, head.ContentLength);
    }

    [Theory]
    [InlineData("/2018-06-01/runtime/invocation/next/", "Next")]
    [InlineData("/2018-06-01/runtime/invocation/next?x=1", "Next")]
    [InlineData("/2018-06-01/runtime/invocation/next/?x=1&y", "Next")]
    [InlineData("/2018-06-01/runtime/init/error/", "InitError")]
    [InlineData("/2018-06-01/runtime/invocation/abc/response/", "Response")]
    [InlineData("/2018-06-01/runtime/invocation/abc/error?trace=1", "Error")]
    [InlineData("/2018-06-01/runtime/invocation/next//", "Unknown")]
    [InlineData("/2018-06-01/runtime/invocation/nextx", "Unknown")]
    [InlineData("/2018-06-01/runtime/invocation/", "Unknown")]
    [InlineData("/2018-06-01/runtime/invocation//response", "Unknown")]
    [InlineData("/2018-06-01/runtime/invocation/abc/other", "Unknown")]
    [InlineData("/2018-06-01/runtime/invocation/abc/response/extra", "Unknown")]
    [InlineData("/2018-06-01/runtime/restore/next", "Unknown")]
    [InlineData("/2018-06-01/runtime/", "Unknown")]
    [InlineData("/2018-06-01/runtime", "Unknown")]
    [InlineData("/2020-01-01/runtime/invocation/next", "Unknown")]
    [InlineData("/2018-06-01/RUNTIME/invocation/next", "Unknown")]
    [InlineData("/2018-06-01/ping", "Ping")]
    [InlineData("/2018-06-01/ping/", "Ping")]
    [InlineData("/2018-06-01/ping/x", "Unknown")]
    [InlineData("/", "Unknown")]
    [InlineData("*", "Unknown")]
    [InlineData("http://127.0.0.1:9001/2018-06-01/runtime/invocation/next", "Unknown")]
    public void Routes(string target, string route)
    {
        var head = Complete($"GET {target} HTTP/1.1\r\n\r\n");
        Assert.Equal(Enum.Parse<RuntimeRoute>(route), head.Route);
    }

    [Fact]
    public void Id_with_a_trailing_slash_route_copies_only_the_id()
    {
        var parsed = Parse("POST /2018-06-01/runtime/invocation/abc/error/?x=y HTTP/1.1\r\n\r\n");
        Assert.Equal(RuntimeRoute.Error, parsed.Head.Route);
        Assert.Equal("abc", parsed.Id);
    }

    [Theory]
    [InlineData("GET", "Get")]
    [InlineData("POST", "Post")]
    [InlineData("PUT", "Put")]
    [InlineData("get", "Other")]
    [InlineData("DELETE", "Other")]
    public void Methods(string method, string expected)
    {
        Assert.Equal(Enum.Parse<RuntimeMethod>(expected), Complete($"{method} /2018-06-01/runtime/invocation/next HTTP/1.1\r\n\r\n").Method);
    }

    [Theory]
    [InlineData("Content-Length: 42", 42)]
    [InlineData("content-length: 42", 42)]
    [InlineData("CONTENT-LENGTH:42", 42)]
    [InlineData("Content-Length:   7  ", 7)]
    [InlineData("Content-Length:\t7\t", 7)]
    [InlineData("Content-Length: 0", 0)]
    [InlineData("Content-Length: 6291556", 6291556)]
    [InlineData("Content-Length: 9223372036854775807", long.MaxValue)]
    public void Content_length(string header, long expected)
    {
        Assert.Equal(expected, Complete($"POST /2018-06-01/runtime/init/error HTTP/1.1\r\n{header}\r\n\r\n").ContentLength);
    }

    [Theory]
    [InlineData("Content-Length: \t 7")]
    [InlineData("Content-Length:\t 7 \t")]
    public void Mixed_optional_whitespace_around_a_value_is_allowed(string header)
    {
        Assert.Equal(7, Complete($"POST /2018-06-01/runtime/init/error HTTP/1.1\r\n{header}\r\n\r\n").ContentLength);
    }

    [Theory]
    [InlineData("Content-Length: -1")]
    [InlineData("Content-Length: abc")]
    [InlineData("Content-Length: 12x")]
    [InlineData("Content-Length: 1 2")]
    [InlineData("Content-Length: ")]
    [InlineData("Content-Length: 0x10")]
    [InlineData("Content-Length: 99999999999999999999")]
    public void Bad_content_length_is_invalid(string header)
    {
        Assert.Equal(ParseStatus.Invalid, Parse($"POST /2018-06-01/runtime/init/error HTTP/1.1\r\n{header}\r\n\r\n").Status);
    }

    [Theory]
    [InlineData("Transfer-Encoding: chunked", true)]
    [InlineData("transfer-encoding: CHUNKED", true)]
    [InlineData("Transfer-Encoding: Chunked", true)]
    [InlineData("Transfer-Encoding: gzip, chunked", true)]
    [InlineData("Transfer-Encoding: identity", false)]
    [InlineData("X-Transfer-Encoding: chunked", false)]
    public void Transfer_encoding(string header, bool chunked)
    {
        Assert.Equal(chunked, Complete($"POST /2018-06-01/runtime/invocation/{Id}/response HTTP/1.1\r\n{header}\r\n\r\n").Chunked);
    }

    [Theory]
    [InlineData("Expect: 100-continue", true)]
    [InlineData("expect: 100-Continue", true)]
    [InlineData("Expect: something-else", false)]
    public void Expect(string header, bool expectContinue)
    {
        Assert.Equal(expectContinue, Complete($"POST /2018-06-01/runtime/invocation/{Id}/response HTTP/1.1\r\n{header}\r\n\r\n").ExpectContinue);
    }

    [Theory]
    [InlineData("HTTP/1.1", null, false)]
    [InlineData("HTTP/1.1", "Connection: close", true)]
    [InlineData("HTTP/1.1", "connection: CLOSE", true)]
    [InlineData("HTTP/1.1", "Connection: keep-alive", false)]
    [InlineData("HTTP/1.0", null, true)]
    [InlineData("HTTP/1.0", "Connection: keep-alive", false)]
    [InlineData("HTTP/1.0", "Connection: Keep-Alive", false)]
    [InlineData("HTTP/1.0", "Connection: close", true)]
    [InlineData("HTTP/1.1", "Connection: Upgrade", false)]
    public void Connection_close(string version, string? header, bool close)
    {
        var headers = header is null ? "" : header + "\r\n";
        Assert.Equal(close, Complete($"GET /2018-06-01/runtime/invocation/next {version}\r\n{headers}\r\n").ConnectionClose);
    }

    [Theory]
    [InlineData("Lambda-Runtime-Function-Error-Type: Runtime.ExitError", "Runtime.ExitError")]
    [InlineData("lambda-runtime-function-error-type: unhandled", "unhandled")]
    [InlineData("LAMBDA-RUNTIME-FUNCTION-ERROR-TYPE:Function.Oops  ", "Function.Oops")]
    [InlineData("Lambda-Runtime-Function-Error-Type: ", "")]
    public void Error_type_header(string header, string errorType)
    {
        Assert.Equal(errorType, Complete($"POST /2018-06-01/runtime/invocation/{Id}/error HTTP/1.1\r\n{header}\r\n\r\n").ErrorType);
    }

    [Fact]
    public void Response_mode_header()
    {
        Assert.Equal("streaming", Complete($"POST /2018-06-01/runtime/invocation/{Id}/response HTTP/1.1\r\nlambda-runtime-function-response-mode: streaming\r\n\r\n").ResponseMode);
    }

    [Fact]
    public void Headers_combine_and_unknown_headers_are_ignored()
    {
        var head = Complete(
            $"POST /2018-06-01/runtime/invocation/{Id}/error HTTP/1.1\r\n" +
            "Host: 127.0.0.1:9001\r\n" +
            "Content-Type: application/vnd.aws.lambda.error+json\r\n" +
            "Lambda-Runtime-Function-Error-Type: Function.Boom\r\n" +
            "Lambda-Runtime-Function-XRay-Error-Cause: {\"working_directory\":\"/var/task\"}\r\n" +
            "Expect: 100-continue\r\n" +
            "Connection: close\r\n" +
            "Content-Length: 64\r\n" +
            "\r\n");
        Assert.Equal(RuntimeRoute.Error, head.Route);
        Assert.Equal("Function.Boom", head.ErrorType);
        Assert.True(head.ExpectContinue);
        Assert.True(head.ConnectionClose);
        Assert.Equal(64, head.ContentLength);
    }

    [Theory]
    [InlineData("GET /2018-06-01/runtime/invocation/next\r\n\r\n")]            // no version
    [InlineData("GET\r\n\r\n")]
    [InlineData("\r\n\r\n")]
    [InlineData(" /2018-06-01/runtime/invocation/next HTTP/1.1\r\n\r\n")]   // no method
    [InlineData("GET  /2018-06-01/runtime/invocation/next HTTP/1.1\r\n\r\n")] // empty target
    [InlineData("GET /2018-06-01/runtime/invocation/next HTTP/2.0\r\n\r\n")]
    [InlineData("GET /2018-06-01/runtime/invocation/next FTP/1.1\r\n\r\n")]
    [InlineData("GET /2018-06-01/runtime/invocation/next http/1.1\r\n\r\n")]
    [InlineData("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nNoColonHere\r\n\r\n")]
    [InlineData("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n: no name\r\n\r\n")]
    [InlineData("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n \r\n\r\n")]
    public void Invalid_heads(string request)
    {
        Assert.Equal(ParseStatus.Invalid, Parse(request).Status);
    }

    [Theory]
    [InlineData("")]
    [InlineData("G")]
    [InlineData("GET /2018-06-01/runtime/invocation/next HTTP/1.1")]
    [InlineData("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n")]
    [InlineData("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n")]
    [InlineData("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r")]
    [InlineData("GET /2018-06-01/runtime/invocation/next HTTP/1.1\n\n")]   // bare LF is not a head end
    public void Incomplete_heads(string request)
    {
        var parsed = Parse(request);
        Assert.Equal(ParseStatus.Incomplete, parsed.Status);
        Assert.Equal(0, parsed.Consumed);
    }

    [Fact]
    public void Consumed_ends_at_the_blank_line_and_leaves_the_body()
    {
        const string head = "POST /2018-06-01/runtime/invocation/abc/response HTTP/1.1\r\nContent-Length: 5\r\n\r\n";
        var parsed = Parse(head + "hello" + "GET /next HTTP/1.1\r\n\r\n");
        Assert.Equal(ParseStatus.Complete, parsed.Status);
        Assert.Equal(head.Length, parsed.Consumed);
    }

    [Fact]
    public void Two_pipelined_requests_parse_one_after_the_other()
    {
        var bytes = Encoding.ASCII.GetBytes(
            "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n\r\n" +
            $"POST /2018-06-01/runtime/invocation/{Id}/response HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
        var buffer = new ReadOnlySequence<byte>(bytes);
        var first = Parse(buffer);
        Assert.Equal(RuntimeRoute.Next, first.Head.Route);
        var second = Parse(buffer.Slice(first.Consumed));
        Assert.Equal(ParseStatus.Complete, second.Status);
        Assert.Equal(RuntimeRoute.Response, second.Head.Route);
        Assert.Equal(Id, second.Id);
        Assert.Equal(bytes.Length, first.Consumed + second.Consumed);
    }

    // ---- size cap ----

    private static string HeadOfLength(int length)
    {
        // "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nX: " + padding, exactly `length` bytes before the CRLFCRLF.
        const string start = "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nX: ";
        var head = start + new string('a', length - start.Length);
        Assert.Equal(length, head.Length);
        return head;
    }

    [Fact]
    public void Head_of_exactly_64_KB_is_accepted()
    {
        var parsed = Parse(HeadOfLength(RuntimeRequestParser.MaxHeadSize) + "\r\n\r\n");
        Assert.Equal(ParseStatus.Complete, parsed.Status);
        Assert.Equal(RuntimeRoute.Next, parsed.Head.Route);
    }

    [Fact]
    public void Head_over_64_KB_is_too_large()
    {
        Assert.Equal(ParseStatus.TooLarge, Parse(HeadOfLength(RuntimeRequestParser.MaxHeadSize + 1) + "\r\n\r\n").Status);
    }

    [Fact]
    public void Unterminated_head_over_the_limit_is_too_large_without_waiting_for_more()
    {
        Assert.Equal(ParseStatus.TooLarge, Parse(HeadOfLength(RuntimeRequestParser.MaxHeadSize + 10)).Status);
        Assert.Equal(ParseStatus.TooLarge, Parse(new string('x', RuntimeRequestParser.MaxHeadSize + 4)).Status);
    }

    [Fact]
    public void Unterminated_head_at_the_limit_is_still_incomplete()
    {
        Assert.Equal(ParseStatus.Incomplete, Parse(HeadOfLength(RuntimeRequestParser.MaxHeadSize)).Status);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Acceptable_head_arriving_up_to_inside_its_terminator_is_incomplete(int terminatorBytes)
    {
        var request = HeadOfLength(RuntimeRequestParser.MaxHeadSize) + "\r\n\r\n"[..terminatorBytes];
        Assert.Equal(ParseStatus.Incomplete, Parse(request).Status);
    }

    // ---- one byte at a time, across segments ----

    public static TheoryData<string> Requests => new()
    {
        "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: 127.0.0.1:9001\r\nUser-Agent: aws-lambda-rust/0.13\r\n\r\n",
        $"POST /2018-06-01/runtime/invocation/{Id}/response HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nLambda-Runtime-Function-Response-Mode: streaming\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        $"POST /2018-06-01/runtime/invocation/{Id}/error HTTP/1.1\r\nLambda-Runtime-Function-Error-Type: Function.Boom\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{{}}",
        "POST /2018-06-01/runtime/init/error?x=1 HTTP/1.0\r\ncontent-length: 0\r\n\r\n",
        "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nBroken header\r\n\r\n",
        "GET /2018-06-01/runtime/invocation/next HTTP/9.9\r\n\r\n",
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public void Fed_one_byte_at_a_time_across_segments_the_result_is_identical(string request)
    {
        var bytes = Encoding.ASCII.GetBytes(request);
        var whole = Parse(new ReadOnlySequence<byte>(bytes));
        Assert.NotEqual(ParseStatus.Incomplete, whole.Status);
        int headEnd = request.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;

        for (int length = 0; length <= bytes.Length; length++)
        {
            var prefix = Parse(Segments.OneBytePerSegment(bytes.AsSpan(0, length)));
            if (length < headEnd)
            {
                Assert.True(prefix.Status == ParseStatus.Incomplete, $"{prefix.Status} after {length} of {headEnd} head bytes");
                Assert.Equal(0, prefix.Consumed);
            }
            else
            {
                Assert.Equal(whole.Status, prefix.Status);
                Assert.Equal(whole.Head, prefix.Head);
                Assert.Equal(whole.Id, prefix.Id);
                if (whole.Status == ParseStatus.Complete)
                {
                    Assert.Equal(headEnd, prefix.Consumed);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Requests))]
    public void Any_two_segment_split_gives_the_same_result(string request)
    {
        var bytes = Encoding.ASCII.GetBytes(request);
        var whole = Parse(new ReadOnlySequence<byte>(bytes));
        for (int split = 0; split <= bytes.Length; split++)
        {
            var parsed = Parse(Segments.Of(bytes.AsMemory(0, split).ToArray(), bytes.AsMemory(split).ToArray()));
            Assert.Equal(whole, parsed);
        }
    }

    [Fact]
    public void Multi_segment_head_over_64_KB_is_too_large()
    {
        var bytes = Encoding.ASCII.GetBytes(HeadOfLength(RuntimeRequestParser.MaxHeadSize + 1) + "\r\n\r\n");
        Assert.Equal(ParseStatus.TooLarge, Parse(Segments.Split(bytes, 1000, 1, 4096)).Status);
        var ok = Encoding.ASCII.GetBytes(HeadOfLength(RuntimeRequestParser.MaxHeadSize) + "\r\n\r\n");
        Assert.Equal(ParseStatus.Complete, Parse(Segments.Split(ok, 1000, 1, 4096)).Status);
    }

    [Fact]
    public void ParseTarget_directly()
    {
        var head = default(RuntimeRequestHead);
        Span<byte> id = stackalloc byte[36];
        RuntimeRequestParser.ParseTarget("/2018-06-01/runtime/invocation/xyz/error"u8, id, ref head);
        Assert.Equal(RuntimeRoute.Error, head.Route);
        Assert.Equal("xyz"u8.ToArray(), id[..head.RequestIdLength].ToArray());

        // a previous route is overwritten, not kept
        RuntimeRequestParser.ParseTarget("/nope"u8, id, ref head);
        Assert.Equal(RuntimeRoute.Unknown, head.Route);
    }

    [Theory]
    [InlineData("POST /2020-01-01/extension/register HTTP/1.1", nameof(RuntimeRoute.ExtensionRegister))]
    [InlineData("GET /2020-01-01/extension/event/next HTTP/1.1", nameof(RuntimeRoute.ExtensionNext))]
    [InlineData("POST /2020-01-01/extension/init/error HTTP/1.1", nameof(RuntimeRoute.ExtensionInitError))]
    [InlineData("POST /2020-01-01/extension/exit/error HTTP/1.1", nameof(RuntimeRoute.ExtensionExitError))]
    [InlineData("GET /2020-01-01/extension/other HTTP/1.1", nameof(RuntimeRoute.Unknown))]
    [InlineData("GET /_gateway/extensions/launched HTTP/1.1", nameof(RuntimeRoute.LauncherLaunched))]
    [InlineData("POST /_gateway/extensions/exited HTTP/1.1", nameof(RuntimeRoute.LauncherExited))]
    [InlineData("PUT /2022-07-01/telemetry HTTP/1.1", nameof(RuntimeRoute.TelemetrySubscribe))]
    [InlineData("PUT /2022-07-01/telemetry/ HTTP/1.1", nameof(RuntimeRoute.TelemetrySubscribe))]
    [InlineData("PUT /2020-08-15/logs HTTP/1.1", nameof(RuntimeRoute.LogsSubscribe))]
    [InlineData("PUT /2022-07-01/telemetry/more HTTP/1.1", nameof(RuntimeRoute.Unknown))]
    public void The_Extensions_APIs_routes_and_headers_are_read(string requestLine, string routeName)
    {
        var route = Enum.Parse<RuntimeRoute>(routeName);
        var head = Complete(requestLine + "\r\nHost: x\r\nlambda-extension-name: ext\r\nLambda-Extension-Identifier: 0e5a3b8e-58b4-4a0e-9d2c-0b9f2d3c4e5f\r\n"
            + "Lambda-Extension-Function-Error-Type: Extension.Bad\r\nLambda-Extension-Accept-Feature: accountId\r\nLambda-Extension-Other: y\r\n\r\n");
        Assert.Equal(route, head.Route);
        Assert.Equal("ext", head.ExtensionName);
        Assert.Equal("0e5a3b8e-58b4-4a0e-9d2c-0b9f2d3c4e5f", head.ExtensionId);
        Assert.Equal("Extension.Bad", head.ExtensionErrorType);
        Assert.Equal("accountId", head.ExtensionAcceptFeature);
    }
}
