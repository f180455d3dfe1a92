using System.Net;
using Gateway.Invoke;
using Microsoft.AspNetCore.Http;

namespace Gateway.Security;

/// <summary>
/// What a web page may do with the gateway's own API (Invoke, management, Logs, /metrics, /_gateway): function URLs
/// are served before this and have their own CORS (FunctionUrls/Http/UrlCors.cs).
/// <para>
/// With <c>--auth none</c> any page the developer opens could otherwise create and run code on their machine: a
/// cross-origin <c>fetch(…, {mode: 'no-cors'})</c> POST is sent without a preflight (the page cannot read the answer,
/// but the function is created), and a DNS-rebinding page reads answers as "same-origin" under its own host name.
/// So a request a browser made — it carries <c>Origin</c>, or is a GET or HEAD with <c>Sec-Fetch-Site</c> or a
/// browser's <c>User-Agent</c> — is served only from a loopback origin (<c>localhost</c>, <c>*.localhost</c>,
/// 127.0.0.0/8, <c>[::1]</c>) or one listed in <c>--browser-origins</c>, or under a Host that is a loopback name,
/// an IP address or such an origin's host. Others get 403 AccessDeniedException. SDKs, the CLIs and curl send none of
/// these and are never affected, whatever name they reach the gateway by (a container's service name, say).
/// </para>
/// <para>
/// With <c>--auth sigv4</c> every request is signed, so any origin may call, as AWS's API allows browsers (the AWS
/// SDK for JavaScript in a page): only the unsigned preflight is answered here, before verification.
/// </para>
/// An allowed page gets CORS: the preflight (<c>OPTIONS</c> with <c>Access-Control-Request-Method</c>) is answered
/// with its origin, the methods and the headers it asked for; other answers carry <c>Access-Control-Allow-Origin</c>
/// and expose Lambda's response headers (request id, error type, function error, log result, executed version).
/// </summary>
internal sealed class BrowserRequests
{
    private const string ExposedHeaders = "x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, x-amz-function-error, "
        + "x-amz-log-result, x-amz-executed-version, x-amzn-remapped-content-length, x-amz-id-2, date";

    private readonly bool _anyOrigin;
    private readonly HashSet<string> _origins;
    private readonly HashSet<string> _hosts;

    /// <param name="signed">--auth sigv4: every origin may call (every request is verified).</param>
    /// <param name="origins">--browser-origins: comma-separated origins (<c>https://app.example.com:8443</c>), or <c>*</c>.</param>
    public BrowserRequests(bool signed, string? origins)
    {
        var listed = (origins ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        _anyOrigin = signed || listed.Contains("*");
        _origins = new HashSet<string>(listed.Select(static o => o.TrimEnd('/')), StringComparer.OrdinalIgnoreCase);
        _hosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var origin in _origins)
        {
            if (Uri.TryCreate(origin, UriKind.Absolute, out var uri))
            {
                _hosts.Add(uri.Authority);
            }
        }
    }

    /// <summary>Refuses an origin that is not an origin (<c>https://host[:port]</c>) at start.</summary>
    public static string? Check(string? origins)
    {
        foreach (var origin in (origins ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (origin != "*" && !(Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.UserInfo.Length == 0))
            {
                return $"--browser-origins: '{origin}' is not an origin (http://host[:port] or https://host[:port]), nor *";
            }
        }
        return null;
    }

    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        var origin = request.Headers.Origin.ToString();
        // Browsers send Origin with every request but a same-origin GET or HEAD: only those need a closer look (which
        // an invoke's POST is spared).
        if (origin.Length == 0 && (!(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) || !FromBrowser(request)))
        {
            return next(context); // not a page's request: an SDK, a CLI, curl, or an address typed into the browser
        }
        if (!_anyOrigin && !Allowed(origin, request.Host))
        {
            return LambdaErrors.AccessDenied(context, origin.Length > 0
                ? $"A web page at {origin} may not call this gateway's API (--auth none: only loopback origins and --browser-origins may)."
                : $"A web page under the host name {request.Host} may not call this gateway's API (--auth none: only loopback and IP hosts, and those of --browser-origins, may).");
        }
        if (origin.Length == 0)
        {
            return next(context);
        }
        var headers = context.Response.Headers;
        headers.AccessControlAllowOrigin = origin;
        headers.Vary = "Origin";
        if (HttpMethods.IsOptions(request.Method) && request.Headers.AccessControlRequestMethod.Count > 0)
        {
            headers.AccessControlAllowMethods = "GET, PUT, POST, DELETE, PATCH, HEAD";
            if (request.Headers.AccessControlRequestHeaders.Count > 0)
            {
                headers.AccessControlAllowHeaders = request.Headers.AccessControlRequestHeaders;
            }
            headers.AccessControlMaxAge = "86400";
            context.Response.StatusCode = StatusCodes.Status200OK;
            return Task.CompletedTask;
        }
        headers.AccessControlExposeHeaders = ExposedHeaders;
        return next(context);
    }

    /// <summary>
    /// A GET or HEAD without Origin that a browser made: <c>Sec-Fetch-Site</c> says so where the page is a secure
    /// context (HTTPS, loopback); on plain HTTP under another name (a DNS-rebinding page) browsers send no Sec-Fetch-*
    /// header, and their <c>User-Agent</c> ("Mozilla/5.0 …", which a page cannot change) is what tells them from an
    /// SDK, a CLI or curl. An address typed or bookmarked is a browser's request too: on a loopback or IP host it is
    /// served, under another name only for a listed origin.
    /// </summary>
    private static bool FromBrowser(HttpRequest request)
        => request.Headers["Sec-Fetch-Site"].Count > 0
            || request.Headers.UserAgent.ToString().StartsWith("Mozilla/", StringComparison.Ordinal);

    /// <summary>
    /// A loopback or listed origin; or the page's own origin under a host no rebinding can take (a loopback name, an
    /// IP address, a listed origin's host). Without an Origin (a same-origin GET) the host alone decides: a
    /// DNS-rebinding page calls under its own name. "null" (a sandboxed frame, a file:// page) is never allowed.
    /// </summary>
    private bool Allowed(string origin, HostString host)
    {
        if (origin.Length == 0)
        {
            return SafeHost(host);
        }
        if (_origins.Contains(origin))
        {
            return true;
        }
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return false;
        }
        return IsLoopback(uri.Host) || (string.Equals(uri.Authority, host.Value, StringComparison.OrdinalIgnoreCase) && SafeHost(host));
    }

    private bool SafeHost(HostString host)
        => !host.HasValue || _hosts.Contains(host.Value) || IsLoopback(host.Host) || IPAddress.TryParse(host.Host.Trim('[', ']'), out _);

    private static bool IsLoopback(string host)
    {
        host = host.Trim('[', ']');
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }
}
