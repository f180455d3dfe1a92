using Gateway.Metrics;

namespace Gateway.Dashboard;

/// <summary>
/// Quantiles of the invocations that ended in one interval, from the change of the Duration histogram's buckets
/// (<see cref="FunctionMetrics.DurationBucketsMs"/>). Reading the histogram costs the invoke path nothing; the price is
/// an estimate: linear within the bucket that holds the rank, as Prometheus' <c>histogram_quantile</c> does (the +Inf
/// bucket answers with the largest finite bound).
/// </summary>
internal static class IntervalQuantiles
{
    /// <summary>The <paramref name="q"/> quantile (0..1) of <paramref name="counts"/> (one count per bucket, the last
    /// being +Inf); null when every count is zero.</summary>
    public static double? Estimate(ReadOnlySpan<long> counts, double q)
    {
        var bounds = FunctionMetrics.DurationBucketsMs;
        long total = 0;
        foreach (long c in counts)
        {
            total += c;
        }
        if (total <= 0)
        {
            return null;
        }
        double rank = q * total;
        long below = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            if (counts[i] > 0 && below + counts[i] >= rank)
            {
                if (i >= bounds.Length)
                {
                    return bounds[^1];
                }
                double lower = i == 0 ? 0 : bounds[i - 1];
                return lower + (bounds[i] - lower) * ((rank - below) / counts[i]);
            }
            below += counts[i];
        }
        return bounds[^1];
    }
}
