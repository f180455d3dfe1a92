using Gateway.Admission;
using Gateway.Async;
using Gateway.Environments;
using Gateway.Hosting;
using Gateway.Metrics;

namespace Gateway.Dashboard;

/// <summary>
/// Builds one <see cref="DashboardSnapshot"/> from the counters the gateway already keeps (the ones /metrics reads),
/// remembering the previous totals to turn them into per-second rates. Called by <see cref="DashboardFeed"/>'s one
/// timer only, so its state needs no lock; the invoke path is never touched.
/// </summary>
internal sealed class SnapshotBuilder(FunctionHost host, AdmissionController admission, AsyncInvocations events, PredictionBoard predictions, TimeProvider time)
{
    private static readonly ThrottleReason[] Reasons =
    [
        ThrottleReason.ConcurrentInvocationLimitExceeded,
        ThrottleReason.ReservedFunctionConcurrentInvocationLimitExceeded,
        ThrottleReason.FunctionInvocationRateLimitExceeded,
        ThrottleReason.ReservedFunctionInvocationRateLimitExceeded,
        ThrottleReason.GatewayEnvironmentLimitExceeded,
    ];

    private static readonly EnvironmentState[] States = Enum.GetValues<EnvironmentState>();
    private static readonly string[] StateNames = [.. States.Select(s => s.ToString().ToLowerInvariant())];

    private Dictionary<FunctionRuntime, Counters> _previous = [];
    private long _previousTimestamp;
    private long _seq;

    /// <summary>Forget the previous totals (the feed restarts after a pause: its first rates would span the pause).</summary>
    public void Reset()
    {
        _previous = [];
        _previousTimestamp = 0;
    }

    public async Task<DashboardSnapshot> BuildAsync()
    {
        var queue = await events.CountersAsync().ConfigureAwait(false);
        long timestamp = time.GetTimestamp();
        long nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        double? interval = _previousTimestamp == 0 ? null : time.GetElapsedTime(_previousTimestamp, timestamp).TotalSeconds;
        var current = new Dictionary<FunctionRuntime, Counters>();
        var functions = new List<FunctionView>();
        double accountInvocations = 0, accountErrors = 0, accountAdmitted = 0;
        var accountThrottles = Reasons.ToDictionary(r => r.ToWireName(), _ => 0.0);
        foreach (var f in host.All.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            var now = Counters.Read(f);
            current[f] = now;
            RateSet rates = new();
            double? p50 = null, p99 = null;
            if (interval is double seconds && seconds > 0 && _previous.TryGetValue(f, out var before))
            {
                var throttleRates = new Dictionary<string, double>(Reasons.Length);
                for (int i = 0; i < Reasons.Length; i++)
                {
                    double rate = (now.Throttles[i] - before.Throttles[i]) / seconds;
                    throttleRates[Reasons[i].ToWireName()] = rate;
                    accountThrottles[Reasons[i].ToWireName()] += rate;
                }
                rates = new RateSet
                {
                    Invocations = (now.Invocations - before.Invocations) / seconds,
                    Errors = (now.Errors - before.Errors) / seconds,
                    Admitted = (now.Admitted - before.Admitted) / seconds,
                    Throttles = throttleRates,
                };
                accountInvocations += rates.Invocations.Value;
                accountErrors += rates.Errors.Value;
                accountAdmitted += rates.Admitted.Value;
                var delta = new long[now.Buckets.Length];
                for (int i = 0; i < delta.Length; i++)
                {
                    delta[i] = now.Buckets[i] - before.Buckets[i];
                }
                p50 = IntervalQuantiles.Estimate(delta, 0.5);
                p99 = IntervalQuantiles.Estimate(delta, 0.99);
            }
            var environments = f.Environments().ToArray();
            var byState = new Dictionary<string, int>(States.Length);
            for (int i = 0; i < States.Length; i++)
            {
                byState[StateNames[i]] = environments.Count(e => e.State == States[i]);
            }
            var throttleTotals = new Dictionary<string, long>(Reasons.Length);
            for (int i = 0; i < Reasons.Length; i++)
            {
                throttleTotals[Reasons[i].ToWireName()] = now.Throttles[i];
            }
            functions.Add(new FunctionView
            {
                Name = f.Name,
                ConcurrentExecutions = f.Admission.ConcurrentExecutions,
                ReservedConcurrentExecutions = f.Admission.ReservedConcurrentExecutions,
                BurstTokensAvailable = admission.BurstTokensAvailable(f.Admission),
                ReservedRequestTokensAvailable = admission.ReservedRequestTokensAvailable(f.Admission),
                Environments = byState,
                ProvisionedBusy = environments.Count(e => e.Provisioned && e.State == EnvironmentState.Busy),
                EventsQueued = f.Events.Depth,
                EventsReceived = f.Events.Metrics.Received,
                Totals = new Totals { Invocations = now.Invocations, Errors = now.Errors, Admitted = now.Admitted, Throttles = throttleTotals },
                Rates = rates,
                P50Ms = p50,
                P99Ms = p99,
                Prediction = Prediction(f, nowMs),
            });
        }
        _previous = current;
        _previousTimestamp = timestamp;
        bool hasRates = interval is > 0;
        return new DashboardSnapshot
        {
            Seq = ++_seq,
            TimeUnixMs = nowMs,
            IntervalSeconds = interval,
            Account = new AccountView
            {
                ConcurrencyLimit = admission.AccountConcurrencyLimit,
                ConcurrentExecutions = admission.ConcurrentExecutions,
                UnreservedConcurrencyLimit = admission.UnreservedConcurrencyLimit,
                UnreservedConcurrentExecutions = admission.UnreservedConcurrentExecutions,
                ReservedConcurrencyTotal = admission.ReservedConcurrencyTotal,
                BurstModel = admission.BurstModel == BurstModel.AccountBurst ? "account-burst" : "per-function",
                BurstCapacity = admission.BurstCapacity,
                BurstRefillPerSecond = admission.BurstRefillPerSecond,
                RequestTokensAvailable = admission.AccountRequestTokensAvailable,
                RequestRateMultiplier = admission.RequestRateMultiplier,
                EnvironmentsLive = host.MachineLimit.Live,
                EnvironmentsLimit = host.MachineLimit.Limit,
                Rates = hasRates
                    ? new RateSet { Invocations = accountInvocations, Errors = accountErrors, Admitted = accountAdmitted, Throttles = accountThrottles }
                    : new RateSet(),
            },
            Queue = new QueueView { Pending = queue.Pending, InFlight = queue.InFlight, OldestAgeMs = queue.OldestAgeMs },
            Functions = functions,
        };
    }

