using Gateway;
using Gateway.Async;
using Gateway.Async.EventInvokeConfig;
using Gateway.Configuration;
using Gateway.Environments;
using Gateway.Functions;
using Gateway.Functions.Registry;
using Gateway.Hosting;
using Gateway.Invocations;
using Gateway.Invoke;
using Gateway.Json;
using Gateway.Management;

// Gateway: serves Lambda's Invoke API and runs each function in pre-forked `bootstrap` worker processes that
// speak Lambda's Runtime API over Unix sockets (and loopback TCP for stock runtimes).
//
// The path of one invocation, in the order it happens:
//   Invoke/InvokeEndpoint.cs          headers, body limits, response
//   Functions/FunctionResolver.cs     name + qualifier -> function, version (a weighted alias draws one), invoked ARN
//   Hosting/FunctionHost.cs           the version's pool (two lock-free lookups in immutable maps)
//   Environments/EnvironmentPool.cs   reserve an environment, admit (Admission/IAdmission), commit -> DispatchLease
//   RuntimeApi/RuntimeApiConnection   write the event to the runtime's parked /next; read /response or /error
//   Environments/ExecutionEnvironment one process, one invocation at a time, deadlines, exits, logs
// Functions change at run time through Management/ (Lambda's management API): Functions/Registry/FunctionRegistry.cs
// persists each change (registry.db), the host follows it (new pools, drained old ones), then readers see it
// (docs/architecture.md).
// An Event invocation instead goes from the endpoint to Async/AsyncInvocations.cs (fsync'd to the event store
// before its 202), waits in Async/EventQueue.cs for an environment, and Async/EventOutcomes.cs decides after the
// run: retry, destination, dead-letter queue (docs/async.md).

