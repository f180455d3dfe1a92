namespace Gateway.Hosting;

/// <summary>
/// Moves what start-up leaves alive into the oldest generation before load can make the collector copy it.
/// </summary>
/// <remarks>
/// About 3.4 MB survive the gateway's start-up: the host, configuration, routing, Kestrel and the stores (~1.6 MB),
/// then each pre-forked environment's process, connection and log objects (~120 KB each). Left alone, the first
/// gen0 collection under load copies all of it into gen1 and the first gen1 collection copies it again into gen2:
/// two stops of 10-20 ms each, with every request in flight waiting: the collector's longest stops under load at
/// 8,000/s (measured with <c>gateway_gc_last_promoted_bytes</c> and uprobes on the collector; docs/performance.md).
/// Settled, the first collection under load promotes only what the load itself brought (~0.8 MB: its connections,
/// the pools it grew; 2.6 ms) and later ones ~15 KB (about a millisecond).
///
/// So the heap is settled twice: once as the server begins listening, right after the pre-forks are started (the
/// bootstraps start in their own processes meanwhile), and once when
/// every pool's pre-forked environments have reached /next (or after <see cref="ReadyWait"/>, if some never do).
/// Requests that arrive during the second wait as they would for any collection, once.
///
/// Each settle is two gen1 collections: one promotes gen0's survivors to gen1, the next promotes them to gen2. Not
/// forced full collections: one at the first settle sized gen2's budget to the 1.6 MB it found, and the promotions
/// into gen2 that followed triggered a blocking full collection under load (12-20 ms, measured). The collector may
/// still turn one of these gen1 collections into a full one when gen2 has outgrown its budget (it did at the second
/// settle, 2.4 ms with nothing in flight); gen2's next budget then fits the settled heap.
/// </remarks>
internal static class StartupHeap
{
    /// <summary>How long the second settle waits for the pre-forked environments.</summary>
    public static readonly TimeSpan ReadyWait = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    public static void Settle()
    {
        GC.Collect(1, GCCollectionMode.Forced, blocking: true);
        GC.Collect(1, GCCollectionMode.Forced, blocking: true);
    }

    /// <summary>Settles once every pool's pre-forked environments are ready (polled: a cold path, once per start).</summary>
    public static async Task SettleWhenProvisionedAsync(FunctionHost host, TimeProvider time, CancellationToken stopping)
    {
        long deadline = time.GetTimestamp() + (long)(ReadyWait.TotalSeconds * time.TimestampFrequency);
        try
        {
            while (!AllProvisionedReady(host) && time.GetTimestamp() < deadline)
            {
                await Task.Delay(Poll, time, stopping);
            }
        }
        catch (OperationCanceledException)
        {
            return; // stopping: nothing to settle for
        }
        Settle();
    }

    private static bool AllProvisionedReady(FunctionHost host)
    {
        foreach (var function in host.All)
        {
            foreach (var pool in function.Pools.Values)
            {
                if (pool.ReadyProvisioned < pool.ProvisionedTarget)
                {
                    return false;
                }
            }
        }
        return true;
    }
}
