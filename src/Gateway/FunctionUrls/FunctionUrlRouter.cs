using Gateway.FunctionUrls.Http;
using Gateway.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.FunctionUrls;

/// <summary>
/// The front door, ahead of routing: a request whose Host is <c>&lt;url-id&gt;.lambda-url.&lt;region&gt;.&lt;suffix&gt;</c>
/// (rawPath: its path) or whose path is <c>/_url/&lt;url-id&gt;/…</c> (rawPath: what follows the id; for clients that
/// cannot set Host) goes to that URL's function: authorized, then handed to <see cref="FunctionUrlInvoker"/>. An id
/// no URL has gets AWS's 403. Every other request goes on to the Invoke and management APIs after one length check
/// of the Host and one prefix check of the path, with no allocation.
/// </summary>
internal sealed class FunctionUrlRouter(FunctionUrlRegistry urls, FunctionUrlDomain domain, IFunctionUrlAuthorizer authorizer, FunctionUrlInvoker invoker)
{
    /// <summary>The path form's prefix (reserved: nothing else is served under it).</summary>
    public const string PathPrefix = "/_url/";

    public Task RouteAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        string? host = request.Headers.Host;
        if (host is not null && domain.TryGetUrlId(host, out var hostId))
        {
            return urls.Current.TryGetById(ToLower(hostId), out var config)
                ? ServeAsync(context, config, RawPath(context, skip: 0))
                : FunctionUrlAnswers.WriteUnknownUrlAsync(context);
        }
        string? path = request.Path.Value;
        if (path is not null && path.StartsWith(PathPrefix, StringComparison.Ordinal))
        {
            return ServePathFormAsync(context, path);
        }
        return next(context);
    }

    private Task ServePathFormAsync(HttpContext context, string path)
    {
        var id = path.AsSpan(PathPrefix.Length);
        int slash = id.IndexOf('/');
        if (slash >= 0)
        {
            id = id[..slash];
        }
        if (!FunctionUrlIds.IsWellFormed(id) || !urls.Current.TryGetById(id, out var config))
        {
            return FunctionUrlAnswers.WriteUnknownUrlAsync(context);
        }
        int prefixLength = PathPrefix.Length + FunctionUrlIds.Length;
        // The function sees its own path: anything reading Request.Path gets what follows the id.
        var request = context.Request;
        request.PathBase = request.PathBase.Add(new PathString(path[..prefixLength]));
        request.Path = path.Length > prefixLength ? new PathString(path[prefixLength..]) : new PathString("/");
        return ServeAsync(context, config, RawPath(context, skip: prefixLength));
    }

    private async Task ServeAsync(HttpContext context, FunctionUrlConfig config, string rawPath)
    {
        var route = config.ToRoute(domain.DomainName(config.UrlId));
        // "Lambda automatically adds the CORS headers to all responses through the function URL": a refusal too, so
        // a page sees its 403 rather than a CORS failure (the invoker sets them again for what it answers).
        UrlCors.AddToResponse(context.Request, context.Response, route.Cors);
        if (!await authorizer.AuthorizeAsync(context, route).ConfigureAwait(false))
        {
            return;
        }
        await invoker.HandleAsync(context, route, rawPath).ConfigureAwait(false);
    }

    /// <summary>The request target's path as the client sent it (not percent-decoded), without the query and
    /// without the first <paramref name="skip"/> characters (the path form's <c>/_url/&lt;id&gt;</c>); "/" when empty.</summary>
    private static string RawPath(HttpContext context, int skip)
    {
        string target = context.Features.Fetch<IHttpRequestFeature>()?.RawTarget ?? "";
        if (!target.StartsWith('/'))
        {
            // Absolute-form or an unusual target: the decoded path is the best there is.
            target = context.Request.PathBase.Add(context.Request.Path).Value ?? "/";
            if (skip > 0)
            {
                target = context.Request.Path.Value ?? "/";
                skip = 0;
            }
        }
        int query = target.IndexOf('?');
        int end = query >= 0 ? query : target.Length;
        if (skip >= end)
        {
            return "/";
        }
        return skip == 0 && end == target.Length ? target : target[skip..end];
    }

    /// <summary>Host names are case-insensitive; ids are lower case.</summary>
    private static ReadOnlySpan<char> ToLower(ReadOnlySpan<char> id)
    {
        foreach (char c in id)
        {
            if (char.IsAsciiLetterUpper(c))
            {
                return id.ToString().ToLowerInvariant();
            }
        }
        return id;
    }
}