// A start-up failure nothing below reports is one line and exit code 1, not a stack trace (Hosting/StartupFailure.cs).
Gateway.Hosting.StartupFailure.Install();
if (GatewayStartup.HandleCommandLine(args, out var normalizedArgs) is int usageExit)
{
    return usageExit; // --help, or an unknown option (Configuration/GatewayOptionTable.cs lists the known ones)
}
// Configuration is read once at start (options are bound below, never re-read), so appsettings.json is not watched:
// the watch is recursive over the content root, which holds ./data by default, and every log write (one per
// invocation, Logs/EnvironmentLog.cs) would wake the watcher's thread for an lstat.
var builder = WebApplication.CreateSlimBuilder([.. normalizedArgs, "--hostBuilder:reloadConfigOnChange=false"]);
if (GatewayStartup.CheckConfiguration(builder.Configuration) is int configurationExit)
{
    return configurationExit; // an unknown Gateway: key or an unconvertible value, from any source
}
Gateway.Hosting.StartupFailure.ReadVerbosity(builder.Configuration);
var options = new GatewayOptions();
builder.Configuration.GetSection("Gateway").Bind(options);
if (GatewayStartup.CheckAdmission(options) is int admissionExit)
{
    return admissionExit; // limits the admission cannot honour together (a minimum above the limit, a zero burst)
}
const string InlineSocketCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
if (options.InlineScheduling && Environment.GetEnvironmentVariable(InlineSocketCompletions) is null)
{
    // Socket completions run on the engine's event threads instead of being queued to the thread pool. Read once, when
    // the first socket is registered: nothing has opened one yet (Kestrel binds and environments start later).
    Environment.SetEnvironmentVariable(InlineSocketCompletions, "1");
}
const string SocketThreadCount = "DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT";
if (Environment.GetEnvironmentVariable(SocketThreadCount) is null
    && (options.SocketThreads > 0 ? options.SocketThreads : Environment.ProcessorCount <= 2 ? 1 : 0) is > 0 and var socketThreads)
{
    // Read with the inline-completions variable, when the engine starts (issue 15, wave 6: on 2 cores one event thread
    // takes every ready socket per wake-up instead of two threads contending; docs/performance.md).
    Environment.SetEnvironmentVariable(SocketThreadCount, socketThreads.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
string urls = builder.Configuration["urls"] is { Length: > 0 } givenUrls ? givenUrls : "http://127.0.0.1:9000";
// --https / https:// addresses and their certificate (Listening/): refused at start, before anything is opened.
var listeners = Gateway.Listening.GatewayListeners.Plan(urls, options, out string? listenError);
if (listeners is null)
{
    Console.Error.WriteLine("gateway: " + listenError);
    return GatewayStartup.UsageError;
}
if (listeners.ServesHttps)
{
    // Every address is bound explicitly below; left in place, --urls would make Kestrel warn that it overrides them.
    builder.Services.AddSingleton<IStartupFilter, Gateway.Listening.ExplicitAddressesOnly>();
}
else if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls(urls);
}
// How far a connection may read ahead of the app, in Kestrel and in its socket transport (1 MB each by default, pinned
// memory). A body held back by the request-body budget fills both: 32 waiting chunked uploads pinned 67 MB at the
// defaults, 4.5 MB at 64 KB. It must stay above the request line + header limits (8 + 32 KB).
const int ReadAheadBytes = 64 * 1024;
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    // Every limit a client could push against (header sizes, timeouts, data rates, connections, HTTP/2, the body
    // backstop), each with its reason: Listening/KestrelLimits.cs. Invoke bodies are limited by the endpoint itself.
    Gateway.Listening.KestrelLimits.Apply(kestrel.Limits, ReadAheadBytes, Math.Max(options.SyncPayloadLimit, options.AsyncPayloadLimit));
    // Plain http:// addresses bound from --urls speak HTTP/1.1 only (no h2c); HTTPS ones are set up in Listening/.
    kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1);
    if (listeners.ServesHttps)
    {
        listeners.Listen(kestrel);
    }
});
builder.WebHost.UseSockets(sockets =>
{
    sockets.MaxReadBufferSize = ReadAheadBytes;
    sockets.UnsafePreferInlineScheduling = options.InlineScheduling;
});
// Per-request framework logging costs more than an invocation; warnings and errors still show.
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
// Hosting's diagnostics open a log scope per request whenever Critical is enabled for their category: a scope
// object, the request's TraceIdentifier string and an AsyncLocal (a new ExecutionContext) on every request. They
// only log request start/stop (Information); Kestrel logs unhandled exceptions under its own category.
builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
if (!Gateway.Hosting.StartupFailure.Verbose)
{
    // The host logs a start that failed ("Hosting failed to start" and the stack trace) before Program.cs reports it in
    // one line (a port in use, below; Hosting/StartupFailure.cs for the rest). The gateway runs no hosted service of its
    // own, so this category's errors are only that and a failed stop, which reaches the runtime's report anyway.
    builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
}
builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, GatewayJsonContext.Default));
// --drain-seconds: Kestrel's graceful stop (no new connection, requests in flight finish) gets that long (Hosting/Probes/).
if (options.DrainSeconds > 0)
{
    builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(options.DrainSeconds));
}

