using System.Text;

namespace Gateway.RuntimeApi;

/// <summary>
/// The Runtime API's answers to a runtime, with the status codes and bodies of AWS's runtime interface
/// emulator (LAMBDA.md §3.1): 202 <c>{"status":"OK"}</c>, 400 InvalidRequestID, 403 InvalidStateTransition,
/// 413 RequestEntityTooLarge, 500 for a container that is going away.
/// </summary>
internal static class RuntimeReplies
{
    public static readonly byte[] Accepted = Build(202, "Accepted", """{"status":"OK"}""", close: false);

    /// <summary>The 202 for a post that asked to close (<c>Connection: close</c>, HTTP/1.0): written before the close, as
    /// Go's net/http (AWS's Runtime API, RIE internal/lambda/rapi) always writes a handler's answer first (RFC 9112 §9.6).</summary>
    public static readonly byte[] AcceptedClose = Build(202, "Accepted", """{"status":"OK"}""", close: true);

    /// <summary>GET /2018-06-01/ping: RIE keeps it "to respect Hyrum's Law" (internal/lambda/rapi/router.go,
    /// handler/ping.go); Go sniffs the body's type as text/plain.</summary>
    public static readonly byte[] Pong = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 4\r\n\r\npong"u8.ToArray();

    public static readonly byte[] Continue = "HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray();

    public static readonly byte[] InvalidRequestId = Build(400, "Bad Request", """{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}""", close: false);

    public static readonly byte[] InvalidResponseMode = Build(400, "Bad Request", """{"errorMessage":"Invalid function response mode","errorType":"InvalidFunctionResponseMode"}""", close: false);

    public static readonly byte[] TruncatedRequest = Build(400, "Bad Request", """{"errorMessage":"HTTP request detected as truncated","errorType":"TruncatedHTTPRequest"}""", close: true);

    public static readonly byte[] BadRequest = Build(400, "Bad Request", """{"errorMessage":"Malformed HTTP request","errorType":"InvalidRequest"}""", close: true);

    public static readonly byte[] NotFound = Build(404, "Not Found", """{"errorMessage":"404 page not found","errorType":"NotFound"}""", close: false);

    public static readonly byte[] MethodNotAllowed = Build(405, "Method Not Allowed", """{"errorMessage":"Method not allowed","errorType":"MethodNotAllowed"}""", close: false);

    public static readonly byte[] ContainerError = Build(500, "Internal Server Error", """{"errorMessage":"Container error. Non-recoverable state. Runtime should exit promptly.","errorType":"Runtime.ContainerError"}""", close: true);

    public static readonly byte[] HeadTooLarge = Build(431, "Request Header Fields Too Large", """{"errorMessage":"Request header too large","errorType":"RequestHeaderTooLarge"}""", close: true);

    /// <summary>413 for a /response or /error body over the limit. With <paramref name="close"/> (the default) the
    /// connection is closed, so the rest of the body is never read; without, the body was read and discarded.</summary>
    public static byte[] PayloadTooLarge(int limit, bool close = true) => Build(413, "Request Entity Too Large",
        $$"""{"errorMessage":"Exceeded maximum allowed payload size ({{limit}} bytes).","errorType":"RequestEntityTooLarge"}""", close);

    /// <summary>403 for a call the runtime's current state does not allow (RIE: "State transition from A to B failed…").</summary>
    public static byte[] InvalidStateTransition(string from, string to) => Build(403, "Forbidden",
        $$"""{"errorMessage":"State transition from {{from}} to {{to}} failed for runtime. Error: State transition is not allowed","errorType":"InvalidStateTransition"}""", close: false);

    private static byte[] Build(int status, string reason, string body, bool close)
    {
        var bodyBytes = Encoding.UTF8.GetBytes(body);
        var head = $"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {bodyBytes.Length}\r\n{(close ? "Connection: close\r\n" : "")}\r\n";
        return [.. Encoding.ASCII.GetBytes(head), .. bodyBytes];
    }
}
