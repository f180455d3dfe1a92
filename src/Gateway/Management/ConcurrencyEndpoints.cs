using Gateway.Functions;
using Gateway.Invoke;
using Microsoft.AspNetCore.Http;
using FunctionRegistry = Gateway.Functions.Registry.FunctionRegistry;

namespace Gateway.Management;

/// <summary>
/// Reserved concurrency on botocore's paths (two API dates, as in the model); the rules are <see cref="ConcurrencyRules"/>
/// and the host follows the registry (ReservedConcurrentExecutions → admission):
/// <list type="bullet">
/// <item>PUT    /2017-10-31/functions/{FunctionName}/concurrency   PutFunctionConcurrency (200)</item>
/// <item>GET    /2019-09-30/functions/{FunctionName}/concurrency   GetFunctionConcurrency (200, <c>{}</c> when unset)</item>
/// <item>DELETE /2017-10-31/functions/{FunctionName}/concurrency   DeleteFunctionConcurrency (204)</item>
/// </list>
/// </summary>
internal sealed class ConcurrencyEndpoints(FunctionRegistry registry, FunctionResolver resolver, ConcurrencyLimits limits)
{
    public static void Map(WebApplication app, FunctionRegistry registry, FunctionResolver resolver, GatewayOptions options)
    {
        var endpoints = new ConcurrencyEndpoints(registry, resolver, ConcurrencyLimits.From(options));
        app.MapPut("/2017-10-31/functions/{FunctionName}/concurrency", endpoints.PutAsync);
        app.MapGet("/2019-09-30/functions/{FunctionName}/concurrency", endpoints.GetAsync);
        app.MapDelete("/2017-10-31/functions/{FunctionName}/concurrency", endpoints.DeleteAsync);
    }

    public async Task PutAsync(HttpContext context)
    {
        if (!TryFunctionName(context, out string name, out var error))
        {
            await ManagementHttp.WriteErrorAsync(context, error).ConfigureAwait(false);
            return;
        }
        if (await ManagementHttp.ReadBodyAsync(context, ManagementJsonContext.Wire.ConcurrencyDocument).ConfigureAwait(false) is not { } document)
        {
            return;
        }
        string arn = resolver.ArnOf(name);
        var outcome = ManagementHttp.Change(registry, snapshot => ConcurrencyRules.PutReserved(snapshot, name, arn, document.ReservedConcurrentExecutions, limits));
        if (!outcome.IsOk)
        {
            await ManagementHttp.WriteErrorAsync(context, outcome.Error).ConfigureAwait(false);
            return;
        }
        await ManagementHttp.WriteAsync(context, StatusCodes.Status200OK, new ConcurrencyDocument { ReservedConcurrentExecutions = outcome.Value },
            ManagementJsonContext.Wire.ConcurrencyDocument).ConfigureAwait(false);
    }

    public async Task GetAsync(HttpContext context)
    {
        if (!TryFunctionName(context, out string name, out var error))
        {
            await ManagementHttp.WriteErrorAsync(context, error).ConfigureAwait(false);
            return;
        }
        if (!registry.Current.TryGet(name, out var function))
        {
            await LambdaErrors.WriteAsync(context, LambdaError.ResourceNotFound("Function not found: " + resolver.ArnOf(name))).ConfigureAwait(false);
            return;
        }
        await ManagementHttp.WriteAsync(context, StatusCodes.Status200OK, new ConcurrencyDocument { ReservedConcurrentExecutions = function.ReservedConcurrentExecutions },
            ManagementJsonContext.Wire.ConcurrencyDocument).ConfigureAwait(false);
    }

    public async Task DeleteAsync(HttpContext context)
    {
        if (!TryFunctionName(context, out string name, out var error))
        {
            await ManagementHttp.WriteErrorAsync(context, error).ConfigureAwait(false);
            return;
        }
        string arn = resolver.ArnOf(name);
        var outcome = ManagementHttp.Change(registry, snapshot => ConcurrencyRules.DeleteReserved(snapshot, name, arn));
        if (!outcome.IsOk)
        {
            await ManagementHttp.WriteErrorAsync(context, outcome.Error).ConfigureAwait(false);
            return;
        }
        ManagementHttp.NoContent(context);
    }

    /// <summary>An unqualified function name; a qualified one (even <c>:$LATEST</c>) is AWS's InvalidParameterValueException.</summary>
    private bool TryFunctionName(HttpContext context, out string name, out LambdaError? error)
    {
        name = "";
        if (!ManagementHttp.TryReference(context, resolver, queryQualifier: false, out var reference, out error))
        {
            return false;
        }
        if (reference.Qualifier is not null)
        {
            error = ConcurrencyRules.QualifiedName;
            return false;
        }
        name = reference.Name;
        return true;
    }
}