var time = TimeProvider.System;
if (!(options.AsyncClockRate > 0))
{
    Console.Error.WriteLine($"[gateway] Gateway:AsyncClockRate must be greater than 0, not {options.AsyncClockRate}.");
    return 1;
}
var asyncTime = AcceleratedTimeProvider.For(time, options.AsyncClockRate); // 1 except in tests
if (!Gateway.RuntimeApi.Kestrel.RuntimeApiServerChoice.IsValid(options.RuntimeApiServer))
{
    Console.Error.WriteLine($"[gateway] Gateway:RuntimeApiServer must be builtin or kestrel, not {options.RuntimeApiServer}.");
    return 1;
}
long largestPayload = Math.Max(options.SyncPayloadLimit, options.AsyncPayloadLimit);
if (options.RequestBodyBufferBytes < largestPayload)
{
    Console.Error.WriteLine($"[gateway] Gateway:RequestBodyBufferBytes must be at least the largest payload limit ({largestPayload} bytes), not {options.RequestBodyBufferBytes}.");
    return 1;
}
var bodyBudget = new RequestBodyBudget(options.RequestBodyBufferBytes);
PayloadSegmentPool.Shared.SetMaxRetainedBytes(options.RequestBodyBufferBytes);
// Before anything in the folder is touched: the clean-up of a killed run's leftovers below would otherwise kill the
// workers of another gateway still using it (Hosting/DataFolderLock.cs). Held until the process exits.
using var dataFolderLock = Gateway.Hosting.DataFolderLock.TryAcquire(Path.GetFullPath(options.DataDirectory), TimeSpan.FromSeconds(10), out string? dataFolderError);
if (dataFolderLock is null)
{
    Console.Error.WriteLine("[gateway] " + dataFolderError); // in use, or a folder that cannot be created or written
    return 1;
}
// The durable Event queue's file: in the data folder unless --event-store-path puts it elsewhere, where the folder's lock
// does not reach, so it has a lock of its own wherever it is (Hosting/EventStoreLock.cs). Cluster mode keeps it in Redis.
var eventStorePath = Path.GetFullPath(string.IsNullOrWhiteSpace(options.EventStorePath) ? Path.Combine(Path.GetFullPath(options.DataDirectory), "events.db") : options.EventStorePath);
string? eventStoreError = null;
using var eventStoreLock = string.IsNullOrWhiteSpace(options.Cluster) ? Gateway.Hosting.EventStoreLock.TryAcquire(eventStorePath, TimeSpan.FromSeconds(10), out eventStoreError) : null;
if (eventStoreLock is null && eventStoreError is not null)
{
    Console.Error.WriteLine("[gateway] " + eventStoreError);
    return 1;
}
EnvironmentServices environmentServices;
try
{
    environmentServices = new EnvironmentServices(options, time);
}
catch (InvalidOperationException ex)
{
    Console.Error.WriteLine("[gateway] " + ex.Message); // --sandbox: an unknown mode, or bwrap asked for and unusable
    return 1;
}
Console.WriteLine("[gateway] " + environmentServices.Sandbox.Description);
Console.WriteLine("[gateway] " + environmentServices.Containment.Description);
if (environmentServices.Containment.UsesCgroups && environmentServices.Containment.CleanLeftovers() is > 0 and var leftoverCgroups)
{
    Console.WriteLine($"[gateway] removed {leftoverCgroups} environment cgroup(s) left over from an earlier run");
}
int leftovers = LeftoverCleanup.Run(environmentServices.RunDirectory, environmentServices.TmpDirectory);
if (leftovers > 0)
{
    Console.WriteLine($"[gateway] killed {leftovers} worker process(es) left over from an earlier run");
}

