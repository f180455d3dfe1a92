namespace Gateway.Metrics;

/// <summary>
/// One function's counters, named after Lambda's CloudWatch metrics (Invocations, Errors, Throttles, Duration).
/// Updated with interlocked increments on the invocation path: no allocation, no lock.
/// </summary>
internal sealed class FunctionMetrics
{
    /// <summary>Upper bounds (ms) of the Duration histogram buckets; the last bucket is +Inf.</summary>
    public static readonly double[] DurationBucketsMs = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 900000];

    private readonly long[] _durationBuckets = new long[DurationBucketsMs.Length + 1];
    private readonly long[] _throttles = new long[6];
    private long _invocations;
    private long _errors;
    private long _durationSumMicros;

    public long Invocations => Interlocked.Read(ref _invocations);

    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>An invocation that ran (successfully or not), with its Duration as in the REPORT line.</summary>
    public void RecordInvocation(double durationMs, bool error)
    {
        Interlocked.Increment(ref _invocations);
        if (error)
        {
            Interlocked.Increment(ref _errors);
        }
        Interlocked.Add(ref _durationSumMicros, (long)(durationMs * 1000));
        int bucket = 0;
        while (bucket < DurationBucketsMs.Length && durationMs > DurationBucketsMs[bucket])
        {
            bucket++;
        }
        Interlocked.Increment(ref _durationBuckets[bucket]);
    }

    /// <summary>A 429, by Lambda's Reason (index of <see cref="Admission.ThrottleReason"/>).</summary>
    public void RecordThrottle(Admission.ThrottleReason reason) => Interlocked.Increment(ref _throttles[Math.Clamp((int)reason, 0, _throttles.Length - 1)]);

    public long Throttles(Admission.ThrottleReason reason) => Interlocked.Read(ref _throttles[Math.Clamp((int)reason, 0, _throttles.Length - 1)]);

    public long DurationBucket(int index) => Interlocked.Read(ref _durationBuckets[index]);

    public double DurationSumMs => Interlocked.Read(ref _durationSumMicros) / 1000.0;

    // ---- environment readiness (spawn -> first /next): a cold path, once per environment ----

    private const int ReadyWindow = 1024;
    private readonly double[] _readyMs = new double[ReadyWindow];
    private readonly Lock _readyLock = new();
    private long _readyCount;
    private double _readySumMs;

    /// <summary>An environment's runtime called /next for the first time, <paramref name="ms"/> after its spawn began
    /// (its Init Duration): kept exactly for the last 1,024 environments so medians can be compared with the same
    /// binary's bare start-and-exit time (docs/performance.md).</summary>
    public void RecordEnvironmentReady(double ms)
    {
        lock (_readyLock)
        {
            _readyMs[_readyCount % ReadyWindow] = ms;
            _readyCount++;
            _readySumMs += ms;
        }
    }

    /// <summary>Count, sum and the given quantiles (nearest rank over the last 1,024 environments; NaN when none).</summary>
    public (long Count, double SumMs, double[] Quantiles) EnvironmentReady(ReadOnlySpan<double> quantiles)
    {
        double[] window;
        long count;
        double sum;
        lock (_readyLock)
        {
            count = _readyCount;
            sum = _readySumMs;
            window = _readyMs[..(int)Math.Min(count, ReadyWindow)];
        }
        Array.Sort(window);
        var result = new double[quantiles.Length];
        for (int i = 0; i < quantiles.Length; i++)
        {
            result[i] = window.Length == 0 ? double.NaN : window[Math.Clamp((int)Math.Ceiling(quantiles[i] * window.Length) - 1, 0, window.Length - 1)];
        }
        return (count, sum, result);
    }
}
