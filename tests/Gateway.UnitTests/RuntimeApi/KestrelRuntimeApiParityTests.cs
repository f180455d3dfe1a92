using System.Text;
using Gateway.RuntimeApi;
using Gateway.RuntimeApi.Kestrel;
using Microsoft.AspNetCore.Http;

namespace Gateway.UnitTests.RuntimeApi;

/// <summary>
/// --runtime-api-server kestrel answers as the hand-written server does: the same route and request id for every path
/// (Kestrel's decoded path against the hand-written parser's raw bytes), and the same status, body and
/// <c>Connection: close</c> for every reply in <see cref="RuntimeReplies"/>.
/// </summary>
public class KestrelRuntimeApiParityTests
{
    public static TheoryData<string> Paths =>
    [
        "/2018-06-01/runtime/invocation/next",
        "/2018-06-01/runtime/invocation/next/",
        "/2018-06-01/runtime/init/error",
        "/2018-06-01/runtime/invocation/8476a536-e9f4-11e8-9739-2dfe598c3fcd/response",
        "/2018-06-01/runtime/invocation/8476a536-e9f4-11e8-9739-2dfe598c3fcd/error",
        "/2018-06-01/runtime/invocation/8476a536-e9f4-11e8-9739-2dfe598c3fcd/error/",
        "/2018-06-01/runtime/invocation//response",
        "/2018-06-01/runtime/invocation/abc/other",
        "/2018-06-01/runtime/invocation/abc",
        "/2018-06-01/runtime/restore/next",
        "/2015-03-31/functions/f/invocations",
        "/2018-06-01/ping",
        "/2018-06-01/ping/",
        "/2018-06-01/pingx",
        "/",
    ];

    [Theory]
    [MemberData(nameof(Paths))]
    public void Routes_and_request_ids_match_the_hand_written_parser(string path)
    {
        var expected = default(RuntimeRequestHead);
        var idBuffer = new byte[64];
        RuntimeRequestParser.ParseTarget(Encoding.ASCII.GetBytes(path), idBuffer, ref expected);

        var route = KestrelRuntimeRoutes.Parse(path, out var id);

        Assert.Equal(expected.Route, route);
        if (route is RuntimeRoute.Response or RuntimeRoute.Error)
        {
            Assert.Equal(Encoding.ASCII.GetString(idBuffer, 0, expected.RequestIdLength), id.ToString());
        }
    }

    public static TheoryData<string> Replies => [.. AllReplies().Keys];

    private static Dictionary<string, byte[]> AllReplies() => new()
    {
        ["Accepted"] = RuntimeReplies.Accepted,
        ["InvalidRequestId"] = RuntimeReplies.InvalidRequestId,
        ["InvalidResponseMode"] = RuntimeReplies.InvalidResponseMode,
        ["TruncatedRequest"] = RuntimeReplies.TruncatedRequest,
        ["NotFound"] = RuntimeReplies.NotFound,
        ["MethodNotAllowed"] = RuntimeReplies.MethodNotAllowed,
        ["ContainerError"] = RuntimeReplies.ContainerError,
        ["AcceptedClose"] = RuntimeReplies.AcceptedClose,
        ["PayloadTooLarge"] = RuntimeReplies.PayloadTooLarge(6291556),
        ["PayloadTooLargeKeptOpen"] = RuntimeReplies.PayloadTooLarge(6291556, close: false),
        ["InvalidStateTransition"] = RuntimeReplies.InvalidStateTransition("Ready", "InitError"),
    };

    [Theory]
    [MemberData(nameof(Replies))]
    public async Task Each_reply_has_the_hand_written_servers_status_body_and_connection(string name)
    {
        var reply = AllReplies()[name];
        var text = Encoding.ASCII.GetString(reply);
        int headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var context = new DefaultHttpContext();
        var body = new MemoryStream();
        context.Response.Body = body;

        KestrelReplies.Write(context.Response, reply);
        await context.Response.BodyWriter.FlushAsync();

        Assert.Equal(int.Parse(text.AsSpan(9, 3), provider: null), context.Response.StatusCode);
        Assert.Equal(text[(headEnd + 4)..], Encoding.UTF8.GetString(body.ToArray()));
        Assert.Equal("application/json", context.Response.ContentType);
        Assert.Equal(body.Length, context.Response.ContentLength);
        Assert.Equal(text[..headEnd].Contains("\r\nConnection: close", StringComparison.Ordinal), context.Response.Headers.Connection == "close");
    }

    [Fact]
    public async Task Pong_is_the_hand_written_servers_pong()
    {
        var text = Encoding.ASCII.GetString(RuntimeReplies.Pong);
        var context = new DefaultHttpContext();
        var body = new MemoryStream();
        context.Response.Body = body;

        KestrelReplies.WritePong(context.Response);
        await context.Response.BodyWriter.FlushAsync();

        Assert.StartsWith("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n", text, StringComparison.Ordinal);
        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", context.Response.ContentType);
        Assert.Equal("pong", Encoding.UTF8.GetString(body.ToArray()));
        Assert.EndsWith("\r\n\r\npong", text, StringComparison.Ordinal);
    }
}
