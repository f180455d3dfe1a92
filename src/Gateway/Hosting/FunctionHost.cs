using System.Collections.Frozen;
using System.Collections.Immutable;
using Gateway.Admission;
using Gateway.Environments;
using Gateway.Functions;
using Gateway.Functions.Registry;

namespace Gateway.Hosting;

/// <summary>
/// Runs what the registry describes: a <see cref="FunctionRuntime"/> per function and an <see cref="EnvironmentPool"/>
/// per (function, version). It follows every registry change (<see cref="Apply"/>, called before the change is
/// published, so a reader never resolves a version that has no pool yet):
/// <list type="bullet">
/// <item><b>Add</b> a function or a published version: a new pool (pre-forking once the host has started).</item>
/// <item><b>Update</b> $LATEST's code or configuration: its pool starts new environments on the new definition and
/// drains the old ones (in-flight invocations finish; none is killed mid-invocation).</item>
/// <item><b>Remove</b> a version or a whole function: its pools retire (idle environments stop, busy ones when done).</item>
/// <item>Reserved concurrency goes to admission; provisioned concurrency on a version or an alias becomes pre-forked
/// environments of the version(s) it names (split by weight for a weighted alias).</item>
/// </list>
/// </summary>
internal sealed class FunctionHost : IRegistryListener, IProvisionedStatus
{
    private readonly EnvironmentServices _services;
    private readonly IAdmission _admission;
    private readonly EnvironmentLimit _machine;
    private readonly TimeProvider _asyncTime;
    private readonly Lock _lock = new();
    private FrozenDictionary<string, FunctionRuntime> _functions = FrozenDictionary<string, FunctionRuntime>.Empty;
    private readonly HashSet<EnvironmentPool> _draining = [];
    private FunctionResolver? _resolver;
    private TimeSpan _keepAlive;
    private bool _started;
    private bool _stopping;

    public FunctionHost(EnvironmentServices services, IAdmission admission, EnvironmentLimit machine, TimeProvider asyncTime)
    {
        _services = services;
        _admission = admission;
        _machine = machine;
        _asyncTime = asyncTime;
    }

    /// <summary>A function was added at run time (the Event queue starts its consumer).</summary>
    public event Action<FunctionRuntime>? FunctionAdded;

    /// <summary>A function was removed at run time (the Event queue stops its consumer).</summary>
    public event Action<FunctionRuntime>? FunctionRemoved;

    public IAdmission Admission => _admission;

    public EnvironmentLimit MachineLimit => _machine;

    public IEnumerable<FunctionRuntime> All => Volatile.Read(ref _functions).Values;

    public bool TryGet(string name, out FunctionRuntime function) => Volatile.Read(ref _functions).TryGetValue(name, out function!);

    /// <summary>The pool of a resolved target: two lock-free lookups, no allocation.</summary>
    public bool TryGetPool(in ResolvedTarget target, out EnvironmentPool pool)
    {
        pool = null!;
        return TryGet(target.Function.Name, out var function) && function.TryGetPool(target.Version.Version, out pool);
    }

    /// <summary>Builds the runtimes for the registry's first snapshot (nothing starts until <see cref="Start"/>).</summary>
    public void Load(FunctionRegistry registry, FunctionResolver resolver)
    {
        _resolver = resolver;
        Apply(RegistrySnapshot.Empty, registry.Current);
        registry.Subscribe(this);
    }

    /// <summary>Once the server listens: scale-down timers and pre-forked environments for every pool.</summary>
    public void Start(TimeSpan keepAlive)
    {
        FunctionRuntime[] functions;
        lock (_lock)
        {
            _started = true;
            _keepAlive = keepAlive;
            functions = [.. _functions.Values];
        }
        foreach (var pool in functions.SelectMany(f => f.Pools.Values))
        {
            StartPool(pool);
        }
    }

    public void Apply(RegistrySnapshot previous, RegistrySnapshot next)
    {
        List<EnvironmentPool> toStart = [];
        List<FunctionRuntime> added = [], removed = [];
        lock (_lock)
        {
            var functions = new Dictionary<string, FunctionRuntime>(_functions, StringComparer.Ordinal);
            foreach (var record in next.All)
            {
                previous.TryGet(record.Name, out var before);
                if (ReferenceEquals(before, record) && functions.ContainsKey(record.Name))
                {
                    continue;
                }
                if (!functions.TryGetValue(record.Name, out var runtime))
                {
                    runtime = new FunctionRuntime(record.Name, record.Arn, _admission.Register(record.Name), ResolvePool, _asyncTime);
                    functions[record.Name] = runtime;
                    added.Add(runtime);
                }
                Reconcile(runtime, record, toStart);
            }
            foreach (var (name, runtime) in _functions)
            {
                if (!next.TryGet(name, out _))
                {
                    functions.Remove(name);
                    removed.Add(runtime);
                }
            }
            Volatile.Write(ref _functions, functions.ToFrozenDictionary(StringComparer.Ordinal));
            if (!_started || _stopping)
            {
                toStart.Clear();
            }
        }
        foreach (var runtime in removed)
        {
            // Its provisioned concurrency first: without a reservation it is held back from the unreserved pool.
            runtime.Admission.ProvisionedConcurrency = 0;
            _admission.TrySetReservedConcurrency(runtime.Admission, null, out _);
            lock (_lock)
            {
                foreach (var pool in runtime.Pools.Values)
                {
                    RetireLocked(pool);
                }
            }
            FunctionRemoved?.Invoke(runtime);
        }
        foreach (var pool in toStart)
        {
            StartPool(pool);
        }
        foreach (var runtime in added)
        {
            FunctionAdded?.Invoke(runtime);
        }
    }

