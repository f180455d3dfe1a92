using Gateway.Admission;
using Gateway.Environments;
using Gateway.Functions;
using Gateway.Functions.Registry;
using Gateway.Hosting;
using Gateway.Invocations;

namespace Gateway.RuntimeApiServers;

/// <summary>
/// The gateway's own Runtime API server (src/Gateway/RuntimeApi) as the product runs it: a <see cref="FunctionHost"/>
/// with one pre-forked environment of a function whose bootstrap is the real runtime under test (sandbox off), and
/// invocations pushed through <see cref="EnvironmentPool.TryDispatch"/> and <see cref="DispatchLease.RunAsync"/>, as
/// the invoke endpoint does after Kestrel has read the caller's request.
/// </summary>
/// <remarks>
/// It does more than <see cref="KestrelRuntimeApi"/> per invocation: the environment's state machine and deadline
/// timer, START/END/REPORT into the environment's log file, metrics, admission. The difference between the two is
/// therefore an upper bound on what the hand-written HTTP layer saves.
/// </remarks>
internal sealed class HandWrittenRuntimeApi : IDisposable
{
    private const string Region = "us-east-1";
    private const string Account = "000000000000";

    private readonly EnvironmentServices _services;
    private readonly FunctionHost _host;
    private readonly EnvironmentPool _pool;
    private readonly InvocationPool _invocations = new();

    public HandWrittenRuntimeApi(string directory, string bootstrap, string handler, IReadOnlyDictionary<string, string> environment)
    {
        string name = "echo";
        var definition = new FunctionDefinition
        {
            Name = name,
            Arn = Arn,
            Version = FunctionVersions.Latest,
            CodeDirectory = Path.GetDirectoryName(bootstrap)!,
            Bootstrap = bootstrap,
            Handler = handler,
            ProvisionedEnvironments = 1,
            MaxEnvironments = 1,
            Environment = environment,
        };
        var registry = new FunctionRegistry(new RegistrySnapshot(1, [new FunctionRecord
        {
            Name = name,
            Arn = Arn,
            Latest = new VersionRecord { Definition = definition, RevisionId = Guid.NewGuid().ToString(), LastModified = DateTimeOffset.UnixEpoch },
        }]), store: null);
        var resolver = new FunctionResolver(registry, Region, Account, RoutingRandom.Create(seed: 1));
        _services = new EnvironmentServices(new GatewayOptions { DataDirectory = directory, Sandbox = "none", RuntimeApiOverTcp = true, EchoFunctionLogs = false }, TimeProvider.System);
        var admission = new AdmissionController(new AdmissionOptions(), TimeProvider.System);
        _host = new FunctionHost(_services, admission, new EnvironmentLimit(EnvironmentLimit.MinimumDefault), TimeProvider.System);
        _host.Load(registry, resolver);
        _host.Start(TimeSpan.Zero);
        if (!_host.TryGet(name, out var function) || !function.TryGetPool(FunctionVersions.Latest, out _pool!))
        {
            throw new InvalidOperationException("no pool");
        }
    }

    public static string Arn => $"arn:aws:lambda:{Region}:{Account}:function:echo";

    /// <summary>The worker's pid once the environment is ready (its runtime called /next).</summary>
    public async Task<int> WaitReadyAsync()
    {
        for (int i = 0; i < 600; i++)
        {
            if (_pool.IdleCount == 1 && _pool.Snapshot() is [{ ProcessId: int pid }])
            {
                return pid;
            }
            await Task.Delay(50).ConfigureAwait(false);
        }
        throw new TimeoutException("the environment did not become ready (is the worker runnable?)");
    }

    /// <summary>Idle-wait spins: how often the driver found the environment not yet offered back after an answer.</summary>
    public long Spins { get; private set; }

    public async Task<int> InvokeAsync(byte[] payload, string requestId)
    {
        var invocation = _invocations.Rent();
        try
        {
            invocation.Request.Write(payload);
            invocation.RequestId = requestId;
            System.Text.Encoding.ASCII.GetBytes(requestId, invocation.RequestIdBytes);
            invocation.Type = InvocationType.RequestResponse;
            invocation.InvokedFunctionArn = Arn;
            invocation.NewTraceId((uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            // One environment: right after an answer it is offered back a moment after the caller's continuation runs.
            while (_pool.IdleCount == 0)
            {
                Spins++;
                await Task.Yield();
            }
            var result = _pool.TryDispatch(invocation, chargeRequest: true, out var lease, out var throttle);
            if (result != DispatchResult.Assigned)
            {
                throw new InvalidOperationException($"dispatch {result} {throttle.Reason}");
            }
            await lease.RunAsync().ConfigureAwait(false);
            if (invocation.FunctionError is { } error)
            {
                throw new InvalidOperationException($"function error {error}: {System.Text.Encoding.UTF8.GetString(invocation.Response.ToArray())}");
            }
            return (int)invocation.Response.Length;
        }
        finally
        {
            _invocations.Return(invocation);
        }
    }

    public void Dispose()
    {
        _host.BeginStop();
        _host.StopAsync(TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
        _services.Dispose();
    }
}
