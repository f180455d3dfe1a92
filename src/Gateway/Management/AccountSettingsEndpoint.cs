using Gateway.Functions.Registry;
using Gateway.Json;
using Microsoft.AspNetCore.Http;
using FunctionRegistry = Gateway.Functions.Registry.FunctionRegistry;

namespace Gateway.Management;

/// <summary>
/// GetAccountSettings (<c>GET /2016-08-19/account-settings</c>, and with the trailing <c>/</c> older clients send),
/// computed from the current snapshot: AWS's fixed code-size limits, the account's concurrency and what reservations
/// leave of it, and the code stored by every version of every function and every layer version.
/// </summary>
internal static class AccountSettingsEndpoint
{
    public static void Map(WebApplication app, FunctionRegistry registry, Functions.Layers.LayerRegistry layers, GatewayOptions options)
    {
        var limits = ConcurrencyLimits.From(options);
        // One route serves both forms: routing matches a path with or without its trailing slash (a second route
        // for "…/" would make every request ambiguous, a 500).
        // A request id and plain application/json, as every other management answer (SDKs read the id into their
        // response metadata).
        app.MapGet("/2016-08-19/account-settings", (RequestDelegate)(context =>
        {
            ManagementHttp.Begin(context);
            return ManagementHttp.WriteAsync(context, StatusCodes.Status200OK, Build(registry.Current, layers.Current, limits), AwsJsonContext.Default.AccountSettings);
        }));
    }

    public static AccountSettings Build(RegistrySnapshot snapshot, Functions.Layers.LayerSnapshot layers, ConcurrencyLimits limits)
    {
        long codeSize = 0;
        foreach (var function in snapshot.All)
        {
            // Every version keeps its own package on AWS ($LATEST and each published one), so each counts.
            codeSize += function.Latest.CodeSize;
            foreach (var version in function.Versions.Values)
            {
                codeSize += version.CodeSize;
            }
        }
        // A published layer version's zip counts too (LS-REC test_account_settings_total_code_size: publishing a layer
        // grows TotalCodeSize by its CodeSize); a deleted one no longer does.
        foreach (var name in layers.Names)
        {
            foreach (var version in layers.LiveVersionsNewestFirst(name))
            {
                codeSize += version.CodeSize;
            }
        }
        return new AccountSettings
        {
            AccountLimit = new AccountLimit
            {
                ConcurrentExecutions = limits.AccountLimit,
                UnreservedConcurrentExecutions = ConcurrencyRules.UnreservedConcurrency(snapshot, limits),
            },
            AccountUsage = new AccountUsage { TotalCodeSize = codeSize, FunctionCount = snapshot.Count },
        };
    }
}
