using Gateway.Functions;
using Gateway.Hosting;
using Microsoft.AspNetCore.Http;
using FunctionRegistry = Gateway.Functions.Registry.FunctionRegistry;

namespace Gateway.Management;

/// <summary>
/// Provisioned concurrency (2019-09-30) on botocore's paths; the rules are <see cref="ProvisionedConcurrencyRules"/>,
/// the host follows the registry (pre-forked environments per version) and reports progress through
/// <see cref="IProvisionedStatus"/>:
/// <list type="bullet">
/// <item>PUT    /2019-09-30/functions/{FunctionName}/provisioned-concurrency?Qualifier=   Put (202)</item>
/// <item>GET    /2019-09-30/functions/{FunctionName}/provisioned-concurrency?Qualifier=   Get (200)</item>
/// <item>GET    /2019-09-30/functions/{FunctionName}/provisioned-concurrency?List=ALL     List (Marker, MaxItems ≤ 50)</item>
/// <item>DELETE /2019-09-30/functions/{FunctionName}/provisioned-concurrency?Qualifier=   Delete (204)</item>
/// </list>
/// </summary>
internal sealed class ProvisionedConcurrencyEndpoints(FunctionRegistry registry, FunctionResolver resolver, ConcurrencyLimits limits, TimeProvider time, IProvisionedStatus status)
{
    private const string Path = "/2019-09-30/functions/{FunctionName}/provisioned-concurrency";

    /// <summary>MaxProvisionedConcurrencyConfigListItems in the model.</summary>
    private const int MaxItems = 50;

    public static void Map(WebApplication app, FunctionRegistry registry, FunctionResolver resolver, GatewayOptions options, TimeProvider time, IProvisionedStatus status)
    {
        var endpoints = new ProvisionedConcurrencyEndpoints(registry, resolver, ConcurrencyLimits.From(options), time, status);
        app.MapPut(Path, endpoints.PutAsync);
        app.MapGet(Path, endpoints.GetOrListAsync);
        app.MapDelete(Path, endpoints.DeleteAsync);
    }

    public async Task PutAsync(HttpContext context)
    {
        if (await ManagementHttp.ReadRequestAsync(context, resolver, queryQualifier: true, ManagementJsonContext.Wire.ProvisionedConcurrencyDocument).ConfigureAwait(false) is not { } request)
        {
            return;
        }
        var (reference, document) = request;
        string arn = resolver.ArnOf(reference.Name);
        var now = time.GetUtcNow();
        var outcome = ManagementHttp.Change(registry, snapshot =>
            ProvisionedConcurrencyRules.Put(snapshot, reference.Name, arn, reference.Qualifier, document.ProvisionedConcurrentExecutions, now, limits));
        if (!outcome.IsOk)
        {
            await ManagementHttp.WriteErrorAsync(context, outcome.Error).ConfigureAwait(false);
            return;
        }
        await ManagementHttp.WriteAsync(context, StatusCodes.Status202Accepted, ProvisionedConcurrencyRules.Describe(outcome.Value, status, withArn: false),
            ManagementJsonContext.Wire.ProvisionedConcurrencyConfig).ConfigureAwait(false);
    }

    /// <summary>GetProvisionedConcurrencyConfig, or ListProvisionedConcurrencyConfigs when the query has <c>List=ALL</c>
    /// (both are GET on one path in the model).</summary>
    public async Task GetOrListAsync(HttpContext context)
    {
        bool list = context.Request.Query.ContainsKey("List");
        if (!ManagementHttp.TryReference(context, resolver, queryQualifier: !list, out var reference, out var error))
        {
            await ManagementHttp.WriteErrorAsync(context, error).ConfigureAwait(false);
            return;
        }
        string arn = resolver.ArnOf(reference.Name);
        if (list)
        {
            await ListAsync(context, reference.Name, arn).ConfigureAwait(false);
            return;
        }
        var outcome = ProvisionedConcurrencyRules.Get(registry.Current, reference.Name, arn, reference.Qualifier);
        if (!outcome.IsOk)
        {
            await ManagementHttp.WriteErrorAsync(context, outcome.Error).ConfigureAwait(false);
            return;
        }
        await ManagementHttp.WriteAsync(context, StatusCodes.Status200OK, ProvisionedConcurrencyRules.Describe(outcome.Value, status, withArn: false),
            ManagementJsonContext.Wire.ProvisionedConcurrencyConfig).ConfigureAwait(false);
    }

    private async Task ListAsync(HttpContext context, string name, string arn)
    {
        if (!Paging.TryRead(context.Request.Query, MaxItems, MaxItems, out int pageSize, out var marker, out var error))
        {
            await ManagementHttp.WriteErrorAsync(context, error).ConfigureAwait(false);
            return;
        }
        var outcome = ProvisionedConcurrencyRules.List(registry.Current, name, arn);
        if (!outcome.IsOk)
        {
            await ManagementHttp.WriteErrorAsync(context, outcome.Error).ConfigureAwait(false);
            return;
        }
        var (page, next) = Paging.Page(outcome.Value!, ProvisionedConcurrencyRules.QualifiedArn, marker, pageSize);
        await ManagementHttp.WriteAsync(context, StatusCodes.Status200OK, new ListProvisionedConcurrencyConfigsResponse
        {
            ProvisionedConcurrencyConfigs = page.ConvertAll(t => ProvisionedConcurrencyRules.Describe(t, status, withArn: true)),
            NextMarker = next,
        }, ManagementJsonContext.Wire.ListProvisionedConcurrencyConfigsResponse).ConfigureAwait(false);
    }

    public async Task DeleteAsync(HttpContext context)
    {
        if (!ManagementHttp.TryReference(context, resolver, queryQualifier: true, out var reference, out var error))
        {
            await ManagementHttp.WriteErrorAsync(context, error).ConfigureAwait(false);
            return;
        }
        string arn = resolver.ArnOf(reference.Name);
        var outcome = ManagementHttp.Change(registry, snapshot => ProvisionedConcurrencyRules.Delete(snapshot, reference.Name, arn, reference.Qualifier));
        if (!outcome.IsOk)
        {
            await ManagementHttp.WriteErrorAsync(context, outcome.Error).ConfigureAwait(false);
            return;
        }
        ManagementHttp.NoContent(context);
    }
}
