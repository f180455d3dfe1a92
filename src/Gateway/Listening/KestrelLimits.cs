using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Gateway.Listening;

/// <summary>
/// Every Kestrel limit that bounds what a client can make the gateway hold, set here deliberately rather than
/// inherited, each with its reason. The gateway is an edge server: a stranger may open thousands of connections and
/// trickle headers or bodies (slowloris), send floods of headers, or upload 100 MB bodies many at once; none of that
/// may take memory beyond a bound or stop the gateway answering others. Measured by <c>loadtests/hostile.sh</c>
/// (docs/loadtests.md); listed for users in the README's "Hostile clients" section.
/// </summary>
/// <remarks>
/// What is bounded elsewhere: invoke and function URL bodies by their own streaming limits (6 MB; 256 KB/1 MB Event)
/// with AWS's 413 (Invoke/LimitedBodyReader.cs); invoke bodies held at once by the gateway-wide request-body budget
/// (Invoke/RequestBodyBudget.cs, <c>Gateway:RequestBodyBufferBytes</c>) — a body over budget is simply not read, so TCP
/// flow control holds its sender; how far a connection reads ahead of the app (<c>MaxRequestBufferSize</c>, 64 KB, in
/// Program.cs); management zip uploads by AWS's 70,167,211-byte request limit, spooled to disk as they stream
/// (Management/CodePackages.cs raises this file's backstop for those two routes only).
/// </remarks>
internal static class KestrelLimits
{
    /// <summary>The smallest body backstop: a 6 MB invoke body plus a read-ahead, rounded up.</summary>
    public const long BackstopBodyBytes = 8 * 1024 * 1024;

    /// <param name="largestPayload">The largest invoke payload limit configured (Gateway:SyncPayloadLimit,
    /// AsyncPayloadLimit): the backstop stays above it, so the endpoint's own AWS-shaped 413 always comes first.</param>
    public static void Apply(KestrelServerLimits limits, int readAheadBytes, long largestPayload)
    {
        // Request line (method, path, query, version): Kestrel's 8 KB. The longest legitimate one is an invoke of a
        // 256-character ARN percent-encoded (~300 bytes) with a 128-character ?Qualifier=, or a function URL path;
        // 8 KB is what browsers, API Gateway and most proxies use, so nothing valid elsewhere is refused here. Longer: 414.
        limits.MaxRequestLineSize = 8 * 1024;
        // All request headers together: 32 KB (Kestrel's default). The biggest legitimate set is a signed SDK request
        // with X-Amz-Client-Context (3,583 bytes of base64) and a long session token (~2 KB), or a browser calling a
        // function URL with cookies; 32 KB leaves room for both while bounding what one request head can pin. Over: 431.
        limits.MaxRequestHeadersTotalSize = 32 * 1024;
        // Header count: 100 (Kestrel's default). SDKs send about 10, browsers 20; a header flood (thousands of small
        // headers, each a dictionary entry and string) stops at the 101st with 431 instead of costing per header.
        limits.MaxRequestHeaderCount = 100;
        // The whole request head must arrive within 10 s of the connection being ready for it (Kestrel's default 30 s).
        // Real clients send a head in one packet; a slowloris connection trickling a byte now and then is closed after
        // 10 s, so a thousand of them hold a thousand sockets for seconds, not for the attacker's lifetime.
        limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
        // An idle keep-alive connection is closed after 120 s (default 130 s). Longer than the clients' own pools keep
        // an idle connection (Go 90 s, Node/undici 4-5 s, botocore until reused), so the client closes first and never
        // sends a request into a connection the server is closing; short enough that idle sockets do not pile up.
        limits.KeepAliveTimeout = TimeSpan.FromSeconds(120);
        // Bodies must arrive at 1 KB/s or more, after a 10 s grace (default 240 B/s after 5 s), measured only while the
        // gateway is reading (a body held back by the request-body budget is not timed). A 6 MB invoke at the minimum
        // still has 100 minutes; a body trickled at a few bytes a second to pin a request is cut after 10 s. Over
        // HTTP/2 the rate applies to each stream.
        limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 1024, gracePeriod: TimeSpan.FromSeconds(10));
        // A client must read the response at 1 KB/s or more, after 10 s, measured only while a write waits for it
        // (default 240 B/s after 5 s): a 6 MB response pins its pooled buffers until it is read, so a client that stops
        // reading is cut off instead of holding them. Streamed responses are not timed while the function is silent.
        limits.MinResponseDataRate = new MinDataRate(bytesPerSecond: 1024, gracePeriod: TimeSpan.FromSeconds(10));
        // Open connections: at most 8,192 (default: unlimited). Each costs a file descriptor and a few KB; the bound
        // keeps them under the usual 10-20k descriptor limit, leaving room for workers, sockets and files (a connection
        // over the bound is closed at once). Large enough that 1,000 slowloris connections leave room for real clients.
        limits.MaxConcurrentConnections = 8192;
        // Upgraded connections (WebSockets, h2c upgrades): none. Nothing the gateway serves upgrades; an upgraded
        // connection escapes every request limit above, so none is allowed.
        limits.MaxConcurrentUpgradedConnections = 0;
        // Request body backstop for every route that does not set its own (default 30 MB): the largest body any route
        // reads without raising the limit itself is an invoke or function URL body (6 MB), and those routes refuse
        // earlier with AWS's own 413, so this only stops a route that forgot its limit. CreateFunction,
        // UpdateFunctionCode and PublishLayerVersion raise it per request to AWS's 70 MB (Management/CodePackages.cs).
        limits.MaxRequestBodySize = Math.Max(BackstopBodyBytes, largestPayload + 2L * readAheadBytes);
        // How far one connection reads ahead of the app (Kestrel and its socket transport): see Program.cs.
        limits.MaxRequestBufferSize = readAheadBytes;
        // HTTP/2 (HTTPS connections only): streams per connection, HPACK table, frame size, flow-control windows.
        Http2Limits.Apply(limits, readAheadBytes);
    }
}
