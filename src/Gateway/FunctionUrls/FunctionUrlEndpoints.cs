using Gateway.Functions;
using Gateway.Functions.Registry;
using Gateway.Invoke;
using Gateway.Management;
using Microsoft.AspNetCore.Http;

namespace Gateway.FunctionUrls;

/// <summary>
/// AWS's function-URL API (2021-10-31) on botocore's paths and status codes; the rules are <see cref="FunctionUrlRules"/>:
/// <list type="bullet">
/// <item>POST   /2021-10-31/functions/{FunctionName}/url?Qualifier=   CreateFunctionUrlConfig (201)</item>
/// <item>GET    /2021-10-31/functions/{FunctionName}/url?Qualifier=   GetFunctionUrlConfig</item>
/// <item>PUT    /2021-10-31/functions/{FunctionName}/url?Qualifier=   UpdateFunctionUrlConfig</item>
/// <item>DELETE /2021-10-31/functions/{FunctionName}/url?Qualifier=   DeleteFunctionUrlConfig (204)</item>
/// <item>GET    /2021-10-31/functions/{FunctionName}/urls             ListFunctionUrlConfigs (Marker, MaxItems 1–50)</item>
/// </list>
/// </summary>
internal sealed class FunctionUrlEndpoints(FunctionUrlRegistry urls, FunctionResolver resolver, FunctionUrlDomain domain, TimeProvider time)
{
    private const string Path = "/2021-10-31/functions/{FunctionName}/url";

    /// <summary>ListFunctionUrlConfigs' MaxItems shape (1–50).</summary>
    private const int ModelMaxItems = 50;

    public static void Map(WebApplication app, FunctionUrlRegistry urls, FunctionResolver resolver, FunctionUrlDomain domain, TimeProvider time)
    {
        var endpoints = new FunctionUrlEndpoints(urls, resolver, domain, time);
        app.MapPost(Path, endpoints.CreateAsync);
        app.MapGet(Path, endpoints.GetAsync);
        app.MapPut(Path, endpoints.UpdateAsync);
        app.MapDelete(Path, endpoints.DeleteAsync);
        app.MapGet(Path + "s", endpoints.ListAsync);
    }

    public async Task CreateAsync(HttpContext context)
    {
        if (await ReadAsync(context, create: true).ConfigureAwait(false) is not { } request)
        {
            return;
        }
        var (reference, document) = request;
        string arn = resolver.ArnOf(reference.Name);
        var now = time.GetUtcNow();
        var outcome = Change(context, (functions, snapshot) =>
        {
            var created = FunctionUrlRules.Create(functions, snapshot, reference.Name, reference.Qualifier, arn, document, now);
            return (created.Value, null, created);
        });
        // InvokeMode only once a Create or Update has named it, as AWS's recorded create and update answers have it
        // (GetFunctionUrlConfig always shows it).
        await WriteAsync(context, StatusCodes.Status201Created, outcome, withLastModified: false, withInvokeMode: outcome.IsOk && outcome.Value!.InvokeModeSet).ConfigureAwait(false);
    }

    public async Task UpdateAsync(HttpContext context)
    {
        if (await ReadAsync(context, create: false).ConfigureAwait(false) is not { } request)
        {
            return;
        }
        var (reference, document) = request;
        string arn = resolver.ArnOf(reference.Name);
        var now = time.GetUtcNow();
        var outcome = Change(context, (functions, snapshot) =>
        {
            var updated = FunctionUrlRules.Update(functions, snapshot, reference.Name, reference.Qualifier, arn, document, now);
            return (updated.Value, null, updated);
        });
        await WriteAsync(context, StatusCodes.Status200OK, outcome, withLastModified: true, withInvokeMode: outcome.IsOk && outcome.Value!.InvokeModeSet).ConfigureAwait(false);
    }

    public async Task GetAsync(HttpContext context)
    {
        if (!TryReference(context, out var reference, out var error))
        {
            await ManagementHttp.WriteErrorAsync(context, error).ConfigureAwait(false);
            return;
        }
        var notFound = FunctionUrlRules.Find(resolver.Registry.Current, urls.Current, reference.Name, reference.Qualifier, resolver.ArnOf(reference.Name), out var config);
        await WriteAsync(context, StatusCodes.Status200OK, notFound ?? Outcome<FunctionUrlConfig>.Ok(config), withLastModified: true, withInvokeMode: true).ConfigureAwait(false);
    }

    public async Task DeleteAsync(HttpContext context)
    {
        if (!TryReference(context, out var reference, out var error))
        {
            await ManagementHttp.WriteErrorAsync(context, error).ConfigureAwait(false);
            return;
        }
        string arn = resolver.ArnOf(reference.Name);
        var outcome = Change(context, (functions, snapshot) =>
        {
            var notFound = FunctionUrlRules.Find(functions, snapshot, reference.Name, reference.Qualifier, arn, out var config);
            return notFound is null
                ? ((FunctionUrlConfig?)null, config, Outcome<FunctionUrlConfig>.Ok(config))
                : (null, null, Outcome<FunctionUrlConfig>.Fail(notFound));
        });
        if (!outcome.IsOk)
        {
            await ManagementHttp.WriteErrorAsync(context, outcome.Error).ConfigureAwait(false);
            return;
        }
        ManagementHttp.NoContent(context);
    }

