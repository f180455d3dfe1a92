using Gateway.Functions;
using Gateway.Functions.Registry;
using Gateway.Hosting;
using Gateway.Invoke;
using Gateway.Management;
using Microsoft.AspNetCore.Builder;
using FunctionRegistry = Gateway.Functions.Registry.FunctionRegistry;

namespace Gateway.UnitTests.Management;

/// <summary>
/// The management endpoints in a real Kestrel on a loopback port (this NuGet copy has no TestHost), mapped exactly as
/// the gateway maps them, over an in-memory registry: what an SDK sees on the wire — paths, status codes, headers,
/// bodies.
/// </summary>
internal sealed class ManagementServer : IAsyncDisposable
{
    private readonly LoopbackApp _app;

    public FunctionRegistry Registry { get; }

    public HttpClient Client => _app.Client;

    public Dictionary<string, int> Ready { get; }

    private ManagementServer(LoopbackApp app, FunctionRegistry registry, Dictionary<string, int> ready)
    {
        _app = app;
        Registry = registry;
        Ready = ready;
    }

    public static async Task<ManagementServer> StartAsync(params FunctionRecord[] functions)
    {
        var registry = new FunctionRegistry(Records.Snapshot(functions), null);
        var resolver = new FunctionResolver(registry, Records.Region, Records.Account, RoutingRandom.Create(1));
        var options = new GatewayOptions { Region = Records.Region, AccountId = Records.Account };
        var status = new ReadyTable();
        var app = await LoopbackApp.StartAsync(web =>
        {
            AliasEndpoints.Map(web, registry, resolver);
            ConcurrencyEndpoints.Map(web, registry, resolver, options);
            ProvisionedConcurrencyEndpoints.Map(web, registry, resolver, options, TimeProvider.System, status);
            AccountSettingsEndpoint.Map(web, registry, new Gateway.Functions.Layers.LayerRegistry(null), options);
            var eventInvokeConfigs = new Gateway.Async.EventInvokeConfig.EventInvokeConfigRegistry([], Records.Region, Records.Account, null, TimeProvider.System,
                functionExists: name => registry.Current.TryGet(name, out _));
            Gateway.Async.EventInvokeConfig.EventInvokeConfigEndpoints.Map(web, eventInvokeConfigs, resolver);
            web.MapFallback(LambdaErrors.UnknownOperation);
        });
        return new ManagementServer(app, registry, status.Table);
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    /// <summary>The host's ready environments, keyed "function:version".</summary>
    private sealed class ReadyTable : IProvisionedStatus
    {
        public Dictionary<string, int> Table { get; } = [];

        public int ReadyEnvironments(string functionName, string version) =>
            Table.TryGetValue(functionName + ":" + version, out int ready) ? ready : 0;
    }
}
