using Gateway.Cluster.Admission;

namespace Gateway.Cluster.Tests;

/// <summary>The admission script against a real Redis, from several "nodes" (connections with different node ids).</summary>
public sealed class AdmissionScriptTests(RedisServer redis) : IClassFixture<RedisServer>
{
    // A high request-rate multiplier and burst so only concurrency can refuse in the concurrency tests.
    private static AdmissionLimits Limits(int account, int unreserved, int reserved, int multiplier = 1000, int burst = 100_000, double refill = 100_000) =>
        new(account, unreserved, reserved, multiplier, burst, refill, AccountBurst: false);

    [Fact]
    public async Task Limits_hold_under_concurrent_callers_on_three_nodes()
    {
        var connections = new List<ClusterConnection>();
        for (int i = 0; i < 3; i++)
        {
            connections.Add(await ClusterTestKit.ConnectAsync(redis, "node-" + i));
        }
        await ClusterTestKit.ResetAsync(connections[0]);
        try
        {
            // Account 20, "reserved" holds 5 of it, so the unreserved pool is 15 (shared by "free-a" and "free-b").
            var reserved = Limits(20, 15, 5);
            var free = Limits(20, 15, -1);
            int reservedNow = 0, reservedMax = 0, accountNow = 0, accountMax = 0;
            int admitted = 0, throttled = 0;
            var reasons = new System.Collections.Concurrent.ConcurrentDictionary<AdmissionOutcome, int>();

            // What the callers themselves count (not Redis): at most 5 of "reserved", at most 20 in all.
            async Task Worker(ClusterAdmissionClient client, string function, AdmissionLimits limits, int seed)
            {
                var random = new Random(seed);
                for (int n = 0; n < 60; n++)
                {
                    var reply = await client.AdmitAsync(function, limits, chargeRequest: true, needsNewEnvironment: false);
                    if (!reply.IsAdmitted)
                    {
                        Interlocked.Increment(ref throttled);
                        reasons.AddOrUpdate(reply.Outcome, 1, (_, c) => c + 1);
                        Assert.Equal(1, reply.RetryAfterSeconds); // a concurrency refusal says 1 s
                        await Task.Delay(random.Next(0, 3));
                        continue;
                    }
                    Interlocked.Increment(ref admitted);
                    int all = Interlocked.Increment(ref accountNow);
                    Max(ref accountMax, all);
                    if (function == "reserved")
                    {
                        Max(ref reservedMax, Interlocked.Increment(ref reservedNow));
                    }
                    await Task.Delay(random.Next(1, 8));
                    if (function == "reserved")
                    {
                        Interlocked.Decrement(ref reservedNow);
                    }
                    Interlocked.Decrement(ref accountNow);
                    client.Release(function, reply.FromUnreservedPool); // fire-and-forget: Redis may count it a little longer
                }
            }

            var workers = new List<Task>();
            int seedNo = 0;
            foreach (var connection in connections)
            {
                var client = new ClusterAdmissionClient(connection);
                for (int w = 0; w < 4; w++)
                {
                    workers.Add(Worker(client, "reserved", reserved, ++seedNo));
                    workers.Add(Worker(client, "free-a", free, ++seedNo));
                    workers.Add(Worker(client, "free-b", free, ++seedNo));
                }
            }
            await Task.WhenAll(workers).WaitAsync(TimeSpan.FromMinutes(2));

            Assert.InRange(reservedMax, 1, 5);
            Assert.InRange(accountMax, 1, 20);
            Assert.True(throttled > 0, "36 callers on 20 slots: some must have been refused");
            Assert.True(reasons.ContainsKey(AdmissionOutcome.ReservedFunctionConcurrentInvocationLimitExceeded));
            Assert.True(reasons.ContainsKey(AdmissionOutcome.ConcurrentInvocationLimitExceeded));
            Assert.Equal(36 * 60, admitted + throttled);

            // Every release arrives eventually: nothing stays held.
            var probe = new ClusterAdmissionClient(connections[0]);
            Assert.True(await ClusterTestKit.EventuallyAsync(async () => await probe.HeldAsync("account") == 0, TimeSpan.FromSeconds(20)));
            Assert.Equal(0, await probe.HeldAsync("pool"));
            Assert.Equal(0, await probe.HeldAsync(AdmissionKeys.FunctionField("reserved")));
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Refusals_carry_lambdas_reasons_in_the_single_nodes_order()
    {
        await using var connection = await ClusterTestKit.ConnectAsync(redis, "order");
        await ClusterTestKit.ResetAsync(connection);
        var client = new ClusterAdmissionClient(connection);

        // Reserved concurrency 0: every invocation refused with the reserved reason (no rate bucket to charge).
        var zero = await client.AdmitAsync("off", Limits(10, 10, 0), chargeRequest: true, needsNewEnvironment: false);
        Assert.Equal(new AdmissionReply(AdmissionOutcome.ReservedFunctionConcurrentInvocationLimitExceeded, 1, false), zero);

        // Account rate: multiplier 1 × account 2 = 2 requests per second (bucket of 2): the third is refused.
        var rate = Limits(2, 2, -1, multiplier: 1);
        var first = await client.AdmitAsync("rated", rate, true, false);
        client.Release("rated", first.FromUnreservedPool);
        var second = await client.AdmitAsync("rated", rate, true, false);
        client.Release("rated", second.FromUnreservedPool);
        var third = await client.AdmitAsync("rated", rate, true, false);
        Assert.True(first.IsAdmitted && second.IsAdmitted);
        Assert.Equal(AdmissionOutcome.FunctionInvocationRateLimitExceeded, third.Outcome);
        Assert.Equal(1, third.RetryAfterSeconds); // half a second to the next token, rounded up
        // A queued Event (no request charge) is not refused by the request rate.
        var queued = await client.AdmitAsync("rated", rate, chargeRequest: false, needsNewEnvironment: false);
        Assert.True(queued.IsAdmitted);
        client.Release("rated", queued.FromUnreservedPool);
    }

    [Fact]
    public async Task Reserved_rate_refusal_gives_back_the_account_token()
    {
        await using var connection = await ClusterTestKit.ConnectAsync(redis, "refund");
        await ClusterTestKit.ResetAsync(connection);
        var client = new ClusterAdmissionClient(connection);
        // Account 2 × 1 = 2 requests per second (one token per 500 ms); reserved 1 × 1 = 1 per second.
        var reserved = Limits(2, 1, 1, multiplier: 1);
        var first = await client.AdmitAsync("r1", reserved, true, false);
        Assert.True(first.IsAdmitted);
        client.Release("r1", false);
        // The account has 1 token left; the reserved bucket none: refused with the reserved reason...
        var second = await client.AcceptRequestAsync("r1", reserved);
        Assert.Equal(AdmissionOutcome.ReservedFunctionInvocationRateLimitExceeded, second.Outcome);
        // ...and the account's token it took came back, so another function still gets one.
        var other = await client.AcceptRequestAsync("u1", Limits(2, 1, -1, multiplier: 1));
        Assert.True(other.IsAdmitted);
    }

    [Fact]
    public async Task Burst_token_only_when_a_new_environment_is_needed()
    {
        await using var connection = await ClusterTestKit.ConnectAsync(redis, "burst");
        await ClusterTestKit.ResetAsync(connection);
        var client = new ClusterAdmissionClient(connection);
        var limits = Limits(100, 100, -1, burst: 1, refill: 0.01); // one new environment, then one per 100 s
        var cold = await client.AdmitAsync("scaling", limits, true, needsNewEnvironment: true);
        Assert.True(cold.IsAdmitted);
        var secondCold = await client.AdmitAsync("scaling", limits, true, needsNewEnvironment: true);
        Assert.Equal(AdmissionOutcome.ConcurrentInvocationLimitExceeded, secondCold.Outcome);
        Assert.InRange(secondCold.RetryAfterSeconds, 2, 100); // from the bucket: ~100 s to the next token
        var warm = await client.AdmitAsync("scaling", limits, true, needsNewEnvironment: false);
        Assert.True(warm.IsAdmitted);
        Assert.Equal(2, await client.HeldAsync("account")); // the refused one holds nothing
        // Another function has its own bucket (per-function model).
        Assert.True((await client.AdmitAsync("other", limits, true, needsNewEnvironment: true)).IsAdmitted);
    }

    private static void Max(ref int target, int value)
    {
        int seen = Volatile.Read(ref target);
        while (value > seen)
        {
            int previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen)
            {
                return;
            }
            seen = previous;
        }
    }
}
