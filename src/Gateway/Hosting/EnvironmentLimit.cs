namespace Gateway.Hosting;

/// <summary>
/// This machine's cap on live execution environments across every function and version (Gateway:MaxEnvironments):
/// a safety limit of the box, not a Lambda limit. Lambda bounds a function by concurrency and burst; a single machine
/// also runs out of memory and processes, so beyond this many bootstraps a new environment is refused with the
/// gateway's own reason (<c>GatewayEnvironmentLimitExceeded</c>), counted in /metrics.
/// </summary>
internal sealed class EnvironmentLimit(int limit)
{
    /// <summary>Below it a default computed from memory never goes.</summary>
    public const int MinimumDefault = 16;

    private int _live;

    public int Limit { get; } = limit;

    /// <summary>Environments alive (or being started) now.</summary>
    public int Live => Volatile.Read(ref _live);

    /// <summary>The default: one environment per 64 MB of physical memory, at least <see cref="MinimumDefault"/>. A
    /// small bootstrap needs a few MB, a Lambda function's MemorySize is its ceiling; 64 MB keeps a box full of small
    /// functions far from swapping while leaving room for load tests of hundreds of concurrent environments.</summary>
    public static int DefaultFor(long physicalMemoryBytes) => (int)Math.Clamp(physicalMemoryBytes / (64L * 1024 * 1024), MinimumDefault, int.MaxValue);

    /// <summary>Takes room for one more environment; false at the limit.</summary>
    public bool TryTake() => Admission.AtomicCounter.TryIncrementBelow(ref _live, Limit);

    /// <summary>An environment has exited (or was never started).</summary>
    public void Return() => Interlocked.Decrement(ref _live);
}
