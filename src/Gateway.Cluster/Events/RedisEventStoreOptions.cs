namespace Gateway.Cluster.Events;

/// <summary>How the shared Event queue looks after events other nodes left behind.</summary>
public sealed record RedisEventStoreOptions
{
    /// <summary>
    /// How often this node looks for dead nodes' in-flight events (a dead node = its lease key is gone) and for work
    /// other nodes added. A lease lapses 5 s after the last heartbeat, so reclaim happens within lease + this.
    /// <see cref="Timeout.InfiniteTimeSpan"/> turns the background loop off (tests drive it by hand).
    /// </summary>
    public TimeSpan MaintenanceInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The backstop: an in-flight event whose holder has not touched it for this long is taken back whatever the
    /// leases say (a node that hangs with its lease alive, or membership not running). Live nodes touch their
    /// in-flight events every <see cref="TouchInterval"/>, so a long-running or throttled event is never taken
    /// from a live node.
    /// </summary>
    public TimeSpan IdleReclaim { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often a node resets the idle time of the events it holds (well under <see cref="IdleReclaim"/>).</summary>
    public TimeSpan TouchInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Most entries one reclaim or touch script moves (a script blocks Redis while it runs).</summary>
    public int BatchSize { get; init; } = 500;
}
