using Gateway.Admission;
using Gateway.UnitTests.Support;

namespace Gateway.UnitTests.Admission;

public class AdmissionConcurrencyTests
{
    private const int Threads = 8;
    private const int Iterations = 100_000;

    [Fact]
    public async Task Eight_threads_admitting_and_releasing_never_exceed_a_limit_and_return_to_zero()
    {
        var clock = new ManualTimeProvider();
        var controller = new AdmissionController(new AdmissionOptions
        {
            AccountConcurrencyLimit = 64,
            MinimumUnreservedConcurrency = 8,
            BurstCapacity = 50,
            BurstRefillPerSecond = 1000,
            RequestRateMultiplier = 1000,
        }, clock);
        var reservedA = controller.Register("a");
        var reservedB = controller.Register("b");
        Assert.True(controller.TrySetReservedConcurrency(reservedA, 16, out _));
        Assert.True(controller.TrySetReservedConcurrency(reservedB, 8, out _));
        var flipping = controller.Register("d"); // its reservation changes while the threads run
        FunctionAdmission[] functions = [reservedA, reservedB, controller.Register("c"), flipping];
        int maxPool = 64 - 16 - 8;

        long admitted = 0, released = 0, throttled = 0;
        var violations = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var start = new Barrier(Threads + 1);
        var workers = Enumerable.Range(0, Threads).Select(seed => Task.Factory.StartNew(() =>
        {
            var random = new Random(seed);
            var held = new AdmissionTicket[6];
            int count = 0;
            long localAdmitted = 0, localReleased = 0, localThrottled = 0;
            start.SignalAndWait();
            for (int i = 0; i < Iterations; i++)
            {
                if (count == held.Length || (count > 0 && random.Next(2) == 0))
                {
                    int index = random.Next(count);
                    controller.Release(ref held[index]);
                    held[index] = held[--count];
                    held[count] = default;
                    localReleased++;
                }
                else
                {
                    var decision = controller.TryAdmit(functions[random.Next(functions.Length)], random.Next(8) == 0, out held[count]);
                    if (decision.IsAdmitted)
                    {
                        count++;
                        localAdmitted++;
                        int total = controller.ConcurrentExecutions;
                        int pool = controller.UnreservedConcurrentExecutions;
                        if (total > 64 || pool > maxPool || reservedA.ConcurrentExecutions > 16 || reservedB.ConcurrentExecutions > 8)
                        {
                            violations.Enqueue($"total {total}, pool {pool}, a {reservedA.ConcurrentExecutions}, b {reservedB.ConcurrentExecutions}");
                        }
                    }
                    else
                    {
                        Assert.False(held[count].IsHeld);
                        localThrottled++;
                    }
                }
                if ((i & 63) == 0)
                {
                    clock.Advance(TimeSpan.FromMilliseconds(1));
                }
            }
            while (count > 0)
            {
                controller.Release(ref held[--count]);
                localReleased++;
            }
            Interlocked.Add(ref admitted, localAdmitted);
            Interlocked.Add(ref released, localReleased);
            Interlocked.Add(ref throttled, localThrottled);
        }, TaskCreationOptions.LongRunning)).ToArray();

        var flipper = Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            int flips = 0;
            while (!workers.All(w => w.IsCompleted))
            {
                Assert.True(controller.TrySetReservedConcurrency(flipping, (flips++ & 1) == 0 ? 8 : null, out _));
                Thread.Yield();
            }
            Assert.True(controller.TrySetReservedConcurrency(flipping, null, out _));
        }, TaskCreationOptions.LongRunning);

        await Task.WhenAll([.. workers, flipper]).WithTimeout();

        Assert.Empty(violations);
        Assert.Equal(admitted, released);
        Assert.True(admitted > Threads * Iterations / 10, $"admitted {admitted}");
        Assert.True(throttled > 0);
        Assert.Equal(0, controller.ConcurrentExecutions);
        Assert.Equal(0, controller.UnreservedConcurrentExecutions);
        Assert.All(functions, f => Assert.Equal(0, f.ConcurrentExecutions));
        Assert.Equal(maxPool, controller.UnreservedConcurrencyLimit);
    }

    [Fact]
    public void Concurrent_takes_from_one_bucket_never_exceed_its_tokens()
    {
        var clock = new ManualTimeProvider();
        var bucket = new ContinuousTokenBucket(10_000, 1, clock.TimestampFrequency, clock.GetTimestamp());
        int taken = 0;
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, _ =>
        {
            for (int i = 0; i < 5_000; i++)
            {
                if (bucket.TryTake(clock.GetTimestamp(), out _))
                {
                    Interlocked.Increment(ref taken);
                }
            }
        });
        Assert.Equal(10_000, taken);
        Assert.Equal(0, bucket.Available(clock.GetTimestamp()));
    }

    [Fact]
    public void Admitting_and_releasing_allocates_nothing()
    {
        var clock = new ManualTimeProvider();
        var controller = new AdmissionController(new AdmissionOptions(), clock);
        var unreserved = controller.Register("u");
        var reserved = controller.Register("r");
        Assert.True(controller.TrySetReservedConcurrency(reserved, 100, out _));

        RunSuccessPath(controller, clock, unreserved, reserved, 200); // JIT and tiering out of the way
        long before = GC.GetAllocatedBytesForCurrentThread();
        RunSuccessPath(controller, clock, unreserved, reserved, 10_000);
        long after = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(0, after - before);
        Assert.Equal(0, controller.ConcurrentExecutions);

        // A throttle is a value too.
        Assert.True(controller.TrySetReservedConcurrency(reserved, 0, out _));
        ThrottleReason last = default;
        before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            last = controller.TryAdmit(reserved, true, out _).Reason;
        }
        after = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(0, after - before);
        Assert.Equal(ThrottleReason.ReservedFunctionConcurrentInvocationLimitExceeded, last);
    }

    [Fact]
    public void The_system_clock_allocates_nothing_either()
    {
        var controller = new AdmissionController(new AdmissionOptions(), TimeProvider.System);
        var function = controller.Register("f");
        for (int i = 0; i < 100; i++)
        {
            Assert.True(controller.TryAdmit(function, false, out var ticket).IsAdmitted);
            controller.Release(ref ticket);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            controller.TryAdmit(function, false, out var ticket);
            controller.Release(ref ticket);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void RunSuccessPath(AdmissionController controller, ManualTimeProvider clock, FunctionAdmission unreserved, FunctionAdmission reserved, int iterations)
    {
        var step = TimeSpan.FromMilliseconds(10); // one burst token per function per step
        for (int i = 0; i < iterations; i++)
        {
            clock.Advance(step);
            var function = (i & 1) == 0 ? unreserved : reserved;
            var decision = controller.TryAdmit(function, needsNewEnvironment: (i & 2) == 0, out var ticket);
            if (!decision.IsAdmitted)
            {
                Assert.Fail(decision.ToString());
            }
            controller.Release(ref ticket);
        }
    }
}
