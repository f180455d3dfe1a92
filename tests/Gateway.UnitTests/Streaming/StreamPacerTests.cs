using Gateway.Streaming;

namespace Gateway.UnitTests.Streaming;

public sealed class StreamPacerTests
{
    /// <summary>A clock that moves only when told (its timers are the system's: the tests only look at IsCompleted).</summary>
    private sealed class ManualClock : TimeProvider
    {
        public long Ticks = TimeSpan.TicksPerDay; // not 0: a real timestamp never is

        public override long GetTimestamp() => Ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    }

    private static bool Completed(ValueTask pacing) => pacing.IsCompleted;

    [Fact]
    public void The_uncapped_part_never_waits()
    {
        var pacer = new StreamPacer(uncapped: 6_000_000, bytesPerSecond: 2_000_000, new ManualClock());
        Assert.True(Completed(pacer.PaceAsync(3_000_000)));
        Assert.True(Completed(pacer.PaceAsync(3_000_000)));
    }

    [Fact]
    public void Past_the_uncapped_part_the_rate_is_held_to_the_cap()
    {
        var clock = new ManualClock();
        var pacer = new StreamPacer(uncapped: 100, bytesPerSecond: 1000, clock);
        Assert.True(Completed(pacer.PaceAsync(100)));
        Assert.False(Completed(pacer.PaceAsync(500))); // 500 bytes over the cap need 0.5 s, and no time has passed
        clock.Ticks += TimeSpan.TicksPerSecond;
        Assert.True(Completed(pacer.PaceAsync(100))); // 600 bytes in 1 s: under 1000 B/s
    }

    [Fact]
    public void A_cap_of_zero_turns_pacing_off()
    {
        var pacer = new StreamPacer(uncapped: 0, bytesPerSecond: 0, new ManualClock());
        Assert.True(Completed(pacer.PaceAsync(100_000_000)));
    }
}
