using Gateway.Environments;
using Gateway.Invoke;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Logs.Api;

/// <summary>Wires the Logs API (<c>POST /</c> with a Logs_20140328 target) and the retention sweeper to the function logs.</summary>
internal static class LogsApi
{
    /// <returns>The retention sweeper, to dispose at shutdown.</returns>
    public static IDisposable Map(WebApplication app, EnvironmentServices services, GatewayOptions options)
    {
        var logs = services.Logs;
        var catalog = new LogCatalog(logs.Root);
        var retention = new RetentionSettings(logs.Root);
        var sweeper = new LogRetention(logs.Root, catalog, retention, logs.IsOpen, services.Time, options.LogRetentionDays, options.LogMaxMegabytes);
        var endpoint = new LogsEndpoint(new LogsService(catalog, logs.FlushAll, retention, options.Region, options.AccountId));
        // Lambda's API has nothing at POST /; without a Logs target it is the usual unknown operation.
        app.MapPost("/", http => LogsEndpoint.IsLogsRequest(http) ? endpoint.HandleAsync(http) : LambdaErrors.UnknownOperation(http));
        return sweeper;
    }
}
