using Gateway.Dashboard;
using Gateway.Metrics;

namespace Gateway.UnitTests.Dashboard;

public sealed class IntervalQuantilesTests
{
    private static long[] Counts(params (int Bucket, long Count)[] entries)
    {
        var counts = new long[FunctionMetrics.DurationBucketsMs.Length + 1];
        foreach (var (bucket, count) in entries)
        {
            counts[bucket] = count;
        }
        return counts;
    }

    [Fact]
    public void No_invocation_in_the_interval_has_no_quantile() => Assert.Null(IntervalQuantiles.Estimate(Counts(), 0.5));

    [Fact]
    public void The_rank_is_interpolated_inside_its_bucket()
    {
        // 10 invocations in (0, 1] ms and 10 in (5, 10] ms: the median is the top of the first bucket, p75 half-way
        // through the (5, 10] bucket, as Prometheus' histogram_quantile computes them.
        var counts = Counts((0, 10), (3, 10));
        Assert.Equal(1.0, IntervalQuantiles.Estimate(counts, 0.5));
        Assert.Equal(7.5, IntervalQuantiles.Estimate(counts, 0.75));
        Assert.Equal(0.5, IntervalQuantiles.Estimate(counts, 0.25));
    }

    [Fact]
    public void The_infinite_bucket_answers_with_the_largest_bound()
    {
        var counts = Counts((FunctionMetrics.DurationBucketsMs.Length, 3));
        Assert.Equal(FunctionMetrics.DurationBucketsMs[^1], IntervalQuantiles.Estimate(counts, 0.99));
    }

    [Fact]
    public void A_quantile_matches_the_same_invocations_recorded_through_the_metrics()
    {
        var metrics = new FunctionMetrics();
        for (int i = 1; i <= 100; i++)
        {
            metrics.RecordInvocation(i, error: false); // 1..100 ms
        }
        var counts = new long[FunctionMetrics.DurationBucketsMs.Length + 1];
        for (int i = 0; i < counts.Length; i++)
        {
            counts[i] = metrics.DurationBucket(i);
        }
        // 50 invocations lie in (25, 50] with 25 below it: rank 50 is the bucket's top; rank 99 is in (50, 100].
        Assert.Equal(50.0, IntervalQuantiles.Estimate(counts, 0.5));
        Assert.Equal(99.0, IntervalQuantiles.Estimate(counts, 0.99));
    }
}
