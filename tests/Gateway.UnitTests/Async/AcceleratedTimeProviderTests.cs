using Gateway.Async;
using Gateway.UnitTests.Admission;
using Gateway.UnitTests.Async.Destinations;

namespace Gateway.UnitTests.Async;

public sealed class AcceleratedTimeProviderTests
{
    [Fact]
    public void Time_read_from_it_runs_rate_times_faster()
    {
        var real = new ManualTimeProvider();
        var fast = new AcceleratedTimeProvider(real, 1000);
        var start = fast.GetUtcNow();
        long startTimestamp = fast.GetTimestamp();

        real.Advance(TimeSpan.FromMilliseconds(60));

        Assert.Equal(TimeSpan.FromMinutes(1), fast.GetUtcNow() - start);
        Assert.Equal(TimeSpan.FromMinutes(1), fast.GetElapsedTime(startTimestamp));
    }

    [Fact]
    public async Task A_one_minute_delay_asks_the_inner_clock_for_60_ms()
    {
        var inner = new ImmediateTimeProvider(); // records every wait asked of it, then fires at once
        var fast = new AcceleratedTimeProvider(inner, 1000);

        await Task.Delay(TimeSpan.FromMinutes(1), fast).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([TimeSpan.FromMilliseconds(60)], inner.Delays);
    }

    [Fact]
    public void Clocks_started_at_different_times_read_the_same_accelerated_time()
    {
        // The nodes of a cluster share due times through Redis: a node started later must not read an earlier time.
        var real = new ManualTimeProvider();
        var first = new AcceleratedTimeProvider(real, 10);
        real.Advance(TimeSpan.FromSeconds(90));
        var second = new AcceleratedTimeProvider(real, 10);
        real.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(first.GetUtcNow(), second.GetUtcNow());
        Assert.Equal(first.GetTimestamp(), second.GetTimestamp());
    }

    [Fact]
    public void Rate_one_is_the_inner_clock_itself()
    {
        Assert.Same(TimeProvider.System, AcceleratedTimeProvider.For(TimeProvider.System, 1));
    }
}
