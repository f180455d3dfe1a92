using Gateway.Environments;
using Microsoft.Extensions.Logging;

namespace Gateway.RuntimeApi.Kestrel;

/// <summary>--runtime-api-server: <c>builtin</c> (the default) leaves the hand-written server in place; <c>kestrel</c>
/// starts <see cref="KestrelRuntimeApiServer"/> and installs it before any environment starts.</summary>
internal static class RuntimeApiServerChoice
{
    public static bool IsValid(string? value)
        => string.Equals(value, BuiltinRuntimeApiServer.Name, StringComparison.OrdinalIgnoreCase)
        || string.Equals(value, KestrelRuntimeApiServer.Name, StringComparison.OrdinalIgnoreCase);

    /// <summary>The Kestrel server when chosen (the caller disposes it after the environments have stopped), else null.</summary>
    public static async Task<KestrelRuntimeApiServer?> StartAsync(GatewayOptions options, EnvironmentServices services, ILoggerFactory loggerFactory)
    {
        if (!string.Equals(options.RuntimeApiServer, KestrelRuntimeApiServer.Name, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var server = await KestrelRuntimeApiServer.StartAsync(options, loggerFactory).ConfigureAwait(false);
        services.RuntimeApiServer = server;
        Console.WriteLine("[gateway] Runtime API served by Kestrel (--runtime-api-server kestrel)");
        return server;
    }
}
