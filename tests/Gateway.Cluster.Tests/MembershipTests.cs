using Gateway.Cluster.Admission;
using Gateway.Cluster.Membership;

namespace Gateway.Cluster.Tests;

/// <summary>Heartbeats, leases and the return of a dead node's slots, against a real Redis.</summary>
public sealed class MembershipTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static readonly TimeSpan ShortLease = TimeSpan.FromMilliseconds(900);

    [Fact]
    public async Task A_dead_nodes_slots_come_back_after_its_lease_lapses()
    {
        await using var survivor = await ClusterTestKit.ConnectAsync(redis, "survivor", lease: ShortLease);
        await ClusterTestKit.ResetAsync(survivor);
        var doomed = await ClusterTestKit.ConnectAsync(redis, "doomed", lease: ShortLease);
        var doomedMembership = new NodeMembership(doomed, TimeProvider.System, _ => { });
        await doomedMembership.BeatAsync();
        var limits = new AdmissionLimits(20, 15, 5, 1000, 1000, 1000, false);
        var doomedClient = new ClusterAdmissionClient(doomed);
        for (int i = 0; i < 5; i++)
        {
            Assert.True((await doomedClient.AdmitAsync("reserved", limits, true, false)).IsAdmitted);
        }
        var survivorClient = new ClusterAdmissionClient(survivor);
        Assert.Equal(AdmissionOutcome.ReservedFunctionConcurrentInvocationLimitExceeded,
            (await survivorClient.AdmitAsync("reserved", limits, true, false)).Outcome);

        // The doomed node dies without a word: no more heartbeats, no releases, its lease left to lapse.
        await doomed.DisposeAsync();

        var reclaimed = new List<string>();
        var survivorMembership = new NodeMembership(survivor, TimeProvider.System, _ => { });
        survivorMembership.OnHeartbeat(async dead =>
        {
            foreach (var node in dead)
            {
                if (await survivorClient.ReclaimAsync(node) > 0)
                {
                    lock (reclaimed)
                    {
                        reclaimed.Add(node);
                    }
                }
            }
        });
        survivorMembership.Start();
        try
        {
            Assert.True(await ClusterTestKit.EventuallyAsync(
                async () => (await survivorClient.AdmitAsync("reserved", limits, true, false)).IsAdmitted, TimeSpan.FromSeconds(30)));
            // The slots are free once the reclaim script has run in Redis, which is before the heartbeat's callback
            // goes on to record it: wait for the record too (on a loaded box the admission can come in between).
            Assert.True(await ClusterTestKit.EventuallyAsync(() =>
            {
                lock (reclaimed)
                {
                    return Task.FromResult(reclaimed.Count > 0);
                }
            }, TimeSpan.FromSeconds(30)));
            lock (reclaimed)
            {
                Assert.Equal(["doomed"], reclaimed);
            }
            Assert.Equal(["survivor"], survivorMembership.LiveNodes);
            Assert.Equal(1, await survivorClient.HeldAsync("account")); // the survivor's own, nothing of the dead node
        }
        finally
        {
            await survivorMembership.LeaveAsync();
            await survivorMembership.DisposeAsync();
        }
        Assert.False(await survivor.Database.KeyExistsAsync(ClusterKeys.NodeLease("survivor"))); // a graceful leave deletes the lease
        Assert.True(await survivor.Database.SetContainsAsync(ClusterKeys.NodeSet, "doomed")); // known nodes stay known (Event reclaim)
    }

    [Fact]
    public async Task Heartbeat_sets_a_lease_with_a_ttl_and_joins_the_node_set()
    {
        await using var connection = await ClusterTestKit.ConnectAsync(redis, "beating");
        await ClusterTestKit.ResetAsync(connection);
        await using var membership = new NodeMembership(connection, TimeProvider.System, _ => { });
        await membership.BeatAsync();
        var ttl = await connection.Database.KeyTimeToLiveAsync(ClusterKeys.NodeLease("beating"));
        Assert.NotNull(ttl);
        Assert.InRange(ttl!.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(5));
        Assert.True(await connection.Database.SetContainsAsync(ClusterKeys.NodeSet, "beating"));
        Assert.Contains("beating", membership.LiveNodes);
    }

    [Fact]
    public async Task A_resync_repairs_a_lost_release_and_a_reclaim_of_a_node_that_was_only_slow()
    {
        await using var connection = await ClusterTestKit.ConnectAsync(redis, "slow");
        await ClusterTestKit.ResetAsync(connection);
        var client = new ClusterAdmissionClient(connection);
        var limits = new AdmissionLimits(20, 20, -1, 1000, 1000, 1000, false);
        for (int i = 0; i < 3; i++)
        {
            Assert.True((await client.AdmitAsync("fn", limits, true, false)).IsAdmitted);
        }
        // Another node thought this one dead and took its slots back, though 2 invocations still run here.
        Assert.Equal(3, await client.ReclaimAsync("slow"));
        Assert.Equal(0, await client.HeldAsync("account"));
        // A late release does not free a slot it no longer holds.
        client.Release("fn", true);
        Assert.Equal(0, await client.HeldAsync("account"));
        // Its next heartbeat says what it really holds.
        await client.ResyncAsync([new("account", 2), new("pool", 2), new(AdmissionKeys.FunctionField("fn"), 2)]);
        Assert.Equal(2, await client.HeldAsync("account"));
        Assert.Equal(2, await client.HeldAsync("pool"));
        Assert.Equal(2, await client.HeldAsync(AdmissionKeys.FunctionField("fn")));
        await client.ResyncAsync([]);
        Assert.Equal(0, await client.HeldAsync("account"));
        Assert.Equal(0, await client.HeldAsync(AdmissionKeys.FunctionField("fn")));
    }
}