    public async Task ListAsync(HttpContext context)
    {
        if (!TryReference(context, out var reference, out var error, qualifier: false)
            || !Paging.TryRead(context.Request.Query, ModelMaxItems, ManagementHttp.MaxPage, out int pageSize, out var marker, out error))
        {
            await ManagementHttp.WriteErrorAsync(context, error).ConfigureAwait(false);
            return;
        }
        if (FunctionUrlRules.CheckTarget(resolver.Registry.Current, reference.Name, null, resolver.ArnOf(reference.Name), FunctionUrlRules.NoFunctionMessage) is { } missing)
        {
            await ManagementHttp.WriteErrorAsync(context, missing).ConfigureAwait(false);
            return;
        }
        var all = urls.Current.OfFunction(reference.Name);
        var (page, next) = Paging.Page(all, c => c.Qualifier ?? "", marker, pageSize);
        await ManagementHttp.WriteAsync(context, StatusCodes.Status200OK,
            new ListFunctionUrlConfigsResponse { FunctionUrlConfigs = page.ConvertAll(c => Response(context, c, withLastModified: true, withInvokeMode: true)), NextMarker = next },
            FunctionUrlJsonContext.Default.ListFunctionUrlConfigsResponse).ConfigureAwait(false);
    }

    /// <summary>The function and its qualifier: the query's Qualifier (checked against the URL API's own pattern
    /// first, so <c>$LATEST</c> and version numbers get AWS's message) or the name's.</summary>
    private bool TryReference(HttpContext context, out FunctionReference reference, out LambdaError? error, bool qualifier = true)
    {
        string? queryQualifier = qualifier ? ManagementHttp.Qualifier(context) : null;
        reference = default;
        if (FunctionUrlRules.CheckQualifier(queryQualifier) is { } qualifierError)
        {
            ManagementHttp.Begin(context);
            error = qualifierError;
            return false;
        }
        if (!ManagementHttp.TryReference(context, resolver, queryQualifier: qualifier, out reference, out error))
        {
            return false;
        }
        if (qualifier && queryQualifier is null && FunctionUrlRules.CheckQualifier(reference.Qualifier) is { } nameQualifierError)
        {
            error = nameQualifierError; // my-function:$LATEST or my-function:1
            return false;
        }
        if (!qualifier)
        {
            reference = reference with { Qualifier = null };
        }
        return true;
    }

    private async Task<(FunctionReference Reference, FunctionUrlConfigRequest Document)?> ReadAsync(HttpContext context, bool create)
    {
        if (!TryReference(context, out var reference, out var error))
        {
            await ManagementHttp.WriteErrorAsync(context, error).ConfigureAwait(false);
            return null;
        }
        if (await ManagementHttp.ReadBodyAsync(context, FunctionUrlJsonContext.Default.FunctionUrlConfigRequest).ConfigureAwait(false) is not { } document)
        {
            return null;
        }
        if (FunctionUrlRules.CheckBody(document, create) is { } invalid)
        {
            await ManagementHttp.WriteErrorAsync(context, invalid).ConfigureAwait(false);
            return null;
        }
        return (reference, document);
    }

    private Outcome<FunctionUrlConfig> Change(HttpContext context,
        Func<RegistrySnapshot, FunctionUrlSnapshot, (FunctionUrlConfig? Save, FunctionUrlConfig? Delete, Outcome<FunctionUrlConfig> Result)> change)
        => ManagementHttp.Saved(() => urls.Change((functions, snapshot) =>
        {
            var (save, delete, result) = change(functions, snapshot);
            return result.IsOk ? (save, delete, result) : (null, null, result);
        }));

    private Task WriteAsync(HttpContext context, int status, Outcome<FunctionUrlConfig> outcome, bool withLastModified, bool withInvokeMode) =>
        outcome.IsOk
            ? ManagementHttp.WriteAsync(context, status, Response(context, outcome.Value!, withLastModified, withInvokeMode), FunctionUrlJsonContext.Default.FunctionUrlConfigResponse)
            : ManagementHttp.WriteErrorAsync(context, outcome.Error);

    /// <summary>The answer's FunctionUrl is on the scheme and port this API call came in on: a URL that works
    /// against this gateway as it is reached.</summary>
    private FunctionUrlConfigResponse Response(HttpContext context, FunctionUrlConfig config, bool withLastModified, bool withInvokeMode)
    {
        string arn = resolver.ArnOf(config.FunctionName);
        return new FunctionUrlConfigResponse
        {
            FunctionUrl = domain.FunctionUrl(config.UrlId, context.Request.Scheme, context.Connection.LocalPort),
            FunctionArn = config.Qualifier is null ? arn : $"{arn}:{config.Qualifier}",
            AuthType = FunctionUrlNames.Of(config.AuthType),
            Cors = CorsDocument.From(config.Cors),
            CreationTime = FunctionUrlNames.Timestamp(config.CreationTime),
            LastModifiedTime = withLastModified ? FunctionUrlNames.Timestamp(config.LastModifiedTime) : null,
            InvokeMode = withInvokeMode ? FunctionUrlNames.Of(config.InvokeMode) : null,
        };
    }
}