    /// <summary>Brings one function's pools and settings in line with its record (under the host's lock).</summary>
    private void Reconcile(FunctionRuntime runtime, FunctionRecord record, List<EnvironmentPool> toStart)
    {
        if (runtime.Admission.ReservedConcurrentExecutions != record.ReservedConcurrentExecutions
            && !_admission.TrySetReservedConcurrency(runtime.Admission, record.ReservedConcurrentExecutions, out var error))
        {
            // The management API validates first; this only happens for a functions file that asks for too much.
            Console.Error.WriteLine($"[gateway] {record.Name}: reserved concurrency {record.ReservedConcurrentExecutions} not applied: {error.Message}");
        }

        var pools = runtime.Pools;
        var builder = pools.ToBuilder();
        foreach (var version in record.Versions.Values.Prepend(record.Latest))
        {
            if (builder.TryGetValue(version.Version, out var pool))
            {
                pool.Update(version.Definition); // a no-op unless $LATEST changed
            }
            else
            {
                pool = new EnvironmentPool(_services, version.Definition, _admission, runtime.Admission, _machine, runtime.Metrics);
                builder[version.Version] = pool;
                toStart.Add(pool);
            }
            pool.TraceSampler = version.TracingMode == "Active" ? runtime.TraceSampler : null;
        }
        foreach (var (version, pool) in pools)
        {
            if (record.FindVersion(version) is null)
            {
                builder.Remove(version);
                RetireLocked(pool);
            }
        }
        var provisioned = ProvisionedByVersion(record);
        foreach (var (version, pool) in builder)
        {
            // Nothing starts before Start (Load runs while the gateway is still being built).
            pool.SetProvisionedConcurrency(provisioned.GetValueOrDefault(version), start: _started && !_stopping);
        }
        // What the reservation leaves to on-demand environments is the rest (FunctionAdmission.ProvisionedConcurrency).
        runtime.Admission.ProvisionedConcurrency = record.ProvisionedConcurrency.Values.Sum(static c => c.Requested);
        runtime.SetPools(builder.ToImmutable());
    }

    /// <summary>Provisioned concurrency per version: a version's own config plus its share of each alias's (an alias
    /// with RoutingConfig splits it by weight, as Lambda does).</summary>
    private static Dictionary<string, int> ProvisionedByVersion(FunctionRecord record)
    {
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (qualifier, config) in record.ProvisionedConcurrency)
        {
            if (record.Aliases.TryGetValue(qualifier, out var alias))
            {
                int remaining = config.Requested;
                foreach (var (version, weight) in alias.AdditionalVersionWeights)
                {
                    int share = (int)Math.Round(config.Requested * weight, MidpointRounding.AwayFromZero);
                    result[version] = result.GetValueOrDefault(version) + share;
                    remaining -= share;
                }
                result[alias.FunctionVersion] = result.GetValueOrDefault(alias.FunctionVersion) + Math.Max(0, remaining);
            }
            else
            {
                result[qualifier] = result.GetValueOrDefault(qualifier) + config.Requested;
            }
        }
        return result;
    }

    /// <summary>A removed pool stays known until its last environment exits, so shutdown still stops it.</summary>
    private void RetireLocked(EnvironmentPool pool)
    {
        _draining.Add(pool);
        pool.Retire();
        _ = pool.Drained.ContinueWith(_ =>
        {
            lock (_lock)
            {
                _draining.Remove(pool);
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private EnvironmentPool[] AllPoolsLocked() => _functions.Values.SelectMany(f => f.Pools.Values).Concat(_draining).ToArray();

    private void StartPool(EnvironmentPool pool)
    {
        pool.StartScaleDown(_keepAlive);
        pool.StartProvisioned();
    }

    /// <summary>The pool an Event runs in: resolved when it is dispatched, through the current registry snapshot.</summary>
    private EnvironmentPool? ResolvePool(FunctionRuntime runtime, string? qualifier)
    {
        var resolver = _resolver!;
        if (!resolver.Registry.Current.TryGet(runtime.Name, out var record)
            || !resolver.TryResolveQualifier(record, qualifier, pickWeighted: true, out var target, out _))
        {
            return null;
        }
        return runtime.TryGetPool(target.Version.Version, out var pool) ? pool : null;
    }

    public int ReadyEnvironments(string functionName, string version) =>
        TryGet(functionName, out var function) && function.TryGetPool(version, out var pool) ? pool.ReadyProvisioned : 0;

    /// <summary>Shutdown: every pool stops taking invocations and kills its environments.</summary>
    public void BeginStop()
    {
        EnvironmentPool[] pools;
        lock (_lock)
        {
            _stopping = true;
            pools = AllPoolsLocked();
        }
        foreach (var pool in pools)
        {
            pool.BeginStop();
        }
    }

    /// <summary>Kills every environment and waits (bounded) for them to exit.</summary>
    public Task StopAsync(TimeSpan timeout)
    {
        EnvironmentPool[] pools;
        lock (_lock)
        {
            _stopping = true;
            pools = AllPoolsLocked();
        }
        return Task.WhenAll(pools.Select(p => p.StopAsync(timeout)));
    }
}
