using StackExchange.Redis;

namespace Gateway.Cluster.Events;

/// <summary>
/// Takes back what dead nodes held. Each round: look at the consumer group (who holds how many in-flight events);
/// every other node whose lease key <see cref="ClusterKeys.NodeLease"/> is gone has its events put back in the ready
/// stream (one script per node, XACK + XDEL + XADD, attempts and ages intact) and is removed from the group; then
/// the idle backstop and, every <see cref="RedisEventStoreOptions.TouchInterval"/>, a touch of this node's own
/// in-flight events. Raises the store's WorkAvailable when anything may be claimable, so the node's pump claims it.
/// </summary>
/// <remarks>
/// Lease absence is trusted only while this node's own lease exists: a node whose membership is not running (or
/// whose Redis lost every lease) would otherwise take every other node for dead. The lease lives in the
/// <c>{gw:nodes}</c> group, so it is checked with a plain EXISTS before the <c>{gw:events}</c> script (a script never
/// mixes groups); a node that comes back between the two may see its events run twice — allowed by at-least-once.
/// </remarks>
internal sealed class EventReclaimer(RedisStreamEventStore store, ClusterConnection connection, RedisEventStoreOptions options, Action<string> log)
{
    private long _lastTouch = Environment.TickCount64;
    private bool _saidNoLease;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.MaintenanceInterval, cancellationToken).ConfigureAwait(false);
                if (connection.Database.IsConnected(EventKeys.Ready))
                {
                    await RunOnceAsync(forceTouch: false).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (RedisStreamEventStore.Classify(e) is not null)
            {
                // Redis down or restarting: the next round tries again.
            }
        }
    }

    /// <summary>One round; returns how many events went back to the ready stream.</summary>
    public async Task<int> RunOnceAsync(bool forceTouch)
    {
        var db = connection.Database;
        int moved = 0;
        if (!store.Recovered)
        {
            moved += await store.EnsureRecoveredAsync().ConfigureAwait(false); // this node's own leftovers first (Redis was down at start)
        }
        var (undelivered, delayed, consumers) = await store.LookAsync().ConfigureAwait(false);
        bool trustLeases = await db.KeyExistsAsync(ClusterKeys.NodeLease(connection.NodeId)).ConfigureAwait(false);
        if (!trustLeases && !_saidNoLease && consumers.Exists(c => c.Consumer != connection.NodeId))
        {
            _saidNoLease = true;
            log($"event queue: this node's lease {ClusterKeys.NodeLease(connection.NodeId)} is absent, so other nodes' leases are not trusted; their in-flight events are taken back only when idle for {options.IdleReclaim}");
        }
        foreach (var (consumer, _) in consumers)
        {
            if (consumer == connection.NodeId || !trustLeases)
            {
                continue;
            }
            if (await db.KeyExistsAsync(ClusterKeys.NodeLease(consumer)).ConfigureAwait(false))
            {
                continue;
            }
            int back = await store.RequeueConsumerAsync(consumer, deleteConsumer: true).ConfigureAwait(false);
            if (back > 0)
            {
                log($"event queue: node {consumer}'s lease is gone; {back} event(s) it had in flight went back to the shared queue");
            }
            moved += back;
        }
        int idle = await store.RequeueIdleAsync().ConfigureAwait(false);
        if (idle > 0)
        {
            log($"event queue: {idle} in-flight event(s) untouched for {options.IdleReclaim} went back to the shared queue");
        }
        moved += idle;
        if (forceTouch || Environment.TickCount64 - _lastTouch >= (long)options.TouchInterval.TotalMilliseconds)
        {
            _lastTouch = Environment.TickCount64;
            await store.TouchAsync().ConfigureAwait(false);
        }
        if (moved > 0 || undelivered > 0 || delayed > 0)
        {
            store.SignalWork();
        }
        return moved;
    }
}
