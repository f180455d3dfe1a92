using System.Collections.Concurrent;
using Gateway.Cluster.Events;
using Gateway.EventStore;
using StackExchange.Redis;
using EventId = Gateway.EventStore.EventId;

namespace Gateway.Cluster.Tests.Events;

/// <summary>
/// The shared queue with several nodes on one real Redis: each event to exactly one live node, a dead node's events
/// reclaimed by the others (lease gone, or idle as a backstop), retries surviving a Redis restart, and Redis down
/// answered at once as Unavailable. The tests play membership themselves: they SET and DEL the lease keys.
/// </summary>
public sealed class RedisEventQueueTests(RedisServer redis) : IClassFixture<RedisServer>, IAsyncLifetime
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);
    private static readonly RedisEventStoreOptions Manual = new() { MaintenanceInterval = Timeout.InfiniteTimeSpan };
    private readonly List<ClusterConnection> _connections = [];

    public async Task InitializeAsync()
    {
        var admin = await ConnectAsync("admin");
        await admin.Database.ScriptEvaluateAsync("return redis.call('FLUSHDB')", [], []);
    }

    public async Task DisposeAsync()
    {
        foreach (var connection in _connections)
            await connection.DisposeAsync();
    }

    private async Task<ClusterConnection> ConnectAsync(string node)
    {
        var connection = await ClusterConnection.ConnectAsync(new ClusterOptions(redis.Url, node, 2), _ => { });
        _connections.Add(connection);
        return connection;
    }

    private async Task<RedisStreamEventStore> NodeAsync(string node, RedisEventStoreOptions? options = null, bool lease = true)
    {
        var connection = await ConnectAsync(node);
        if (lease)
            await connection.Database.StringSetAsync(ClusterKeys.NodeLease(node), "alive");
        var store = new RedisStreamEventStore(connection, options ?? Manual);
        Assert.True((await store.RecoverAsync()).IsOk);
        return store;
    }

    private static EventRecord Record(string requestId, long at = 1_000)
        => new(requestId, "echo", "$LATEST", System.Text.Encoding.UTF8.GetBytes("{\"id\":\"" + requestId + "\"}"), null, at, 0, at);

    [Fact]
    public async Task Two_live_nodes_claiming_at_once_get_each_event_exactly_once()
    {
        await using var a = await NodeAsync("a");
        await using var b = await NodeAsync("b");
        const int N = 600;
        var appends = await Task.WhenAll(Enumerable.Range(0, N).Select(i => (i % 2 == 0 ? a : b).AppendAsync(Record("e" + i)).AsTask())).WaitAsync(Limit);
        Assert.All(appends, r => Assert.Equal(StoreStatus.Ok, r.Status));

        var claimedBy = new ConcurrentDictionary<long, string>();
        var duplicates = new ConcurrentBag<long>();
        async Task ClaimAll(RedisStreamEventStore store, string name)
        {
            while (claimedBy.Count < N)
            {
                var claimed = await store.ClaimDueAsync(2_000, 7);
                Assert.True(claimed.IsOk, claimed.Error);
                foreach (var e in claimed.Value!)
                {
                    if (!claimedBy.TryAdd(e.Id.Value, name))
                        duplicates.Add(e.Id.Value);
                    Assert.True((await store.CompleteAsync(e.Id)).IsOk);
                }
                await store.ReclaimAsync(); // both alive: reclaim rounds must take nothing from the other
                if (claimed.Value!.Count == 0)
                    await Task.Yield();
            }
        }
        await Task.WhenAll(ClaimAll(a, "a"), ClaimAll(b, "b")).WaitAsync(Limit);

        Assert.Empty(duplicates);
        Assert.Equal(appends.Select(r => r.Value.Value).Order(), claimedBy.Keys.Order());
        Assert.Contains("a", claimedBy.Values);
        Assert.Contains("b", claimedBy.Values);
        var counters = (await a.GetCountersAsync(2_000)).Value;
        Assert.Equal((0L, 0L), (counters.Pending, counters.InFlight));
    }

    [Fact]
    public async Task A_node_whose_lease_is_gone_has_its_in_flight_events_reclaimed_and_completed_by_another()
    {
        var a = await NodeAsync("a");
        await using var b = await NodeAsync("b");
        var claimedByA = (await a.AppendAsync(Record("claimed-by-a"))).Value;
        var runningOnA = (await a.AppendInFlightAsync(Record("running-on-a", at: 1_500) with { Attempts = 1 })).Value;
        Assert.Single((await a.ClaimDueAsync(2_000, 10)).Value!);

        // Both alive: B takes nothing.
        Assert.Equal(0, await b.ReclaimAsync());
        Assert.Empty((await b.ClaimDueAsync(2_000, 10)).Value!);

        // A dies: its heartbeat stops and the lease lapses (here: deleted).
        await a.DisposeAsync();
        await b.Database.KeyDeleteAsync(ClusterKeys.NodeLease("a"));
        Assert.Equal(2, await b.ReclaimAsync());

        var taken = (await b.ClaimDueAsync(2_000, 10)).Value!;
        Assert.Equal([claimedByA.Value, runningOnA.Value], taken.Select(e => e.Id.Value).Order());
        var running = taken.Single(e => e.Id == runningOnA);
        Assert.Equal((1, 1_500L), (running.Record.Attempts, running.Record.AcceptedAtUnixMs)); // attempts and age intact
        foreach (var e in taken)
            Assert.True((await b.CompleteAsync(e.Id)).IsOk);
        var counters = (await b.GetCountersAsync(2_000)).Value;
        Assert.Equal((0L, 0L), (counters.Pending, counters.InFlight));
        // The dead node is gone from the group.
        Assert.DoesNotContain((await b.LookAsync()).Consumers, c => c.Consumer == "a");
    }

    [Fact]
    public async Task A_node_that_completes_after_being_taken_for_dead_makes_a_duplicate_never_a_loss()
    {
        await using var a = await NodeAsync("a");
        await using var b = await NodeAsync("b");
        var id = (await a.AppendInFlightAsync(Record("slow"))).Value;
        await b.Database.KeyDeleteAsync(ClusterKeys.NodeLease("a")); // A missed its heartbeats but still runs the event
        Assert.Equal(1, await b.ReclaimAsync());
        Assert.Equal(id, Assert.Single((await b.ClaimDueAsync(2_000, 10)).Value!).Id);

        Assert.True((await a.CompleteAsync(id)).IsOk);                       // A's run finished: recorded
        Assert.Equal(StoreStatus.NotFound, (await b.CompleteAsync(id)).Status); // B's duplicate run finds it done
        var counters = (await b.GetCountersAsync(2_000)).Value;
        Assert.Equal((0L, 0L), (counters.Pending, counters.InFlight));
        Assert.Empty((await b.ClaimDueAsync(long.MaxValue, 10)).Value!); // the stale stream entry is not run again
    }

    [Fact]
    public async Task Without_trusted_leases_only_the_idle_backstop_takes_events_back()
    {
        // No membership at all (no lease keys): lease absence proves nothing, so only idle time counts.
        await using var a = await NodeAsync("a", lease: false);
        await using var b = await NodeAsync("b", Manual with { IdleReclaim = TimeSpan.FromMilliseconds(200) }, lease: false);
        var id = (await a.AppendInFlightAsync(Record("held"))).Value;

        int moved = 0;
        using var cts = new CancellationTokenSource(Limit);
        while (moved == 0)
        {
            moved = await b.ReclaimAsync();
            if (moved == 0)
                await Task.Delay(100, cts.Token);
        }
        Assert.Equal(1, moved);
        Assert.Equal(id, Assert.Single((await b.ClaimDueAsync(2_000, 10)).Value!).Id);
    }

    [Fact]
    public async Task A_live_node_touching_its_events_keeps_them_from_the_idle_backstop()
    {
        await using var a = await NodeAsync("a", lease: false);
        await using var b = await NodeAsync("b", Manual with { IdleReclaim = TimeSpan.FromSeconds(2) }, lease: false);
        await a.AppendInFlightAsync(Record("long-running"));
        // A touches; B's backstop round right after finds nothing idle for 2 s (the touch just reset it).
        Assert.Equal(1, await a.TouchAsync());
        Assert.Equal(0, await b.ReclaimAsync());
    }

    [Fact]
    public async Task A_retry_and_acknowledged_events_survive_a_Redis_restart()
    {
        var a = await NodeAsync("a");
        var retried = (await a.AppendAsync(Record("retried", at: 1_000))).Value;
        var waiting = (await a.AppendAsync(Record("waiting", at: 1_100))).Value;
        Assert.Equal(retried, (await a.ClaimDueAsync(1_000, 1)).Value!.Single().Id);
        Assert.True((await a.RescheduleAsync(retried, 1, 61_000, "Unhandled (run 1); retry 1 of 2")).IsOk);
        var dead = (await a.AppendInFlightAsync(Record("dead", at: 1_200))).Value;
        Assert.True((await a.DeadLetterAsync(dead, "RetriesExhausted")).IsOk);

        await redis.KillAsync(); // SIGKILL: only what AOF (appendfsync always) has is left
        await redis.StartAsync();
        await a.DisposeAsync();

        var again = await NodeAsync("a"); // the node restarts too (same id)
        await using var disposeAgain = again;
        var early = (await again.ClaimDueAsync(60_999, 10)).Value!;
        Assert.Equal(waiting, Assert.Single(early).Id); // acknowledged before the kill, waiting for any node
        var r = Assert.Single((await again.ClaimDueAsync(61_000, 10)).Value!);
        Assert.Equal(retried, r.Id);
        Assert.Equal((1, 1_000L, 61_000L, "Unhandled (run 1); retry 1 of 2"), (r.Record.Attempts, r.Record.AcceptedAtUnixMs, r.Record.NextAttemptAtUnixMs, r.LastError));
        Assert.Equal(1, (await again.GetCountersAsync(0)).Value.DeadLettered);

        // The dead letter was written to the dlq stream in the same script as it left the queue.
        var dlq = await again.Database.StreamRangeAsync(ClusterKeys.EventsTag + ":dlq");
        var entry = Assert.Single(dlq);
        Assert.Equal(("dead", "RetriesExhausted"), ((string)entry["requestId"]!, (string)entry["reason"]!));
    }

    [Fact]
    public async Task While_Redis_is_down_operations_answer_Unavailable_instead_of_hanging()
    {
        await using var a = await NodeAsync("a");
        await redis.KillAsync();
        try
        {
            var appended = await a.AppendAsync(Record("refused")).AsTask().WaitAsync(Limit);
            Assert.Equal(StoreStatus.Unavailable, appended.Status);
            // "cannot be reached" once the client has seen the link drop, "did not answer" when the write raced the
            // kill: both are Unavailable (a 503 the caller retries), which is what this checks.
            Assert.Contains("The cluster's event queue (Redis)", appended.Error ?? "", StringComparison.Ordinal);
            Assert.Contains("Retry later.", appended.Error ?? "", StringComparison.Ordinal);
            Assert.Equal(StoreStatus.Unavailable, (await a.AppendInFlightAsync(Record("refused")).AsTask().WaitAsync(Limit)).Status);
            Assert.Equal(StoreStatus.Unavailable, (await a.ClaimDueAsync(0, 1).AsTask().WaitAsync(Limit)).Status);
        }
        finally
        {
            await redis.StartAsync();
        }
        // Back: the multiplexer reconnects by itself and the store works again.
        StoreResult<EventId> ok = new(StoreStatus.Unavailable, default); // default(StoreResult) is Ok
        using var cts = new CancellationTokenSource(Limit);
        while (!ok.IsOk)
        {
            ok = await a.AppendAsync(Record("accepted"));
            if (!ok.IsOk)
                await Task.Delay(100, cts.Token);
        }
    }

    [Fact]
    public async Task The_background_loop_reclaims_a_dead_node_and_says_work_is_available()
    {
        var a = await NodeAsync("a");
        await using var b = await NodeAsync("b", new RedisEventStoreOptions { MaintenanceInterval = TimeSpan.FromMilliseconds(50) });
        var signalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var id = (await a.AppendInFlightAsync(Record("orphan"))).Value;
        b.WorkAvailable += () => signalled.TrySetResult();
        await a.DisposeAsync();
        await b.Database.KeyDeleteAsync(ClusterKeys.NodeLease("a"));

        await signalled.Task.WaitAsync(Limit);
        IReadOnlyList<StoredEvent> claimed = [];
        using var cts = new CancellationTokenSource(Limit);
        while (claimed.Count == 0)
        {
            claimed = (await b.ClaimDueAsync(2_000, 10)).Value!;
            if (claimed.Count == 0)
                await Task.Delay(50, cts.Token);
        }
        Assert.Equal(id, Assert.Single(claimed).Id);
    }

    [Fact]
    public async Task A_node_that_starts_while_Redis_is_down_puts_its_leftovers_back_before_adding_new_events()
    {
        var before = await NodeAsync("a");
        var leftover = (await before.AppendInFlightAsync(Record("leftover"))).Value;
        await before.DisposeAsync(); // the node dies with the event in its PEL

        await redis.KillAsync();
        var connection = await ConnectAsync("a");
        await using var after = new RedisStreamEventStore(connection, Manual);
        try
        {
            Assert.Equal(StoreStatus.Unavailable, (await after.RecoverAsync().AsTask().WaitAsync(Limit)).Status);
        }
        finally
        {
            await redis.StartAsync();
        }
        StoreResult<EventId> fresh = new(StoreStatus.Unavailable, default);
        using var cts = new CancellationTokenSource(Limit);
        while (!fresh.IsOk)
        {
            fresh = await after.AppendInFlightAsync(Record("fresh"));
            if (!fresh.IsOk)
                await Task.Delay(100, cts.Token);
        }
        // The leftover went back to the queue first; the fresh event stays with the node that runs it.
        StoreResult<IReadOnlyList<StoredEvent>> claim = new(StoreStatus.Unavailable, null);
        while (!claim.IsOk) // a link that just came back may flap once more: Unavailable is a transient answer
        {
            claim = await after.ClaimDueAsync(2_000, 10);
            if (!claim.IsOk)
                await Task.Delay(100, cts.Token);
        }
        Assert.Equal(leftover, Assert.Single(claim.Value!).Id);
        Assert.Equal(2, (await after.GetCountersAsync(2_000)).Value.InFlight); // the leftover (claimed now) and the fresh one
    }
}
