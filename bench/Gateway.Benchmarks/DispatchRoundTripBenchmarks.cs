using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using Gateway.Admission;
using Gateway.Environments;
using Gateway.Functions;
using Gateway.Functions.Registry;
using Gateway.Hosting;
using Gateway.Invocations;
using Gateway.Invoke;

namespace Gateway.Benchmarks;

/// <summary>
/// One synchronous 64 B invocation through the dispatch path itself, on the product's own objects and in the invoke
/// endpoint's order: an <see cref="InvocationPool"/> rental, <see cref="SyncDispatch.TryResolve"/> (the registry lookup:
/// name → version → function runtime → pool), <see cref="SyncDispatch.TryDispatch"/> (<see cref="EnvironmentPool.TryDispatch"/>:
/// admission, the idle stack, the environment's state machine), <see cref="DispatchLease.RunAsync"/> (the /next head and
/// body written by a real <c>RuntimeApiConnection</c> to a real Unix socket), the connection reading the runtime's POST
/// /response into the pooled response, the invocation's ending (START/END/REPORT into the environment's log file,
/// metrics), and the response's pooled segments as the invoke endpoint hands them to Kestrel.
/// </summary>
/// <remarks>
/// <para>The environment is a real <see cref="ExecutionEnvironment"/> of a real <see cref="FunctionHost"/> (pre-forked,
/// sandbox off); its bootstrap is <c>sleep</c>, and the runtime is <see cref="FakeRuntimePeer"/>, in this process, on the
/// environment's own Runtime API socket. BenchmarkDotNet counts allocations process-wide, so what the connection's loop
/// allocates on the socket engine's threads is counted too: a change anywhere on pool → environment → connection →
/// response shows. Threads as the gateway runs by default (--inline-scheduling): socket completions inline, the
/// invocation completed on the thread that reads the runtime's answer.</para>
/// <para>Not here: Kestrel's side (parsing the caller's request, writing the response), which is the framework's.
/// <c>bench/Gateway.Benchmarks -- --trace-allocations</c> (<see cref="AllocationTrace"/>) names the types this row
/// allocates, when it allocates.</para>
/// </remarks>
[MemoryDiagnoser]
[GcServer(false)]
[GcConcurrent(false)]
public class DispatchRoundTripBenchmarks
{
    private const int BodyLength = 64;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gateway-bench-dispatch-" + Guid.NewGuid().ToString("N"));
    private readonly byte[] _payload = [.. "{\"p\":\""u8, .. Enumerable.Repeat((byte)'x', BodyLength - 9), .. "\"}"u8, (byte)'\n'];
    private EnvironmentServices _services = null!;
    private FunctionHost _host = null!;
    private EnvironmentPool _pool = null!;
    private FunctionResolver _resolver = null!;
    private string _name = null!;
    private InvocationPool _invocations = null!;
    private FakeRuntimePeer _peer = null!;
    private string _requestId = null!;
    private string _arn = null!;
    private AllocationTrace.TickListener? _trace;

