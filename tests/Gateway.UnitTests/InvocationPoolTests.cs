// Inspects the state of a pooled invocation's ValueTask on purpose.
#pragma warning disable CA2012

using Gateway.Invocations;
using Gateway.UnitTests.Support;

namespace Gateway.UnitTests;

public class InvocationPoolTests
{
    [Fact]
    public void Outstanding_counts_rentals_and_returns()
    {
        var pool = new InvocationPool();
        Assert.Equal(0, pool.Outstanding);
        var a = pool.Rent();
        var b = pool.Rent();
        Assert.NotSame(a, b);
        Assert.Equal(2, pool.Outstanding);
        pool.Return(a);
        Assert.Equal(1, pool.Outstanding);
        pool.Return(b);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void A_returned_invocation_comes_back_reset()
    {
        var pool = new InvocationPool();
        var first = pool.Rent();
        first.RequestId = "id-1";
        first.ClientContext = "{}";
        first.Request.Write(new byte[5000]);
        first.SetError("Function.Unknown");
        Assert.True(first.TryClaimCompletion());
        first.Complete();
        pool.Return(first);

        var second = pool.Rent();
        Assert.Same(first, second); // the pool retains and reuses it; otherwise this test would prove nothing
        Assert.Equal("", second.RequestId);
        Assert.Null(second.ClientContext);
        Assert.Equal(0, second.Request.Length);
        Assert.Null(second.FunctionError);
        Assert.False(second.WaitAsync().IsCompleted);
        Assert.True(second.TryClaimCompletion());
        pool.Return(second);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public async Task Outstanding_is_exact_under_concurrent_rent_and_return()
    {
        var pool = new InvocationPool();
        var held = new Invocation[8][];
        var workers = Enumerable.Range(0, 8).Select(w => Task.Run(() =>
        {
            held[w] = new Invocation[10];
            for (int i = 0; i < 1000; i++)
            {
                var invocation = pool.Rent();
                Assert.True(invocation.TryClaimCompletion(), "a rented invocation was already claimed (shared between renters?)");
                pool.Return(invocation);
            }
            for (int i = 0; i < 10; i++)
            {
                held[w][i] = pool.Rent();
            }
        })).ToArray();
        await Task.WhenAll(workers).WithTimeout();
        Assert.Equal(80, pool.Outstanding);
        Assert.Equal(80, held.SelectMany(h => h).Distinct().Count());
        foreach (var invocation in held.SelectMany(h => h))
        {
            pool.Return(invocation);
        }
        Assert.Equal(0, pool.Outstanding);
    }
}
