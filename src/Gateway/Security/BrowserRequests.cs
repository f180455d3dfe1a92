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
/// So a request a browser made — it carries <c>Origin</c>; or it is a GET or HEAD with <c>Sec-Fetch-Site</c> or
/// <c>Accept-Language</c>, which browsers add to every request and SDKs, CLIs and curl never send — is served only
/// from a loopback origin (<c>localhost</c>, <c>*.localhost</c> but a function URL's, 127.0.0.0/8, <c>[::1]</c>)
/// or one listed in <c>--browser-origins</c>, or, without an Origin, under a Host that is a loopback name, an IP
/// address or a listed origin's host (a rebinding page calls under its own registered name). A cross-site GET that is
/// not a navigation (an <c>&lt;img&gt;</c> or <c>no-cors</c> fetch) is refused too. Others get 403
/// AccessDeniedException. A function URL's page is not a loopback origin: what a function serves must not drive the API.
/// </para>
/// <para>
/// With <c>--auth sigv4</c> every request is signed, so any origin may call, as AWS's API allows browsers (the AWS
/// SDK for JavaScript in a page): only the unsigned preflight is answered here, before verification.
/// </para>
/// An allowed page gets CORS: the preflight (<c>OPTIONS</c> with <c>Access-Control-Request-Method</c>) is answered
/// with its origin, the methods and the headers it asked for (and private-network access when asked); other answers
/// carry <c>Access-Control-Allow-Origin</c> and expose Lambda's response headers.
/// </summary>
internal sealed class BrowserRequests
{
    private const string ExposedHeaders = "x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, x-amz-function-error, "
        + "x-amz-log-result, x-amz-executed-version, x-amzn-remapped-content-length, x-amz-id-2, date";

    /// <summary>In every function URL's host name (<c>&lt;id&gt;.lambda-url.&lt;region&gt;.&lt;suffix&gt;</c>).</summary>
    private const string FunctionUrlLabel = ".lambda-url.";

    private readonly bool _anyOrigin;
    private readonly HashSet<string> _origins = new(StringComparer.Ordinal);
    private readonly HashSet<string> _hosts = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="signed">--auth sigv4: every origin may call (every request is verified).</param>
    /// <param name="origins">--browser-origins: comma-separated origins (<c>https://app.example.com:8443</c>), or <c>*</c>.</param>
    public BrowserRequests(bool signed, string? origins)
    {
        var listed = (origins ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        _anyOrigin = signed || listed.Contains("*");
        foreach (var origin in listed)
        {
            _origins.Add(Normalize(origin));
            if (Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            {
                // The Host a page under this origin sends: with its port, and bare only for the scheme's default port.
                _hosts.Add($"{uri.IdnHost}:{uri.Port}");
                if (uri.IsDefaultPort)
                {
                    _hosts.Add(uri.IdnHost);
                }
            }
        }
    }

    /// <summary>Refuses at start what is not an origin (<c>scheme://host[:port]</c>, no path) nor <c>*</c>.</summary>
    public static string? Check(string? origins)
    {
        foreach (var origin in (origins ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (origin != "*" && !(Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Host.Length > 0
                && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0))
            {
                return $"--browser-origins: '{origin}' is not an origin (scheme://host[:port], e.g. https://app.example.com), nor *";
            }
        }
        return null;
    }

    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        var origin = request.Headers.Origin.ToString();
        // Browsers send Origin with every request but a same-origin or no-cors GET or HEAD: only those need a closer
        // look (which an invoke's POST is spared).
        if (origin.Length == 0 && (!(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) || !FromBrowser(request)))
        {
            return next(context); // not a page's request: an SDK, a CLI, curl
        }
        if (!_anyOrigin && !Allowed(origin, request))
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
            if (request.Headers["Access-Control-Request-Private-Network"] == "true")
            {
                headers["Access-Control-Allow-Private-Network"] = "true"; // a public page calling a loopback gateway
            }
            headers.AccessControlMaxAge = "86400";
            context.Response.StatusCode = StatusCodes.Status200OK;
            return Task.CompletedTask;
        }
        headers.AccessControlExposeHeaders = ExposedHeaders;
        return next(context);
    }

    /// <summary>A GET or HEAD without Origin that a browser made: <c>Sec-Fetch-Site</c> where the page is a secure
    /// context, <c>Accept-Language</c> everywhere (a page may change its value, never remove it). A browser's
    /// User-Agent would not do: a page may set it in Firefox, and PowerShell sends "Mozilla/5.0 …".</summary>
    private static bool FromBrowser(HttpRequest request)
        => request.Headers["Sec-Fetch-Site"].Count > 0 || request.Headers.AcceptLanguage.Count > 0;

    /// <summary>
    /// A loopback or listed origin; or the page's own origin under a host no rebinding can take (a loopback name, an
    /// IP address, a listed origin's host). Without an Origin, the host decides, and a cross-site request that is not
    /// a navigation is refused. "null" (a sandboxed frame, a file:// page) is never allowed.
    /// </summary>
    private bool Allowed(string origin, HttpRequest request)
    {
        var host = request.Host;
        if (origin.Length == 0)
        {
            return SafeHost(host)
                && !(request.Headers["Sec-Fetch-Site"] == "cross-site" && request.Headers["Sec-Fetch-Mode"] != "navigate");
        }
        var normalized = Normalize(origin);
        if (_origins.Contains(normalized))
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

    /// <summary>Loopback names and addresses, but not a function URL's host (<c>…lambda-url.us-east-1.localhost</c>).</summary>
    private static bool IsLoopback(string host)
    {
        host = host.Trim('[', ']');
        if (host.Contains(FunctionUrlLabel, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }

    /// <summary>An origin as browsers send it: lower-case scheme and host (punycode for an international name), the port
    /// only when not the scheme's default (a listed <c>https://app.example.com:443</c> matches the
    /// <c>https://app.example.com</c> a browser sends).</summary>
    private static string Normalize(string origin)
        => Uri.TryCreate(origin.Trim().TrimEnd('/'), UriKind.Absolute, out var uri) && uri.Host.Length > 0
            ? uri.IsDefaultPort ? $"{uri.Scheme}://{uri.IdnHost}" : $"{uri.Scheme}://{uri.IdnHost}:{uri.Port}"
            : origin.Trim().ToLowerInvariant();
}
