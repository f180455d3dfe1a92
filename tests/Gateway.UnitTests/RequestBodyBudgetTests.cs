using Gateway.UnitTests.Support;
using Gateway.Invoke;

namespace Gateway.UnitTests;

public class RequestBodyBudgetTests
{
    [Fact]
    public void Takes_succeed_until_the_budget_is_spent_and_returns_refill_it()
    {
        var budget = new RequestBodyBudget(100);
        Assert.True(budget.TryTake(60));
        Assert.True(budget.TryTake(40));
        Assert.False(budget.TryTake(1));
        Assert.Equal(100, budget.InUse);
        budget.Return(40);
        Assert.Equal(60, budget.InUse);
        Assert.True(budget.TryTake(40));
        Assert.Throws<ArgumentOutOfRangeException>(() => budget.TryTake(101)); // could never be served
    }

    [Fact]
    public async Task A_waiter_is_served_when_enough_comes_back_and_not_before()
    {
        var budget = new RequestBodyBudget(100);
        Assert.True(budget.TryTake(90));
        var waiting = budget.TakeAsync(50, CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);
        Assert.Equal(1, budget.Waits);

        budget.Return(30); // 40 free: not enough yet
        Assert.False(waiting.IsCompleted);
        budget.Return(60); // 100 free
        await waiting.WithTimeout();
        Assert.Equal(50, budget.InUse);
    }

    [Fact]
    public async Task A_small_request_passes_a_large_waiter()
    {
        // A 64-byte echo must not queue behind a chunked 6 MB upload waiting for its share.
        var budget = new RequestBodyBudget(1000);
        Assert.True(budget.TryTake(900));
        var large = budget.TakeAsync(600, CancellationToken.None).AsTask();
        var small = budget.TakeAsync(64, CancellationToken.None);
        Assert.True(small.IsCompletedSuccessfully);
        Assert.False(large.IsCompleted);

        budget.Return(900);
        await large.WithTimeout();
        Assert.Equal(664, budget.InUse);
    }

    [Fact]
    public async Task Waiters_that_fit_are_all_served_by_one_return()
    {
        var budget = new RequestBodyBudget(100);
        Assert.True(budget.TryTake(100));
        var waiters = Enumerable.Range(0, 4).Select(_ => budget.TakeAsync(25, CancellationToken.None).AsTask()).ToArray();
        budget.Return(100);
        await Task.WhenAll(waiters).WithTimeout();
        Assert.Equal(100, budget.InUse);
    }

    [Fact]
    public async Task A_cancelled_waiter_takes_nothing_and_leaves_the_queue()
    {
        var budget = new RequestBodyBudget(100);
        Assert.True(budget.TryTake(100));
        using var cts = new CancellationTokenSource();
        var cancelled = budget.TakeAsync(50, cts.Token).AsTask();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WithTimeout());

        budget.Return(100);
        Assert.Equal(0, budget.InUse); // nothing was handed to the cancelled waiter
    }

    [Fact]
    public async Task Many_concurrent_readers_never_exceed_the_budget_and_never_deadlock()
    {
        // Like the gateway: each reader takes its whole share up front, holds it a moment, gives it back.
        var budget = new RequestBodyBudget(10_000);
        long peak = 0;
        var readers = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            var random = new Random(i);
            for (int n = 0; n < 300; n++)
            {
                long share = random.Next(2) == 0 ? 64 : random.Next(1_000, 10_001);
                await budget.TakeAsync(share, CancellationToken.None);
                long inUse = budget.InUse;
                long seen;
                while ((seen = Interlocked.Read(ref peak)) < inUse && Interlocked.CompareExchange(ref peak, inUse, seen) != seen)
                {
                }
                await Task.Yield();
                budget.Return(share);
            }
        })).ToArray();
        await Task.WhenAll(readers).WithTimeout();
        Assert.InRange(peak, 1, 10_000);
        Assert.Equal(0, budget.InUse);
    }
}
