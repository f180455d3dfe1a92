using Gateway.Admission;
using Gateway.Cluster.Admission;
using Gateway.ClusterMode.Admission;

namespace Gateway.Cluster.Tests;

/// <summary>The gateway's cluster admission (the IAdmission the invoke path uses) against a real Redis, including
/// Redis going away (static share) and coming back (cluster-wide again).</summary>
public sealed class ClusterAdmissionTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static readonly AdmissionOptions Account6 = new() { AccountConcurrencyLimit = 6, MinimumUnreservedConcurrency = 0, RequestRateMultiplier = 1000 };

    private static ClusterAdmission Create(ClusterConnection connection, AdmissionOptions options, List<string>? log = null) =>
        new(new AdmissionController(options, TimeProvider.System), options, connection.Options.ConfiguredNodes,
            new ClusterAdmissionClient(connection), TimeProvider.System, m => { lock (log ?? []) { log?.Add(m); } });

    [Fact]
    public async Task Reserved_concurrency_holds_across_two_nodes_with_lambdas_reason()
    {
        await using var a = await ClusterTestKit.ConnectAsync(redis, "gw-a", nodes: 2);
        await using var b = await ClusterTestKit.ConnectAsync(redis, "gw-b", nodes: 2);
        await ClusterTestKit.ResetAsync(a);
        var nodeA = Create(a, Account6);
        var nodeB = Create(b, Account6);
        var fa = nodeA.Register("fn");
        var fb = nodeB.Register("fn");
        Assert.True(nodeA.TrySetReservedConcurrency(fa, 2, out _));
        Assert.True(nodeB.TrySetReservedConcurrency(fb, 2, out _));

        var one = await nodeA.AdmitRemoteAsync(fa, needsNewEnvironment: true, chargeRequest: true);
        var two = await nodeB.AdmitRemoteAsync(fb, needsNewEnvironment: false, chargeRequest: true);
        var three = await nodeA.AdmitRemoteAsync(fa, needsNewEnvironment: false, chargeRequest: true);
        Assert.True(one.Decision.IsAdmitted && two.Decision.IsAdmitted);
        Assert.True(one.Ticket.IncludesBurstToken); // the pool asks for no second one
        Assert.False(two.Ticket.IncludesBurstToken);
        Assert.Equal("ReservedFunctionConcurrentInvocationLimitExceeded", three.Decision.ReasonName);
        Assert.Equal(1, three.Decision.RetryAfterSeconds);
        Assert.Equal(1, fa.ConcurrentExecutions); // this node's own count (metrics)
        Assert.False(three.Ticket.IsHeld);

        var ticket = two.Ticket;
        nodeB.Release(ref ticket);
        Assert.False(ticket.IsHeld);
        Assert.True(await ClusterTestKit.EventuallyAsync(async () => (await nodeA.AdmitRemoteAsync(fa, false, true)).Decision.IsAdmitted, TimeSpan.FromSeconds(10)));
        Assert.False(nodeA.IsDegraded);
    }

    [Fact]
    public async Task Redis_killed_means_the_static_share_and_Redis_back_means_cluster_wide_again()
    {
        // Account 6 on 3 configured nodes: a share of 2 while Redis is unreachable.
        await using var connection = await ClusterTestKit.ConnectAsync(redis, "alone", nodes: 3);
        await ClusterTestKit.ResetAsync(connection);
        var log = new List<string>();
        var node = Create(connection, Account6, log);
        var fn = node.Register("fn");
        var client = new ClusterAdmissionClient(connection);

        var before = await node.AdmitRemoteAsync(fn, false, true);
        Assert.True(before.Decision.IsAdmitted);
        Assert.Equal(1, await client.HeldAsync("account"));
        var beforeTicket = before.Ticket;
        node.Release(ref beforeTicket);

        await redis.KillAsync();
        bool restarted = false;
        try
        {
            var tickets = new List<AdmissionTicket>();
            for (int i = 0; i < 2; i++)
            {
                var admitted = await node.AdmitRemoteAsync(fn, false, true);
                Assert.True(admitted.Decision.IsAdmitted, admitted.Decision.ToString());
                tickets.Add(admitted.Ticket);
            }
            var third = await node.AdmitRemoteAsync(fn, false, true);
            Assert.Equal("ConcurrentInvocationLimitExceeded", third.Decision.ReasonName);
            Assert.True(node.IsDegraded);
            Assert.Contains(log, m => m.Contains("static share", StringComparison.Ordinal));

            // Release one while Redis is away: the share has room again.
            var released = tickets[0];
            node.Release(ref released);
            tickets.RemoveAt(0);
            Assert.True((await node.AdmitRemoteAsync(fn, false, true)) is { Decision.IsAdmitted: true } again && Keep(tickets, again.Ticket));

            await redis.StartAsync();
            restarted = true;
            // Redis back: the next decision is cluster-wide again (account 6, of which this node holds 2 admitted alone,
            // which the resync makes Redis count).
            Assert.True(await ClusterTestKit.EventuallyAsync(async () =>
            {
                var attempt = await node.AdmitRemoteAsync(fn, false, true);
                if (attempt.Decision.IsAdmitted)
                {
                    tickets.Add(attempt.Ticket);
                }
                return attempt.Decision.IsAdmitted && !node.IsDegraded;
            }, TimeSpan.FromSeconds(30)));
            Assert.Contains(log, m => m.Contains("cluster-wide admission again", StringComparison.Ordinal));
            Assert.Equal(tickets.Count, (int)await client.HeldAsync("account"));
            while (tickets.Count < 6)
            {
                var more = await node.AdmitRemoteAsync(fn, false, true);
                Assert.True(more.Decision.IsAdmitted, more.Decision.ToString());
                tickets.Add(more.Ticket);
            }
            Assert.Equal("ConcurrentInvocationLimitExceeded", (await node.AdmitRemoteAsync(fn, false, true)).Decision.ReasonName);
            Assert.False(node.IsDegraded);
            foreach (var held in tickets)
            {
                var t = held;
                node.Release(ref t);
            }
            await node.ResyncAsync();
            Assert.Equal(0, await client.HeldAsync("account"));
        }
        finally
        {
            if (!restarted)
            {
                await redis.StartAsync();
            }
        }
    }

    private static bool Keep(List<AdmissionTicket> tickets, AdmissionTicket ticket)
    {
        tickets.Add(ticket);
        return true;
    }
}