// Deployment packages and published layers (kept in the data folder; layers in registry.db's layer_versions table),
// opened before the functions file because its entries may name layers.
var codeStore = new Gateway.Functions.Code.CodeStore(environmentServices.DataDirectory);
Gateway.Management.FunctionLayers functionLayers;
try
{
    functionLayers = new Gateway.Management.FunctionLayers(
        new Gateway.Functions.Layers.LayerRegistry(Gateway.Functions.Layers.SqliteLayerStore.Open(Path.Combine(environmentServices.DataDirectory, SqliteRegistryStore.FileName))),
        new Gateway.Functions.Layers.LayerOptDirectories(codeStore), options.Region, options.AccountId);
}
catch (Exception ex) when (ex is RegistryStoreException or IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
{
    Console.Error.WriteLine($"[gateway] cannot open the layer store in {environmentServices.DataDirectory}: {ex.Message}");
    return 1;
}

List<FunctionDefinition> definitions;
try
{
    definitions = string.IsNullOrEmpty(options.Functions) ? [] : FunctionConfigLoader.Load(options.Functions, options.Region, options.AccountId, environmentServices.Runtimes, functionLayers.BindFile);
}
catch (FunctionConfigurationException ex)
{
    Console.Error.WriteLine("[gateway] " + ex.Message);
    return 1;
}

// Cluster mode (--cluster redis://…): null on a single node, and then nothing below touches Redis.
Gateway.Cluster.ClusterConnection? cluster;
try
{
    cluster = await Gateway.ClusterMode.ClusterStartup.ConnectAsync(options);
}
catch (FormatException ex)
{
    Console.Error.WriteLine("[gateway] " + ex.Message);
    return 1;
}
await using var clusterLifetime = cluster;

var invocations = new InvocationPool();
var admission = new Gateway.Admission.AdmissionController(options.ToAdmissionOptions(), time);
var machineLimit = new EnvironmentLimit(options.MaxEnvironments ?? EnvironmentLimit.DefaultFor(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes));

// The registry: the functions file, merged with what the management API changed in earlier runs (registry.db).
SqliteRegistryStore registryStore;
FunctionRegistry registry;
Gateway.ClusterMode.Registry.ClusterRegistry? clusterRegistry = null;
try
{
    registryStore = SqliteRegistryStore.Open(Path.Combine(environmentServices.DataDirectory, SqliteRegistryStore.FileName));
    var fileTime = string.IsNullOrEmpty(options.Functions) ? time.GetUtcNow() : new DateTimeOffset(File.GetLastWriteTimeUtc(options.Functions), TimeSpan.Zero);
    if (cluster is not null)
    {
        // Cluster mode: the registry lives in Redis (shared by every node); the functions file only seeds names the
        // cluster has nothing for (Cluster/Registry/ClusterRegistry.cs explains the rule). registry.db keeps the other stores.
        clusterRegistry = Gateway.ClusterMode.Registry.ClusterRegistry.Open(cluster, codeStore, definitions, fileTime, options.ResetApiChanges,
            TimeSpan.FromSeconds(30), note => Console.WriteLine("[gateway] " + note), functionLayers.OptDirectories);
    }
    else if (!string.IsNullOrWhiteSpace(options.ResetApiChanges))
    {
        int forgotten = registryStore.Forget(options.ResetApiChanges.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        Console.WriteLine($"[gateway] --reset-api-changes: forgot the API's changes to {forgotten} function(s); the functions file applies to them again");
    }
    registryStore.FileFunctions = definitions.Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
    registry = clusterRegistry?.Registry ?? new FunctionRegistry(RegistrySeed.Build(definitions, registryStore.Load(), fileTime, note => Console.WriteLine("[gateway] " + note)), registryStore);
}
catch (Exception ex) when (ex is RegistryStoreException or IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
{
    Console.Error.WriteLine($"[gateway] cannot open the function registry in {environmentServices.DataDirectory}: {ex.Message}");
    return 1;
}
if (Gateway.Management.ManagementEndpoints.SettleLeftovers(registry) is int unsettled and > 0)
{
    Console.WriteLine($"[gateway] settled {unsettled} function(s) an earlier run left Pending or InProgress");
}
// Functions the API created in earlier runs: say which interpreter runs their runtimes (the file's said so as it loaded).
foreach (var record in registry.Current.All)
{
    environmentServices.Runtimes.Announce(record.Latest.Definition.Runtime);
}
var resolver = new FunctionResolver(registry, options.Region, options.AccountId, RoutingRandom.Create(options.AliasRoutingSeed));
int restoredLayerFolders = functionLayers.RestoreMissing(registry.Current.All.SelectMany(f => f.Versions.Values.Append(f.Latest)).Select(v => v.Definition), note => Console.WriteLine("[gateway] " + note));
if (restoredLayerFolders > 0)
{
    Console.WriteLine($"[gateway] made {restoredLayerFolders} merged layer folder(s) again");
}

// Each function's (and version's, and alias's) retries, maximum event age, destinations and dead-letter queue (the
// functions file, then what the API set, persisted in the data folder); a function exists when the registry has it.
// The Event queue reads eventInvokeConfigs.Effective(name) per event (Effective(name, qualifier) for a qualified one).
EventInvokeConfigRegistry eventInvokeConfigs;
try
{
    eventInvokeConfigs = new EventInvokeConfigRegistry(definitions, options.Region, options.AccountId,
        new EventInvokeConfigStore(Path.Combine(environmentServices.DataDirectory, EventInvokeConfigStore.FileName)), time,
        note => Console.WriteLine("[gateway] " + note), functionExists: name => registry.Current.TryGet(name, out _),
        deadLetterOf: (name, qualifier) => registry.Current.TryGet(name, out var function) ? DeadLetters.Of(function, qualifier) : null);
    registry.Subscribe(eventInvokeConfigs); // a deleted function's async settings go with it
}
catch (FunctionConfigurationException ex)
{
    Console.Error.WriteLine("[gateway] " + ex.Message);
    return 1;
}

// Cluster mode: admission decided in Redis (one script per decision), this node's heartbeat and slot reclaim.
Gateway.Admission.IAdmission hostAdmission = admission;
Gateway.ClusterMode.Admission.ClusterAdmissionNode? clusterAdmission = null;
if (cluster is not null)
{
    clusterAdmission = Gateway.ClusterMode.Admission.ClusterAdmissionNode.Start(cluster, admission, options.ToAdmissionOptions(), time, message => Console.WriteLine("[gateway] cluster: " + message));
    hostAdmission = clusterAdmission.Admission;
}
var host = new FunctionHost(environmentServices, hostAdmission, machineLimit, asyncTime);
host.Load(registry, resolver);
using var registryFollower = clusterRegistry;
clusterRegistry?.StartFollowing(); // other nodes' changes reach this host from now on
// A functions file whose reserved concurrency the account cannot give is refused at start, as before.
foreach (var record in registry.Current.All)
{
    if (host.TryGet(record.Name, out var runtime) && runtime.Admission.ReservedConcurrentExecutions != record.ReservedConcurrentExecutions)
    {
        admission.TrySetReservedConcurrency(runtime.Admission, record.ReservedConcurrentExecutions, out var concurrencyError);
        Console.Error.WriteLine($"[gateway] {options.Functions}: function '{record.Name}': {concurrencyError?.ErrorType}: {concurrencyError?.Message}");
        return 1;
    }
}

// Traces: only with an OTLP endpoint; otherwise nothing listens and the invoke path skips tracing (Tracing/).
var tracesEndpoint = Gateway.Tracing.OtlpTracing.TracesEndpoint(options.OtlpEndpoint, Environment.GetEnvironmentVariable);
if (tracesEndpoint is not null && !Gateway.Tracing.OtlpTracing.IsValidEndpoint(tracesEndpoint))
{
    Console.Error.WriteLine($"[gateway] the OTLP endpoint must be an absolute http:// or https:// URL, not '{tracesEndpoint}'.");
    return 1;
}
using var tracerProvider = tracesEndpoint is null ? null : Gateway.Tracing.OtlpTracing.Start(tracesEndpoint, options.Region, options.AccountId);
if (tracesEndpoint is not null)
{
    Console.WriteLine($"[gateway] traces: OTLP http/protobuf to {tracesEndpoint}");
}

var app = builder.Build();
// --runtime-api-server kestrel (RuntimeApi/Kestrel/): Kestrel serves the environments' Runtime API sockets instead of the
// hand-written server; installed before any environment starts, disposed after they have stopped (end of Main).
await using var kestrelRuntimeApi = await Gateway.RuntimeApi.Kestrel.RuntimeApiServerChoice.StartAsync(options, environmentServices,
    app.Services.GetRequiredService<ILoggerFactory>());

// The durable Event queue: opened (and repaired, if a crash left a torn tail) before anything is served.
Gateway.EventStore.IEventStore eventStore;
try
{
    if (cluster is not null)
    {
        // Cluster mode: one queue on Redis Streams shared by every node, so an accepted event outlives this node.
        eventStore = new Gateway.Cluster.Events.RedisStreamEventStore(cluster, Gateway.ClusterMode.ClusterEvents.Options(options),
            message => Console.WriteLine("[gateway] cluster: " + message));
    }
    else
    {
        eventStore = Gateway.EventStore.SqliteEventStore.Open(new() { Path = eventStorePath }, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Gateway.EventStore"));
    }
}
catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
{
    Console.Error.WriteLine($"[gateway] cannot open the event store {eventStorePath}: {ex.Message}");
    return 1;
}
// Destinations of type function invoke another function asynchronously: through the queue built just below.
AsyncInvocations? eventsForDestinations = null;
using var destinations = new Gateway.Async.Destinations.DestinationDelivery(environmentServices.DataDirectory,
    (function, qualifier, payload, cancellationToken) => eventsForDestinations!.InvokeAsync(function, qualifier, payload, cancellationToken), asyncTime);
var events = new AsyncInvocations(eventStore, host, invocations, asyncTime, eventInvokeConfigs.Effective, destinations, options.AsyncEventsInMemory);
eventsForDestinations = events;
// Resource-based policies (Security/Policies/): AddPermission/RemovePermission/GetPolicy, the permission a NONE URL
// needs, and cross-account invokes; in registry.db's function_policies table.
Gateway.Security.Policies.FunctionPolicies functionPolicies;
Gateway.Security.Policies.SqlitePolicyStore policyStore;
try
{
    (functionPolicies, policyStore) = Gateway.Security.Policies.PolicySetup.Open(registry, resolver, options, environmentServices.DataDirectory);
}
catch (Exception ex) when (ex is RegistryStoreException or IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
{
    Console.Error.WriteLine($"[gateway] cannot open the resource policy store in {environmentServices.DataDirectory}: {ex.Message}");
    return 1;
}
using var disposePolicyStore = policyStore;
// --auth sigv4 (Security/Signing/): the credentials file read now; null when authentication is off (nothing registered).
var signing = Gateway.Security.Signing.SigningSetup.Create(options, time, out var authError);
authError ??= Gateway.Security.BrowserRequests.Check(options.BrowserOrigins);
if (authError is not null)
{
    Console.Error.WriteLine("[gateway] " + authError);
    return 1;
}
if (options.InlineScheduling)
{
    Gateway.Hosting.OffTheIoThread.Use(app); // requests run on the socket's I/O thread: only invokes stay there
}
// Function URLs (FunctionUrls/): their API, and the front door for their hosts and /_url/ paths ahead of routing.
Gateway.FunctionUrls.SqliteFunctionUrlStore functionUrlStore;
try
{
    functionUrlStore = Gateway.FunctionUrls.FunctionUrlSetup.Map(app, registry, resolver, options, time, environmentServices.DataDirectory,
        new Gateway.FunctionUrls.FunctionUrlInvoker(resolver, host, invocations, bodyBudget, options, time),
        // The resource-policy check runs after whichever authorizer verifies the caller (signatures with --auth sigv4).
        Gateway.Security.Policies.PolicySetup.UrlAuthorizer(
            signing is null ? new Gateway.FunctionUrls.UnsignedFunctionUrlAuthorizer() : new Gateway.Security.Signing.SigV4FunctionUrlAuthorizer(signing, new Gateway.FunctionUrls.UnsignedFunctionUrlAuthorizer()),
            functionPolicies, options));
}
catch (Exception ex) when (ex is RegistryStoreException or IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
{
    Console.Error.WriteLine($"[gateway] cannot open the function URL store in {environmentServices.DataDirectory}: {ex.Message}");
    return 1;
}
using var disposeFunctionUrlStore = functionUrlStore;
// /_gateway/health and /_gateway/ready answer before authentication (probes cannot sign): Hosting/Probes/HealthProbes.cs.
var probes = new Gateway.Hosting.Probes.HealthProbes();
app.Use(probes.Middleware);
app.Lifetime.ApplicationStarted.Register(probes.MarkStarted);
// Web pages: loopback origins only with --auth none (no page may create and run code here), CORS for allowed ones;
// before SigV4, as a browser's preflight is never signed (Security/BrowserRequests.cs).
var browsers = new Gateway.Security.BrowserRequests(signing is not null, options.BrowserOrigins);
app.Use(next => context => browsers.InvokeAsync(context, next));
if (signing is not null)
{
    // After the URL front door (URLs verify in their authorizer), before every endpoint.
    var sigv4 = new Gateway.Security.Signing.SigV4Middleware(signing);
    app.Use(next => context => sigv4.InvokeAsync(context, next));
    Console.WriteLine("[gateway] auth: sigv4, " + signing.Verifier.Region + ", keys from " + options.Credentials);
}
var invoke = new InvokeEndpoint(resolver, host, invocations, events, bodyBudget, options, time) { Policies = functionPolicies };
// Invocations are recognized here, after the URL front door, the probes and SigV4, and skip endpoint matching
// (Invoke/InvokePath.cs); routing follows for everything else (nothing above reads the endpoint or route values).
InvokePath.UseAheadOfRouting(app, invoke);
app.UseRouting();
app.MapPost("/2015-03-31/functions/{FunctionName}/invocations", invoke.HandleAsync);
app.MapPost("/2021-11-15/functions/{FunctionName}/response-streaming-invocations", invoke.HandleStreamAsync);
app.MapPost("/2014-11-13/functions/{FunctionName}/invoke-async", invoke.HandleInvokeAsyncAsync); // deprecated, still in every SDK
app.MapGet("/_gateway/status", async () => StatusReport.Build(host, environmentServices, invocations, await events.CountersAsync()));
app.MapGet("/metrics", async () => Results.Text(Gateway.Metrics.PrometheusExporter.Render(host, admission, invocations, await events.CountersAsync(), bodyBudget), Gateway.Metrics.PrometheusExporter.ContentType));
// Lambda's management API: each resource in its own file under Management/ (docs/architecture.md).
var management = new ManagementContext { Registry = registry, Resolver = resolver, CodeStore = codeStore, Layers = functionLayers, Options = options, Time = time, Runtimes = environmentServices.Runtimes };
ManagementEndpoints.MapFunctions(app, management);
CodeSigningEndpoints.Map(app, management);
RecursionEndpoints.Map(app, management);
RuntimeManagementEndpoints.Map(app, management);
EventSourceMappingEndpoints.Map(app);
CapacityProviderEndpoints.Map(app, management);
AccountSettingsEndpoint.Map(app, registry, functionLayers.Registry, options);
AliasEndpoints.Map(app, registry, resolver);
ConcurrencyEndpoints.Map(app, registry, resolver, options);
ProvisionedConcurrencyEndpoints.Map(app, registry, resolver, options, time, host);
EventInvokeConfigEndpoints.Map(app, eventInvokeConfigs, resolver);
Gateway.Security.Policies.PolicySetup.Map(app, functionPolicies, resolver); // AddPermission, RemovePermission, GetPolicy
using var logRetention = Gateway.Logs.Api.LogsApi.Map(app, environmentServices, options); // CloudWatch Logs' API for `aws logs`
// The live dashboard at /_gateway/ (Dashboard/): one snapshot a second, shared by every open page.
var predictions = new Gateway.Dashboard.PredictionBoard();
var dashboard = new Gateway.Dashboard.DashboardFeed(new Gateway.Dashboard.SnapshotBuilder(host, admission, events, predictions, time), time,
    ex => Console.Error.WriteLine("[gateway] dashboard snapshot failed: " + ex.Message));
Gateway.Dashboard.DashboardEndpoints.Map(app, host, dashboard, predictions);
app.MapFallback(LambdaErrors.UnknownOperation);

// Pre-fork as soon as the server listens, not while it starts: the gateway's own start-up (Kestrel, the host) and the
// bootstraps' would share the same cores, and each environment would take several times as long to reach /next. An
// invocation that arrives first takes an environment that is still starting rather than forking another.
if (environmentServices.Containment.Users is not null)
{
    // Now that every store exists: closes the data folder to workers (Containment/DataFolderAccess.cs).
    Gateway.Environments.Containment.DataFolderAccess.Apply(environmentServices.DataDirectory, environmentServices.RunDirectory, environmentServices.TmpDirectory);
}
app.Lifetime.ApplicationStarted.Register(() =>
{
    host.Start(TimeSpan.FromSeconds(options.EnvironmentKeepAliveSeconds));
    // While the bootstraps start in their own processes and nothing is in flight yet (Hosting/StartupHeap.cs).
    Gateway.Hosting.StartupHeap.Settle();
    _ = Gateway.Hosting.StartupHeap.SettleWhenProvisionedAsync(host, time, app.Lifetime.ApplicationStopping);
});
await events.StartAsync(); // resumes what an earlier run left in the queue
switch (environmentServices.Spawner.Method)
{
    case Gateway.Native.SpawnMethod.Setpriv:
        Console.WriteLine("[gateway] note: built without gateway_spawn (no C compiler); workers start through setpriv, one exec more each");
        break;
    case Gateway.Native.SpawnMethod.PosixSpawn:
        Console.WriteLine("[gateway] warning: built without gateway_spawn and util-linux 'setpriv' not found; workers will outlive a gateway that is killed with SIGKILL (the next start cleans them up)");
        break;
}

app.Lifetime.ApplicationStopping.Register(() =>
{
    if (options.DrainSeconds > 0)
    {
        // Drain: readiness fails now; Kestrel then stops accepting and waits for requests in flight (their workers
        // stay up); the workers stop after app.RunAsync returns, below.
        probes.BeginDrain();
        return;
    }
    // Kill workers first so in-flight invocations end (with Runtime.ExitError) instead of holding up shutdown.
    events.BeginStop(); // first: outcomes of runs cut short by the shutdown are not recorded (they run again after a restart)
    host.BeginStop();
});
app.Lifetime.ApplicationStarted.Register(Gateway.Hosting.StartupFailure.MarkStarted);
app.Lifetime.ApplicationStarted.Register(() =>
    Console.WriteLine($"[gateway] listening on {string.Join(", ", app.Urls)}; functions: {string.Join(", ", host.All.OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => $"{f.Name} ({f.Pools.Values.Sum(p => p.ProvisionedTarget)} pre-forked)"))}; environment limit {machineLimit.Limit}; data in {environmentServices.DataDirectory}"));

try
{
    try
    {
        await app.StartAsync(); // binds every address: a port in use ends the start here
    }
    catch (Exception ex) when (Gateway.Listening.ListenFailure.Describe(ex, urls, options.Https) is { } listenFailure)
    {
        Console.Error.WriteLine("[gateway] " + listenFailure);
        return 1;
    }
    await app.WaitForShutdownAsync();
}
finally
{
    await app.DisposeAsync(); // as app.RunAsync() did, started or not
    // Also when the host fails to start (e.g. the port is taken): no worker outlives the gateway.
    if (probes.Draining)
    {
        events.BeginStop(); // as the stop without a drain does first (events running now run again later)
    }
    try
    {
        await host.StopAsync(TimeSpan.FromSeconds(5));
    }
    finally
    {
        // What an environment still cleaning up (its log draining past the wait above) would have unmounted: its /tmp
        // (lazily: a process still inside lets go later). The next start would clean it up too; a stopped gateway
        // leaves no mount.
        TmpVolume.RemoveAllUnder(environmentServices.TmpDirectory);
    }
    if (clusterAdmission is not null)
    {
        await clusterAdmission.LeaveAsync(); // after the invocations ended: the lease goes, the slots come back
    }
    await events.DisposeAsync();
    environmentServices.Dispose();
    registryStore.Dispose();
}
return 0;
