using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Gateway.FunctionUrls.Http;

/// <summary>
/// CORS for a function URL, answered by the platform from the URL's <see cref="FunctionUrlCors"/>.
/// </summary>
/// <remarks>
/// AWS: with a Cors config, a preflight (OPTIONS carrying Origin and Access-Control-Request-Method) is answered by
/// Lambda without invoking the function; without one, the OPTIONS request reaches the function like any other.
/// On the function's responses Lambda adds Access-Control-Allow-Origin (+ Allow-Credentials, Expose-Headers) for an
/// allowed Origin, and these take precedence over the same headers set by the function (the docs advise configuring
/// CORS in one place only). An Origin (or method) that is not allowed gets no Access-Control-* headers at all — the
/// browser then refuses the response — and the preflight itself is still a 200. <c>Vary: Origin</c> accompanies an
/// echoed origin, so a cache never gives one origin's answer to another.
/// </remarks>
internal static class UrlCors
{
    public static bool IsPreflight(HttpRequest request, FunctionUrlCors? cors) =>
        cors is not null
        && HttpMethods.IsOptions(request.Method)
        && request.Headers.Origin.Count > 0
        && request.Headers.AccessControlRequestMethod.Count > 0;

    /// <summary>Answers a preflight: 200, empty body, and the Allow-* headers when origin and method are allowed.</summary>
    public static void WritePreflight(HttpRequest request, HttpResponse response, FunctionUrlCors cors)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentLength = 0;
        string origin = request.Headers.Origin.ToString();
        string method = request.Headers.AccessControlRequestMethod.ToString();
        if (!AllowsOrigin(cors, origin) || !AllowsMethod(cors, method))
        {
            return;
        }
        var headers = response.Headers;
        WriteOrigin(headers, cors, origin);
        headers.AccessControlAllowMethods = cors.AllowMethods!.Contains("*") ? method : string.Join(',', cors.AllowMethods!);
        string requested = request.Headers.AccessControlRequestHeaders.ToString();
        if (cors.AllowHeaders is { Count: > 0 } allowHeaders)
        {
            headers.AccessControlAllowHeaders = allowHeaders.Contains("*") && requested.Length > 0 ? requested : string.Join(',', allowHeaders);
        }
        if (cors.ExposeHeaders is { Count: > 0 } expose)
        {
            headers.AccessControlExposeHeaders = string.Join(',', expose);
        }
        if (cors.MaxAge is int maxAge)
        {
            headers.AccessControlMaxAge = maxAge.ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Adds the CORS headers to a function's response (called after the function's own headers are set,
    /// so these win).</summary>
    public static void AddToResponse(HttpRequest request, HttpResponse response, FunctionUrlCors? cors)
    {
        if (cors is null || request.Headers.Origin.Count == 0)
        {
            return;
        }
        string origin = request.Headers.Origin.ToString();
        if (!AllowsOrigin(cors, origin))
        {
            return;
        }
        var headers = response.Headers;
        WriteOrigin(headers, cors, origin);
        if (cors.ExposeHeaders is { Count: > 0 } expose)
        {
            headers.AccessControlExposeHeaders = string.Join(',', expose);
        }
    }

    private static void WriteOrigin(IHeaderDictionary headers, FunctionUrlCors cors, string origin)
    {
        bool credentials = cors.AllowCredentials == true;
        // A wildcard config answers "*" — except with credentials, which browsers refuse with "*": then the origin.
        if (cors.AllowOrigins!.Contains("*") && !credentials)
        {
            headers.AccessControlAllowOrigin = "*";
        }
        else
        {
            headers.AccessControlAllowOrigin = origin;
            headers.Vary = "Origin";
        }
        if (credentials)
        {
            headers.AccessControlAllowCredentials = "true";
        }
    }

    internal static bool AllowsOrigin(FunctionUrlCors cors, string origin)
    {
        if (cors.AllowOrigins is not { Count: > 0 } origins)
        {
            return false;
        }
        foreach (var allowed in origins)
        {
            if (allowed == "*" || string.Equals(allowed.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    internal static bool AllowsMethod(FunctionUrlCors cors, string method)
    {
        if (cors.AllowMethods is not { Count: > 0 } methods)
        {
            return false;
        }
        foreach (var allowed in methods)
        {
            if (allowed == "*" || string.Equals(allowed, method, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }
}
