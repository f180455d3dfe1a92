using Microsoft.AspNetCore.Http;

namespace Gateway.RuntimeApi.Kestrel;

/// <summary>
/// Writes one of <see cref="RuntimeReplies"/> (whole HTTP responses, built for the hand-written server) through
/// Kestrel: the same status code and JSON body, and <c>Connection: close</c> where the hand-written server closes.
/// Kestrel adds its Date header and its own reason phrases (413 "Payload Too Large").
/// </summary>
internal static class KestrelReplies
{
    private static readonly byte[] AcceptedBody = """{"status":"OK"}"""u8.ToArray();

    /// <summary>GET /2018-06-01/ping: RuntimeReplies.Pong's status, type and body.</summary>
    public static void WritePong(HttpResponse response)
    {
        response.ContentType = "text/plain; charset=utf-8";
        response.ContentLength = 4;
        var writer = response.BodyWriter;
        "pong"u8.CopyTo(writer.GetSpan(4));
        writer.Advance(4);
    }

    public static void Write(HttpResponse response, byte[] reply)
    {
        ReadOnlySpan<byte> body;
        if (ReferenceEquals(reply, RuntimeReplies.Accepted))
        {
            response.StatusCode = StatusCodes.Status202Accepted;
            body = AcceptedBody;
        }
        else
        {
            // "HTTP/1.1 NNN Reason\r\n…\r\n\r\nbody"
            var bytes = reply.AsSpan();
            response.StatusCode = (bytes[9] - '0') * 100 + (bytes[10] - '0') * 10 + (bytes[11] - '0');
            int headEnd = bytes.IndexOf("\r\n\r\n"u8);
            if (bytes[..headEnd].IndexOf("\r\nConnection: close"u8) >= 0)
            {
                response.Headers.Connection = "close";
            }
            body = bytes[(headEnd + 4)..];
        }
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        var writer = response.BodyWriter;
        body.CopyTo(writer.GetSpan(body.Length));
        writer.Advance(body.Length);
    }
}
