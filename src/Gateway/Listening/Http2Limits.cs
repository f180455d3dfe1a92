using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Gateway.Listening;

/// <summary>
/// Kestrel's HTTP/2 limits, set deliberately rather than inherited (they only apply to HTTPS connections, the only
/// ones that speak HTTP/2). The request-line and header-size limits of HTTP/1.1 (MaxRequestHeadersTotalSize) apply to
/// HTTP/2 too; the Invoke API's body limits and 413s are enforced by the endpoint as the body streams, whatever the
/// version.
/// </summary>
internal static class Http2Limits
{
    public static void Apply(KestrelServerLimits limits, int readAheadBytes)
    {
        var http2 = limits.Http2;
        // 100 concurrent streams (invocations in flight) per connection: RFC 9113 asks for no less than 100 so that
        // browsers (function URLs) and SDK clients do not queue; more buys nothing, since concurrency is bounded by
        // admission and environments, while each open stream costs the gateway its state and read-ahead.
        http2.MaxStreamsPerConnection = 100;
        // The HPACK dynamic table the gateway keeps per connection to decode request headers: the RFC's 4 KB. SigV4's
        // Authorization and X-Amz-Date headers change on every request, so a bigger table would not compress more;
        // it would only cost memory per connection.
        http2.HeaderTableSize = 4096;
        // The largest frame the gateway accepts: the RFC's minimum and every client's default, 16 KB. Bigger frames
        // save little per 6 MB body and let one stream's DATA hold the connection longer ahead of others' HEADERS.
        http2.MaxFrameSize = 16 * 1024;
        // One header field (name + value, after HPACK decoding): as large as all headers may be over HTTP/1.1, so a
        // request is not refused over one version and accepted over the other.
        http2.MaxRequestHeaderFieldSize = limits.MaxRequestHeadersTotalSize;
        // Flow-control windows bound how much body a client may send ahead of the app: HTTP/2's counterpart of the
        // HTTP/1.1 read-ahead (MaxRequestBufferSize). A stream gets the same 64 KB as an HTTP/1.1 connection (Kestrel's
        // default is 768 KB), so a body held back by the request-body budget pins no more over HTTP/2 than over HTTP/1.1.
        http2.InitialStreamWindowSize = readAheadBytes;
        // The connection's window must outlast every stream holding its window full at once. Kestrel reopens it only
        // once more than half of it has been read by the app; bytes of streams waiting for the request-body budget are
        // never read until they get their turn, so if they pin half the window the streams that could finish are never
        // sent more (two held-back 5 MB uploads of eight stalled all eight, and with them the budget of every other
        // connection). Twice all the streams' windows, plus one, always leaves room. It costs no memory of its own:
        // what a client can have buffered is still bounded by the stream windows (100 × 64 KB, as 100 HTTP/1.1
        // connections would be).
        http2.InitialConnectionWindowSize = 2 * http2.MaxStreamsPerConnection * readAheadBytes + readAheadBytes;
    }
}
