using BenchmarkDotNet.Attributes;
using Gateway.Admission;
using Gateway.Environments;
using Gateway.Functions;
using Gateway.Functions.Registry;
using Gateway.Hosting;
using Gateway.Invoke;

namespace Gateway.Benchmarks;

/// <summary>
/// The invoke path from a function name to an admitted invocation, on the product's own methods (docs/architecture.md):
/// <see cref="FunctionResolver.TryParse"/> + <see cref="FunctionResolver.TryResolveForInvoke"/> over a registry of
/// <see cref="DispatchPathFixture.FunctionCount"/> functions, <see cref="FunctionHost.TryGetPool"/>, all of it as the invoke
/// endpoint calls it (<see cref="SyncDispatch.TryResolve"/>), and
/// <see cref="AdmissionController.TryAdmit"/> + <see cref="AdmissionController.Release(ref AdmissionTicket)"/>.
/// </summary>
/// <remarks>
/// <para>The host is the real <see cref="FunctionHost"/>, loaded from the registry but never started: it has a
/// runtime per function and a pool per version, and no environment (its <see cref="EnvironmentServices"/> starts the
/// spawner and reaper threads, which wait, and no process).</para>
/// <para>Not here: <see cref="EnvironmentPool.TryDispatch"/> on a pool with an idle environment. An environment is
/// idle only after its bootstrap process has started, connected to the environment's Runtime API socket and called
/// /next (<see cref="ExecutionEnvironment.OnNext"/> takes that <c>RuntimeApiConnection</c>); a micro-benchmark that
/// starts processes and sockets measures them, not the dispatch. The load tests (docs/loadtests.md) cover it.</para>
/// </remarks>
[MemoryDiagnoser]
[GcServer(false)]
[GcConcurrent(false)]
public class DispatchPathBenchmarks
{
    private FunctionResolver _resolver = null!;
    private FunctionHost _host = null!;
    private EnvironmentServices _services = null!;
    private AdmissionController _admission = null!;
    private FunctionAdmission _warm = null!;
    private ResolvedTarget _latest;
    private EnvironmentPool _latestPool = null!;
    private readonly Gateway.Invocations.Invocation _traced = new();
    private readonly Microsoft.AspNetCore.Http.HeaderDictionary _noTraceHeaders = new();
    private readonly Microsoft.AspNetCore.Http.HeaderDictionary _completeTraceHeaders = new();

    // Fresh strings (not literals), as a decoded request path and query would be.
    private string _bareName = null!;
    private string _versionName = null!;
    private string _versionQualifier = null!;
    private string _aliasQualifier = null!;

