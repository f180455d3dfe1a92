namespace Gateway.FunctionUrls;

/// <summary>
/// The URL host names: <c>&lt;url-id&gt;.lambda-url.&lt;region&gt;.&lt;suffix&gt;</c> (AWS: suffix <c>on.aws</c>; here
/// <c>--url-domain-suffix</c>, default <c>localhost</c>, which resolves to loopback with no DNS set-up), and the
/// <c>FunctionUrl</c> the API answers: that host on the scheme and port the API was called on.
/// </summary>
internal sealed class FunctionUrlDomain
{
    /// <param name="region">The gateway's region.</param>
    /// <param name="suffix">The domain after the region, without dots at either end.</param>
    public FunctionUrlDomain(string region, string suffix)
    {
        Tail = $".lambda-url.{region}.{suffix.Trim('.')}";
    }

    /// <summary><c>.lambda-url.&lt;region&gt;.&lt;suffix&gt;</c>: what follows the id in a URL's host.</summary>
    public string Tail { get; }

    public string DomainName(string urlId) => urlId + Tail;

    /// <summary>The URL a client calls: <c>http(s)://&lt;id&gt;.lambda-url.&lt;region&gt;.&lt;suffix&gt;[:port]/</c>.</summary>
    public string FunctionUrl(string urlId, string scheme, int port)
    {
        bool defaultPort = port <= 0 || (scheme == "https" && port == 443) || (scheme == "http" && port == 80);
        return defaultPort ? $"{scheme}://{DomainName(urlId)}/" : $"{scheme}://{DomainName(urlId)}:{port}/";
    }

    /// <summary>
    /// The id of a URL host (<c>&lt;id&gt;.lambda-url.&lt;region&gt;.&lt;suffix&gt;</c>, optionally with <c>:port</c>,
    /// any case). False for every other host, after a length check and one comparison: the Invoke API's hosts
    /// (<c>127.0.0.1:9000</c>, <c>localhost:9000</c>) are refused by the length check alone.
    /// </summary>
    public bool TryGetUrlId(ReadOnlySpan<char> host, out ReadOnlySpan<char> urlId)
    {
        urlId = default;
        int end = host.Length;
        if (end < FunctionUrlIds.Length + Tail.Length)
        {
            return false;
        }
        // Strip a port: ':' followed by digits only.
        int colon = host.LastIndexOf(':');
        if (colon >= 0 && host[(colon + 1)..].IndexOfAnyExceptInRange('0', '9') < 0)
        {
            end = colon;
        }
        if (host.Length > 0 && end > 0 && host[end - 1] == '.')
        {
            end--; // a fully qualified name's final dot
        }
        int start = end - Tail.Length - FunctionUrlIds.Length;
        if (start != 0 || !host[FunctionUrlIds.Length..end].Equals(Tail, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        urlId = host[..FunctionUrlIds.Length];
        return true;
    }
}