    [GlobalSetup]
    public void Setup()
    {
        // As the gateway runs by default (--inline-scheduling, Program.cs): socket completions on the socket engine's
        // threads, not queued to the thread pool. Read when the process's first socket is registered, which is this
        // class's (BenchmarkDotNet runs each class in its own process; in-process, no earlier benchmark opens a socket).
        Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        string code = Path.Combine(_directory, "code");
        Directory.CreateDirectory(code);
        string bootstrap = Path.Combine(code, "bootstrap");
        File.WriteAllText(bootstrap, "#!/bin/sh\nexec sleep 100000\n"); // the runtime is the benchmark itself
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("workers are Linux processes");
        }
        File.SetUnixFileMode(bootstrap, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        const string name = "echo";
        _arn = $"arn:aws:lambda:{DispatchPathFixture.Region}:{DispatchPathFixture.AccountId}:function:{name}";
        var definition = new FunctionDefinition
        {
            Name = name,
            Arn = _arn,
            Version = FunctionVersions.Latest,
            CodeDirectory = code,
            Bootstrap = bootstrap,
            Handler = "handler",
            ProvisionedEnvironments = 1,
        };
        var registry = new FunctionRegistry(new RegistrySnapshot(1, [new FunctionRecord
        {
            Name = name,
            Arn = _arn,
            Latest = new VersionRecord { Definition = definition, RevisionId = Guid.NewGuid().ToString(), LastModified = DateTimeOffset.UnixEpoch },
        }]), store: null);
        var resolver = new FunctionResolver(registry, DispatchPathFixture.Region, DispatchPathFixture.AccountId, RoutingRandom.Create(seed: 42));
        _resolver = resolver;
        _name = string.Concat("ec", "ho"); // a fresh string, as a decoded request path would be

        var options = new GatewayOptions { DataDirectory = Path.Combine(_directory, "data"), Sandbox = "none", RuntimeApiOverTcp = false, EchoFunctionLogs = false };
        _services = new EnvironmentServices(options, new QuietTimeProvider());
        // The stepping clock keeps Lambda's request-rate bucket (10,000/s by default) from throttling 16,384 fast operations.
        _host = new FunctionHost(_services, new AdmissionController(new AdmissionOptions(), new SteppingClock()), new EnvironmentLimit(EnvironmentLimit.MinimumDefault), TimeProvider.System);
        _host.Load(registry, resolver);
        _host.Start(TimeSpan.Zero);
        if (!_host.TryGet(name, out var function) || !function.TryGetPool(FunctionVersions.Latest, out _pool))
        {
            throw new InvalidOperationException("no $LATEST pool");
        }
        var environment = WaitFor(() => _pool.Snapshot() is [var e] ? e : null, "the pre-forked environment");
        string socket = Path.Combine(_services.RunDirectory, environment.Id + ".sock");
        WaitFor(() => File.Exists(socket) ? socket : null, "the environment's Runtime API socket");

        _invocations = new InvocationPool();
        _requestId = Guid.NewGuid().ToString("D");
        _peer = new FakeRuntimePeer(socket, _requestId, BodyLength);
        _peer.AskForFirstEvent();
        WaitFor(() => _pool.IdleCount == 1 ? _pool : null, "the environment to become idle");

        for (int i = 0; i < 100; i++)
        {
            if (SyncInvoke_64B() != BodyLength)
            {
                throw new InvalidOperationException("the response is not the runtime's 64 bytes");
            }
        }
        if (_pool.Count != 1 || _invocations.Outstanding != 0)
        {
            throw new InvalidOperationException($"{_pool.Count} environments, {_invocations.Outstanding} invocations outstanding: not the one warm environment the row is about");
        }
        if (Environment.GetEnvironmentVariable("GATEWAY_TRACE_ALLOCATIONS") == "1")
        {
            _trace = new AllocationTrace.TickListener();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _trace?.Print(1);
        _trace?.Dispose();
        _peer.Dispose();
        _host.BeginStop();
        _host.StopAsync(TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
        _services.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Rent, dispatch to the warm environment, the runtime's answer, the response's segments, return.</summary>
    [Benchmark]
    public int SyncInvoke_64B()
    {
        var invocation = _invocations.Rent();
        invocation.Request.Write(_payload.AsSpan(0, BodyLength));
        invocation.RequestId = _requestId;
        System.Text.Encoding.ASCII.GetBytes(_requestId, invocation.RequestIdBytes);
        invocation.Type = InvocationType.RequestResponse;
        invocation.InvokedFunctionArn = _arn; // InvokeEndpoint: target.InvokedArn, the same string
        invocation.NewTraceId(1_765_000_000, sampled: false);
        invocation.CompleteInline = true; // as InvokeEndpoint sets it for a buffered sync invoke under --inline-scheduling
        if (!SyncDispatch.TryResolve(_resolver, _host, _name, null, out var reference, out var target, out _, out var pool, out _)
            || SyncDispatch.TryDispatch(_resolver, _host, reference, ref target, ref pool, invocation, out var lease, out var throttle) != DispatchResult.Assigned)
        {
            throw new InvalidOperationException("not resolved or not dispatched");
        }
        var run = lease.RunAsync();
        _peer.AnswerOneEvent();

        // The invoke endpoint awaits the lease; here the benchmark's thread polls it (awaiting would measure a
        // continuation of the benchmark's own), then waits for the environment to be offered again, as it is
        // right after the answer: otherwise the next row could find no idle environment and start a new one.
        var spin = default(SpinWait);
        while (!run.IsCompleted || _pool.IdleCount == 0)
        {
            spin.SpinOnce();
        }
        run.GetAwaiter().GetResult();

        int length = 0;
        foreach (var segment in invocation.Response.Segments) // what InvokeEndpoint.WriteResultAsync writes to Kestrel
        {
            length += segment.Count;
        }
        _invocations.Return(invocation);
        return length;
    }

    private static T WaitFor<T>(Func<T?> probe, string what) where T : class
    {
        for (int i = 0; i < 300; i++)
        {
            if (probe() is { } value)
            {
                return value;
            }
            Thread.Sleep(100);
        }
        throw new InvalidOperationException($"timed out waiting for {what}");
    }
}