    [GlobalSetup]
    public void Setup()
    {
        _bareName = string.Concat("function-", "17");
        _versionName = string.Concat(_bareName, ":3");
        _versionQualifier = new string('3', 1);
        _aliasQualifier = string.Concat("li", "ve");

        var registry = new FunctionRegistry(DispatchPathFixture.Snapshot(), store: null);
        _resolver = new FunctionResolver(registry, DispatchPathFixture.Region, DispatchPathFixture.AccountId, RoutingRandom.Create(seed: 42));

        // Default (AWS) limits; the stepping clock keeps the request-rate buckets from emptying (see SteppingClock).
        _admission = new AdmissionController(new AdmissionOptions(), new SteppingClock());
        var options = new GatewayOptions { DataDirectory = Path.Combine(Path.GetTempPath(), "gateway-bench-" + Guid.NewGuid().ToString("N")) };
        _services = new EnvironmentServices(options, new QuietTimeProvider());
        _host = new FunctionHost(_services, _admission, new EnvironmentLimit(EnvironmentLimit.MinimumDefault), TimeProvider.System);
        _host.Load(registry, _resolver);
        _resolver.TryParse(_bareName, null, out var latestReference, out _);
        _resolver.TryResolveForInvoke(latestReference, out var latestTarget, out _);
        _host.TryGetPool(latestTarget, out _latestPool);
        _latestPool.TraceSampler = new TraceSampler(TimeProvider.System); // TracingConfig Active
        _completeTraceHeaders["X-Amzn-Trace-Id"] = string.Concat("Root=1-5759e988-bd862e3fe1be46a994272793;", "Parent=53995c3f42cd8ad8;Sampled=1");

        Check();
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    /// <summary>An unqualified name: the parser's fast path, one frozen-dictionary read, $LATEST.</summary>
    [Benchmark(Baseline = true)]
    public int Resolve_BareName() => Resolve(_bareName, null);

    /// <summary><c>?Qualifier=3</c>: a published version.</summary>
    [Benchmark]
    public int Resolve_Version() => Resolve(_bareName, _versionQualifier);

    /// <summary><c>function-17:3</c>: the same version named in the path (the parser splits the name).</summary>
    [Benchmark]
    public int Resolve_VersionInName() => Resolve(_versionName, null);

    /// <summary><c>?Qualifier=live</c>: an alias with RoutingConfig, drawing from a seeded <see cref="IRoutingRandom"/>.</summary>
    [Benchmark]
    public int Resolve_WeightedAlias() => Resolve(_bareName, _aliasQualifier);

    /// <summary>The pool of a resolved target: the host's function map, then the function's version map.</summary>
    [Benchmark]
    public int HostLookup() => _host.TryGetPool(_latest, out var pool) ? pool.Version.Length : -1;

    /// <summary>The registry lookup as the invoke endpoint makes it: <see cref="SyncDispatch.TryResolve"/> (parse, resolve,
    /// the function's runtime and the version's pool, the Active check) for an unqualified name.</summary>
    [Benchmark]
    public int InvokeLookup() =>
        SyncDispatch.TryResolve(_resolver, _host, _bareName, null, out _, out _, out _, out var pool, out _) ? pool.Version.Length : -1;

    /// <summary>The trace header of an Active function's invocation without a caller's (tracing off):
    /// <see cref="SyncDispatch.AssignTrace"/> samples (<see cref="TraceSampler"/>: a CAS, a draw) and keeps the new
    /// header's seconds and random bytes in the invocation, no string.</summary>
    [Benchmark]
    public int AssignTrace_NewActive()
    {
        SyncDispatch.AssignTrace(_traced, _latestPool, _latest, _noTraceHeaders, received: 0, isEvent: false, TimeProvider.System);
        return _traced.RequestIdBytes.Length;
    }

    /// <summary>A caller's complete X-Ray header: read (TraceHeaders.TryReadXRay, spans only) and passed on as it is.</summary>
    [Benchmark]
    public int AssignTrace_CallerComplete()
    {
        SyncDispatch.AssignTrace(_traced, _latestPool, _latest, _completeTraceHeaders, received: 0, isEvent: false, TimeProvider.System);
        return _traced.TraceId.Length;
    }

    /// <summary>A sync invoke admitted on a warm function (no burst token: no new environment), then released.</summary>
    [Benchmark]
    public int Admission_AdmitRelease()
    {
        var decision = _admission.TryAdmit(_warm, needsNewEnvironment: false, out var ticket);
        _admission.Release(ref ticket);
        return (int)decision.Reason;
    }

    private int Resolve(string name, string? qualifier) =>
        _resolver.TryParse(name, qualifier, out var reference, out _) && _resolver.TryResolveForInvoke(reference, out var target, out _)
            ? target.Version.Version.Length
            : -1;

    /// <summary>The inputs must take the paths the rows are named after.</summary>
    private void Check()
    {
        if (!_resolver.TryParse(_bareName, null, out var reference, out _) || !_resolver.TryResolveForInvoke(reference, out _latest, out _)
            || _latest.Version.Version != FunctionVersions.Latest || _latest.Qualifier is not null)
        {
            throw new InvalidOperationException("the bare name did not resolve to $LATEST");
        }
        foreach (var (name, qualifier) in new[] { (_bareName, _versionQualifier), (_versionName, (string?)null) })
        {
            if (!_resolver.TryParse(name, qualifier, out reference, out _) || !_resolver.TryResolveForInvoke(reference, out var version, out _)
                || version.Version.Version != "3" || version.Alias is not null)
            {
                throw new InvalidOperationException($"{name} ?Qualifier={qualifier} did not resolve to version 3");
            }
        }
        var drawn = new HashSet<string>();
        for (int i = 0; i < 1000; i++)
        {
            if (!_resolver.TryParse(_bareName, _aliasQualifier, out reference, out _) || !_resolver.TryResolveForInvoke(reference, out var aliased, out _)
                || aliased.Alias?.Name != DispatchPathFixture.WeightedAlias)
            {
                throw new InvalidOperationException("the weighted alias did not resolve");
            }
            drawn.Add(aliased.Version.Version);
        }
        if (!drawn.SetEquals(["2", "3"]))
        {
            throw new InvalidOperationException($"the weighted alias drew {string.Join(",", drawn)}, not both 2 and 3");
        }
        if (!_host.TryGetPool(_latest, out var pool) || pool.Function.Name != DispatchPathFixture.Target || pool.Version != FunctionVersions.Latest || pool.Count != 0)
        {
            throw new InvalidOperationException("the host has no empty $LATEST pool for the target");
        }
        if (InvokeLookup() != FunctionVersions.Latest.Length)
        {
            throw new InvalidOperationException("SyncDispatch.TryResolve did not find the target's $LATEST pool");
        }
        if (!_host.TryGet(DispatchPathFixture.Target, out var runtime))
        {
            throw new InvalidOperationException("the host has no runtime for the target");
        }
        _warm = runtime.Admission;
        // Every admission admitted (the stepping clock refills faster than admissions take): no row measures a throttle.
        for (int i = 0; i < 100_000; i++)
        {
            if (Admission_AdmitRelease() != (int)ThrottleReason.None)
            {
                throw new InvalidOperationException($"admission throttled after {i} admissions");
            }
        }
        if (_admission.ConcurrentExecutions != 0 || _warm.ConcurrentExecutions != 0)
        {
            throw new InvalidOperationException("admission did not release");
        }
    }
}
