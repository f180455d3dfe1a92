namespace Gateway.FunctionUrls.Http;

/// <summary>
/// The response headers a function may not set through a function URL: the gateway frames the body itself
/// (Content-Length or chunked, keep-alive), so a function's own value would cut the body short or break the connection.
/// Used by the BUFFERED mapping and by a RESPONSE_STREAM prelude alike.
/// </summary>
internal static class FramingHeaders
{
    public static bool Contains(string name) =>
        name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Connection", StringComparison.OrdinalIgnoreCase);
}