    private PredictionView? Prediction(FunctionRuntime f, long nowMs)
    {
        if (!predictions.TryGet(f.Name, out var entry))
        {
            return null;
        }
        var request = entry.Request;
        var seconds = request.Seconds!;
        double length = seconds.Count + request.GraceSeconds;
        double elapsed = Math.Clamp((nowMs - request.StartUnixMs) / 1000.0, 0, length);
        double predictedAdmitted = 0, predictedThrottled = 0;
        for (int k = 0; k < seconds.Count && k < elapsed; k++)
        {
            double share = Math.Min(1, elapsed - k); // the second in progress counts pro rata
            predictedAdmitted += seconds[k].Admitted * share;
            predictedThrottled += seconds[k].Throttled * share;
        }
        bool finished = elapsed >= length;
        var counted = entry.Final ?? (f.Admission.Admitted - entry.AdmittedBaseline, PredictionBoard.ThrottleTotal(f) - entry.ThrottledBaseline);
        if (finished)
        {
            entry.Final ??= counted;
        }
        return new PredictionView
        {
            Model = request.Model ?? "",
            Reason = request.Reason ?? "",
            StartUnixMs = request.StartUnixMs,
            ElapsedSeconds = elapsed,
            Finished = finished,
            Seconds = seconds,
            PredictedAdmitted = predictedAdmitted,
            PredictedThrottled = predictedThrottled,
            Admitted = counted.Admitted,
            Throttled = counted.Throttled,
        };
    }

    /// <summary>One function's totals at one instant.</summary>
    private readonly record struct Counters(long Invocations, long Errors, long Admitted, long[] Throttles, long[] Buckets)
    {
        public static Counters Read(FunctionRuntime f)
        {
            var m = f.Metrics;
            var throttles = new long[Reasons.Length];
            for (int i = 0; i < Reasons.Length; i++)
            {
                throttles[i] = m.Throttles(Reasons[i]);
            }
            var buckets = new long[FunctionMetrics.DurationBucketsMs.Length + 1];
            for (int i = 0; i < buckets.Length; i++)
            {
                buckets[i] = m.DurationBucket(i);
            }
            return new Counters(m.Invocations, m.Errors, f.Admission.Admitted, throttles, buckets);
        }
    }
}
