namespace Gateway.Dashboard;

/// <summary>
/// One second of the gateway, as the dashboard (<c>/_gateway/</c>) receives it over <c>/_gateway/events</c>. Totals are
/// the same counters <c>/metrics</c> exports (so the two can be compared); rates are their change over
/// <see cref="IntervalSeconds"/>, the time actually elapsed since the previous snapshot.
/// </summary>
internal sealed class DashboardSnapshot
{
    /// <summary>Counts up by one per snapshot while the feed runs.</summary>
    public required long Seq { get; init; }

    public required long TimeUnixMs { get; init; }

    /// <summary>Seconds since the previous snapshot; null for the first one after the feed (re)started, whose rates
    /// are null too.</summary>
    public double? IntervalSeconds { get; init; }

    public required AccountView Account { get; init; }

    public required QueueView Queue { get; init; }

    public required List<FunctionView> Functions { get; init; }
}

internal sealed class AccountView
{
    public required int ConcurrencyLimit { get; init; }

    public required int ConcurrentExecutions { get; init; }

    /// <summary>Account limit − Σ reserved, and what functions without a reservation use of it.</summary>
    public required int UnreservedConcurrencyLimit { get; init; }

    public required int UnreservedConcurrentExecutions { get; init; }

    public required int ReservedConcurrencyTotal { get; init; }

    /// <summary>per-function or account-burst.</summary>
    public required string BurstModel { get; init; }

    public required int BurstCapacity { get; init; }

    public required double BurstRefillPerSecond { get; init; }

    public required long RequestTokensAvailable { get; init; }

    public required int RequestRateMultiplier { get; init; }

    public required int EnvironmentsLive { get; init; }

    public required int EnvironmentsLimit { get; init; }

    public required RateSet Rates { get; init; }
}

/// <summary>The durable Event queue (account-wide, as the store keeps it).</summary>
internal sealed class QueueView
{
    public required long Pending { get; init; }

    public required long InFlight { get; init; }

    public required long OldestAgeMs { get; init; }
}

internal sealed class FunctionView
{
    public required string Name { get; init; }

    public required int ConcurrentExecutions { get; init; }

    /// <summary>Null when the function draws from the unreserved pool.</summary>
    public int? ReservedConcurrentExecutions { get; init; }

    public required long BurstTokensAvailable { get; init; }

    /// <summary>A reserved function's request-rate bucket (null without a reservation).</summary>
    public long? ReservedRequestTokensAvailable { get; init; }

    /// <summary>Environments of every version by state (the same names as /metrics' <c>lambda_environments</c>).</summary>
    public required Dictionary<string, int> Environments { get; init; }

    public required int ProvisionedBusy { get; init; }

    /// <summary>Event invocations held in memory, waiting for an environment.</summary>
    public required int EventsQueued { get; init; }

    public required long EventsReceived { get; init; }

    public required Totals Totals { get; init; }

    public required RateSet Rates { get; init; }

    /// <summary>Duration quantiles of the invocations that ended in the last interval, estimated from the Duration
    /// histogram's buckets (linear within a bucket, as Prometheus' histogram_quantile); null when none ended.</summary>
    public double? P50Ms { get; init; }

    public double? P99Ms { get; init; }

    public PredictionView? Prediction { get; init; }
}

internal sealed class Totals
{
    public required long Invocations { get; init; }

    public required long Errors { get; init; }

    public required long Admitted { get; init; }

    /// <summary>By Lambda's Reason (every reason, zeros included).</summary>
    public required Dictionary<string, long> Throttles { get; init; }
}

/// <summary>Per second over the last interval; null in the first snapshot.</summary>
internal sealed class RateSet
{
    public double? Invocations { get; init; }

    public double? Errors { get; init; }

    public double? Admitted { get; init; }

    public Dictionary<string, double>? Throttles { get; init; }
}

/// <summary>A throttle model's prediction (posted by the load harness) beside what the gateway admitted since.</summary>
internal sealed class PredictionView
{
    public required string Model { get; init; }

    public required string Reason { get; init; }

    public required long StartUnixMs { get; init; }

    /// <summary>Seconds of the run elapsed (capped at its length plus grace).</summary>
    public required double ElapsedSeconds { get; init; }

    public required bool Finished { get; init; }

    /// <summary>Per second of the run, as posted.</summary>
    public required List<PredictedSecond> Seconds { get; init; }

    /// <summary>The prediction summed over the seconds elapsed (the current second pro rata).</summary>
    public required double PredictedAdmitted { get; init; }

    public required double PredictedThrottled { get; init; }

    /// <summary>What the gateway counted since the prediction was posted (frozen when the run and its grace end).</summary>
    public required long Admitted { get; init; }

    public required long Throttled { get; init; }
}
