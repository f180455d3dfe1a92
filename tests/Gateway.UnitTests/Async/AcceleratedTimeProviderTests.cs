using Gateway.Async;
using Gateway.UnitTests.Admission;

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
    public async Task A_one_minute_delay_ends_after_60_ms_of_the_inner_clock()
    {
        var real = new ManualTimeProvider();
        var fast = new AcceleratedTimeProvider(real, 1000);

        var delay = Task.Delay(TimeSpan.FromMinutes(1), fast);
        real.Advance(TimeSpan.FromMilliseconds(59));
        Assert.False(delay.IsCompleted);
        real.Advance(TimeSpan.FromMilliseconds(1));
        await delay.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Rate_one_is_the_inner_clock_itself()
    {
        Assert.Same(TimeProvider.System, AcceleratedTimeProvider.For(TimeProvider.System, 1));
    }
}
