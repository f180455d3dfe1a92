using Gateway.Invoke;
using Gateway.UnitTests.Admission;

namespace Gateway.UnitTests;

/// <summary>X-Ray's default rule as an Active function applies it: 1 request a second, then 5 % of the rest. The clock
/// is moved by hand and the random draws are chosen, so nothing here depends on timing or on luck.</summary>
public class TraceSamplerTests
{
    /// <summary>Draws that never fall under 5 %: only the reservoir samples.</summary>
    private sealed class NeverUnderRate : Random
    {
        public override double NextDouble() => 0.99;
    }

    /// <summary>Draws 0.00, 0.01, …, 0.99, 0.00, …: exactly 5 of every 100 fall under 0.05.</summary>
    private sealed class EvenDraws : Random
    {
        private int _next;

        public override double NextDouble() => _next++ % 100 / 100.0;
    }

    [Fact]
    public void The_first_request_of_each_second_is_sampled_and_the_others_of_that_second_are_not()
    {
        var clock = new ManualTimeProvider();
        var sampler = new TraceSampler(clock, new NeverUnderRate());

        Assert.True(sampler.Sample());
        Assert.False(sampler.Sample());
        Assert.False(sampler.Sample());
        clock.Advance(TimeSpan.FromMilliseconds(400)); // the clock starts on a whole second: still the same one
        Assert.False(sampler.Sample());

        clock.Advance(TimeSpan.FromMilliseconds(600)); // the next second
        Assert.True(sampler.Sample());
        Assert.False(sampler.Sample());

        clock.Advance(TimeSpan.FromSeconds(10)); // an idle stretch does not bank reservoir requests
        Assert.True(sampler.Sample());
        Assert.False(sampler.Sample());
    }

    [Fact]
    public void After_the_reservoir_five_percent_of_the_requests_are_sampled()
    {
        var clock = new ManualTimeProvider();
        var sampler = new TraceSampler(clock, new EvenDraws());
        Assert.True(sampler.Sample()); // the second's reservoir request (no draw)

        int sampled = 0;
        for (int i = 0; i < 1000; i++)
        {
            sampled += sampler.Sample() ? 1 : 0;
        }
        Assert.Equal(50, sampled);
    }

    [Fact]
    public void A_seeded_random_gives_about_five_percent_over_many_requests()
    {
        // Deterministic (fixed seed): the count is the same on every run; the bounds only say it is the rule's 5 %.
        var sampler = new TraceSampler(new ManualTimeProvider(), new Random(20261207));
        sampler.Sample();
        int sampled = 0;
        for (int i = 0; i < 100_000; i++)
        {
            sampled += sampler.Sample() ? 1 : 0;
        }
        Assert.InRange(sampled, 4_700, 5_300);
    }

    [Fact]
    public void Only_one_of_many_threads_takes_a_seconds_reservoir()
    {
        var sampler = new TraceSampler(new ManualTimeProvider(), new NeverUnderRate());
        int sampled = 0;
        Parallel.For(0, 10_000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            if (sampler.Sample())
            {
                Interlocked.Increment(ref sampled);
            }
        });
        Assert.Equal(1, sampled);
    }

    [Fact]
    public void Sampling_allocates_nothing()
    {
        var sampler = new TraceSampler(TimeProvider.System);
        // Warm-up: the reservoir's draw and the 5 % draw (Random.Shared makes its per-thread state on a thread's first
        // draw: 80 B once, not per call).
        for (int i = 0; i < 100; i++)
        {
            sampler.Sample();
        }
        _ = Random.Shared.NextDouble();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            sampler.Sample();
        }
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
