using System.Collections.Immutable;
using Gateway.Admission;
using Gateway.Async;
using Gateway.Environments;

namespace Gateway.Hosting;

/// <summary>
/// One function as it runs: its admission handle and metrics (shared by all its versions, as reserved concurrency is
/// function-wide on Lambda), its queue of Event invocations, and an environment pool per version. Owned by the
/// <see cref="FunctionHost"/>; the pools map is swapped whole, so readers need no lock.
/// </summary>
internal sealed class FunctionRuntime
{
    private readonly Func<FunctionRuntime, string?, EnvironmentPool?> _resolve;
    private ImmutableDictionary<string, EnvironmentPool> _pools = ImmutableDictionary.Create<string, EnvironmentPool>(StringComparer.Ordinal);

    public FunctionRuntime(string name, string arn, FunctionAdmission admission, Func<FunctionRuntime, string?, EnvironmentPool?> resolve, TimeProvider asyncTime)
    {
        Name = name;
        Arn = arn;
        Admission = admission;
        Events = new EventQueue(this, asyncTime);
        _resolve = resolve;
    }

    public string Name { get; }

    /// <summary>The unqualified ARN.</summary>
    public string Arn { get; }

    public FunctionAdmission Admission { get; }

    public Metrics.FunctionMetrics Metrics { get; } = new();

    /// <summary>X-Ray's default sampling rule for this function (its Active versions share it, as they share one
    /// name in X-Ray): Invoke/TraceSampler.cs.</summary>
    public Invoke.TraceSampler TraceSampler { get; } = new(TimeProvider.System);

    public EventQueue Events { get; }

    /// <summary>Pools by version ($LATEST, "1", …).</summary>
    public ImmutableDictionary<string, EnvironmentPool> Pools => Volatile.Read(ref _pools);

    public bool TryGetPool(string version, out EnvironmentPool pool) => Pools.TryGetValue(version, out pool!);

    /// <summary>The pool an Event with this qualifier runs in now (a weighted alias draws a version); null when the
    /// function no longer has that version or alias.</summary>
    public EnvironmentPool? ResolvePool(string? qualifier) => _resolve(this, qualifier);

    /// <summary>Environments of every version.</summary>
    public IEnumerable<ExecutionEnvironment> Environments() => Pools.Values.SelectMany(p => p.Snapshot());

    /// <summary>Under the host's lock.</summary>
    internal void SetPools(ImmutableDictionary<string, EnvironmentPool> pools) => Volatile.Write(ref _pools, pools);
}
