using Gateway.Functions;
using Gateway.Functions.Registry;
using FunctionRegistry = Gateway.Functions.Registry.FunctionRegistry;
using Microsoft.AspNetCore.Http;

namespace Gateway.Management;

/// <summary>
/// AWS's alias API (2015-03-31) on botocore's paths and status codes; the rules are <see cref="AliasRules"/>:
/// <list type="bullet">
/// <item>POST   /2015-03-31/functions/{FunctionName}/aliases          CreateAlias (201)</item>
/// <item>GET    /2015-03-31/functions/{FunctionName}/aliases          ListAliases (FunctionVersion, Marker, MaxItems)</item>
/// <item>GET    /2015-03-31/functions/{FunctionName}/aliases/{Name}   GetAlias</item>
/// <item>PUT    /2015-03-31/functions/{FunctionName}/aliases/{Name}   UpdateAlias</item>
/// <item>DELETE /2015-03-31/functions/{FunctionName}/aliases/{Name}   DeleteAlias (204)</item>
/// </list>
/// </summary>
internal sealed class AliasEndpoints(FunctionRegistry registry, FunctionResolver resolver)
{
    private const string Path = "/2015-03-31/functions/{FunctionName}/aliases";

    /// <summary>ListAliases' MaxItems bound in the model (MaxListItems); a page holds at most 50, as AWS's lists do.</summary>
    private const int ModelMaxItems = 10000;
    private const int PageSize = 50;

    public static void Map(WebApplication app, FunctionRegistry registry, FunctionResolver resolver)
    {
        var endpoints = new AliasEndpoints(registry, resolver);
        app.MapPost(Path, endpoints.CreateAsync);
        app.MapGet(Path, endpoints.ListAsync);
        app.MapGet(Path + "/{Name}", endpoints.GetAsync);
        app.MapPut(Path + "/{Name}", endpoints.UpdateAsync);
        app.MapDelete(Path + "/{Name}", endpoints.DeleteAsync);
    }

    public async Task CreateAsync(HttpContext context)
    {
        if (await ManagementHttp.ReadRequestAsync(context, resolver, queryQualifier: false, ManagementJsonContext.Wire.AliasDocument).ConfigureAwait(false) is not { } request)
        {
            return;
        }
        var (reference, document) = request;
        string arn = resolver.ArnOf(reference.Name);
        string revision = Guid.NewGuid().ToString();
        var outcome = ManagementHttp.Change(registry, snapshot => AliasRules.Create(snapshot, reference.Name, arn, document, revision));
        await WriteAsync(context, StatusCodes.Status201Created, outcome).ConfigureAwait(false);
    }

    public async Task UpdateAsync(HttpContext context)
    {
        if (await ManagementHttp.ReadRequestAsync(context, resolver, queryQualifier: false, ManagementJsonContext.Wire.AliasDocument).ConfigureAwait(false) is not { } request)
        {
            return;
        }
        var (reference, document) = request;
        string arn = resolver.ArnOf(reference.Name);
        string name = AliasName(context);
        string revision = Guid.NewGuid().ToString();
        var outcome = ManagementHttp.Change(registry, snapshot => AliasRules.Update(snapshot, reference.Name, arn, name, document, revision));
        await WriteAsync(context, StatusCodes.Status200OK, outcome).ConfigureAwait(false);
    }

    public async Task GetAsync(HttpContext context)
    {
        if (!ManagementHttp.TryReference(context, resolver, queryQualifier: false, out var reference, out var error))
        {
            await ManagementHttp.WriteErrorAsync(context, error).ConfigureAwait(false);
            return;
        }
        var outcome = AliasRules.Get(registry.Current, reference.Name, resolver.ArnOf(reference.Name), AliasName(context));
        await WriteAsync(context, StatusCodes.Status200OK, outcome).ConfigureAwait(false);
    }

    public async Task DeleteAsync(HttpContext context)
    {
        if (!ManagementHttp.TryReference(context, resolver, queryQualifier: false, out var reference, out var error))
        {
            await ManagementHttp.WriteErrorAsync(context, error).ConfigureAwait(false);
            return;
        }
        string arn = resolver.ArnOf(reference.Name);
        string name = AliasName(context);
        var outcome = ManagementHttp.Change(registry, snapshot => AliasRules.Delete(snapshot, reference.Name, arn, name));
        if (!outcome.IsOk)
        {
            await ManagementHttp.WriteErrorAsync(context, outcome.Error).ConfigureAwait(false);
            return;
        }
        ManagementHttp.NoContent(context);
    }

    public async Task ListAsync(HttpContext context)
    {
        if (!ManagementHttp.TryReference(context, resolver, queryQualifier: false, out var reference, out var error)
            || !Paging.TryRead(context.Request.Query, ModelMaxItems, PageSize, out int pageSize, out var marker, out error))
        {
            await ManagementHttp.WriteErrorAsync(context, error).ConfigureAwait(false);
            return;
        }
        string? functionVersion = context.Request.Query.TryGetValue("FunctionVersion", out var v) ? v.ToString() : null;
        var outcome = AliasRules.List(registry.Current, reference.Name, resolver.ArnOf(reference.Name), functionVersion);
        if (!outcome.IsOk)
        {
            await ManagementHttp.WriteErrorAsync(context, outcome.Error).ConfigureAwait(false);
            return;
        }
        var (page, next) = Paging.Page(outcome.Value!, a => a.Name, marker, pageSize);
        await ManagementHttp.WriteAsync(context, StatusCodes.Status200OK,
            new ListAliasesResponse { Aliases = page.ConvertAll(AliasConfiguration.From), NextMarker = next },
            ManagementJsonContext.Wire.ListAliasesResponse).ConfigureAwait(false);
    }

    /// <summary>The {Name} route value (already percent-decoded by routing).</summary>
    private static string AliasName(HttpContext context) => context.GetRouteValue("Name") as string ?? "";

    private static Task WriteAsync(HttpContext context, int status, Outcome<AliasRecord> outcome) =>
        outcome.IsOk
            ? ManagementHttp.WriteAsync(context, status, AliasConfiguration.From(outcome.Value!), ManagementJsonContext.Wire.AliasConfiguration)
            : ManagementHttp.WriteErrorAsync(context, outcome.Error);
}
