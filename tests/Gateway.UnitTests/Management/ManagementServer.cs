using Gateway.Functions;
using Gateway.Functions.Registry;
using Gateway.Hosting;
using Gateway.Invoke;
using Gateway.Management;
using Gateway.UnitTests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using FunctionRegistry = Gateway.Functions.Registry.FunctionRegistry;

namespace Gateway.UnitTests.Management;

/// <summary>
/// The management endpoints in a real Kestrel on a loopback port (this NuGet copy has no TestHost), mapped exactly as
/// the gateway maps them, over an in-memory registry: what an SDK sees on the wire — paths, status codes, headers,
/// bodies.
/// </summary>
internal sealed class ManagementServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    public FunctionRegistry Registry { get; }

    public HttpClient Client { get; }

    public Dictionary<string, int> Ready { get; } = [];

    private ManagementServer(WebApplication app, FunctionRegistry registry, Uri address)
    {
        _app = app;
        Registry = registry;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeoutExtensions.Default };
    }

    public static async Task<ManagementServer> StartAsync(params FunctionRecord[] functions)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var registry = new FunctionRegistry(Records.Snapshot(functions), null);
        var resolver = new FunctionResolver(registry, Records.Region, Records.Account, RoutingRandom.Create(1));
        var options = new GatewayOptions { Region = Records.Region, AccountId = Records.Account };
        var status = new ReadyTable();
        AliasEndpoints.Map(app, registry, resolver);
        ConcurrencyEndpoints.Map(app, registry, resolver, options);
        ProvisionedConcurrencyEndpoints.Map(app, registry, resolver, options, TimeProvider.System, status);
        AccountSettingsEndpoint.Map(app, registry, options);
        var eventInvokeConfigs = new Gateway.Async.EventInvokeConfig.EventInvokeConfigRegistry([], Records.Region, Records.Account, null, TimeProvider.System,
            functionExists: name => registry.Current.TryGet(name, out _));
        Gateway.Async.EventInvokeConfig.EventInvokeConfigEndpoints.Map(app, eventInvokeConfigs, resolver);
        app.MapFallback(LambdaErrors.UnknownOperation);
        await app.StartAsync().WithTimeout();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var server = new ManagementServer(app, registry, new Uri(address));
        status.Table = server.Ready;
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync().WithTimeout();
        await _app.DisposeAsync().WithTimeout();
    }

    /// <summary>The host's ready environments, keyed "function:version".</summary>
    private sealed class ReadyTable : IProvisionedStatus
    {
        public Dictionary<string, int> Table { get; set; } = [];

        public int ReadyEnvironments(string functionName, string version) =>
            Table.TryGetValue(functionName + ":" + version, out int ready) ? ready : 0;
    }
}
