using Gateway.Invocations;

namespace Gateway.UnitTests;

public class PayloadSegmentPoolTests
{
    [Fact]
    public void Returned_segments_are_reused_up_to_the_retained_maximum_and_the_rest_are_dropped()
    {
        var pool = new PayloadSegmentPool(maxRetainedBytes: 2 * PayloadSegmentPool.SegmentBytes);
        var a = pool.Rent();
        var b = pool.Rent();
        var c = pool.Rent();
        Assert.Equal(PayloadSegmentPool.SegmentBytes, a.Length);
        Assert.Equal(3, new[] { a, b, c }.Distinct(ReferenceEqualityComparer.Instance).Count());

        pool.Return(a);
        pool.Return(b);
        pool.Return(c); // over the maximum: not kept
        Assert.Equal(2 * PayloadSegmentPool.SegmentBytes, pool.RetainedBytes);

        var again = new[] { pool.Rent(), pool.Rent() };
        Assert.Contains(a, again);
        Assert.Contains(b, again);
        Assert.Equal(0, pool.RetainedBytes);
        Assert.DoesNotContain(pool.Rent(), new[] { a, b, c });
    }

    [Fact]
    public void Lowering_the_maximum_drops_what_no_longer_fits()
    {
        var pool = new PayloadSegmentPool(maxRetainedBytes: 4 * PayloadSegmentPool.SegmentBytes);
        var segments = Enumerable.Range(0, 4).Select(_ => pool.Rent()).ToArray();
        foreach (var s in segments)
        {
            pool.Return(s);
        }
        pool.SetMaxRetainedBytes(PayloadSegmentPool.SegmentBytes);
        Assert.Equal(PayloadSegmentPool.SegmentBytes, pool.RetainedBytes);
        Assert.Equal(PayloadSegmentPool.SegmentBytes, pool.MaxRetainedBytes);
    }
}
