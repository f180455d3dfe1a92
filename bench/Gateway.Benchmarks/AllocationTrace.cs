using System.Diagnostics.Tracing;

namespace Gateway.Benchmarks;

/// <summary>
/// <c>--trace-allocations [N]</c>: where <see cref="DispatchRoundTripBenchmarks.SyncInvoke_64B"/>'s bytes go. Runs the
/// round trip N times (default 100,000) and prints the exact bytes per operation (<c>GC.GetTotalAllocatedBytes(precise:
/// true)</c>, and the share allocated on the benchmark's own thread), then N more times under an in-process
/// <see cref="EventListener"/> on the runtime's <c>Microsoft-Windows-DotNETRuntime</c> provider (GC keyword, verbose):
/// each <c>GCAllocationTick</c> names the type whose allocation crossed the next ~100 KB, so over N operations the ticks
/// per type are proportional to the bytes each type takes. Type names, not call sites: the sites are found by reading
/// the code that allocates each type (docs/performance.md, "Where the dispatch round trip's bytes went").
/// </summary>
/// <remarks>Run with <c>DOTNET_TieredCompilation=0</c> (docs/performance.md gives the command), so no tier-up compilation on
/// a background thread is counted.</remarks>
internal static class AllocationTrace
{
    public static int Run(int operations)
    {
        var bench = new DispatchRoundTripBenchmarks();
        bench.Setup();
        try
        {
            for (int i = 0; i < 10_000; i++)
            {
                bench.SyncInvoke_64B();
            }
            GC.Collect();
            long total = GC.GetTotalAllocatedBytes(precise: true);
            long own = GC.GetAllocatedBytesForCurrentThread();
            long workItems = ThreadPool.CompletedWorkItemCount;
            for (int i = 0; i < operations; i++)
            {
                bench.SyncInvoke_64B();
            }
            own = GC.GetAllocatedBytesForCurrentThread() - own;
            Console.WriteLine($"thread-pool work items: {(double)(ThreadPool.CompletedWorkItemCount - workItems) / operations:F2} per op");
            total = GC.GetTotalAllocatedBytes(precise: true) - total;
            Console.WriteLine($"{operations} operations: {(double)total / operations:F1} B/op in all ({(double)own / operations:F1} B/op on the benchmark's thread, {(double)(total - own) / operations:F1} B/op on others)");

            using var listener = new TickListener();
            for (int i = 0; i < operations; i++)
            {
                bench.SyncInvoke_64B();
            }
            listener.Print(operations);
        }
        finally
        {
            bench.Cleanup();
        }
        return 0;
    }

    internal sealed class TickListener : EventListener
    {
        private readonly Dictionary<string, (int Ticks, long Bytes)> _byType = [];
        private readonly object _lock = new();

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1); // GC
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null)
            {
                return;
            }
            int typeIndex = e.PayloadNames!.IndexOf("TypeName");
            int amountIndex = e.PayloadNames.IndexOf("AllocationAmount64");
            string type = typeIndex >= 0 ? e.Payload[typeIndex] as string ?? "?" : "?";
            long amount = amountIndex >= 0 ? Convert.ToInt64(e.Payload[amountIndex], System.Globalization.CultureInfo.InvariantCulture) : 0;
            lock (_lock)
            {
                var (ticks, bytes) = _byType.GetValueOrDefault(type);
                _byType[type] = (ticks + 1, bytes + amount);
            }
        }

        public void Print(int operations)
        {
            lock (_lock)
            {
                long all = _byType.Values.Sum(v => v.Bytes);
                Console.WriteLine($"GCAllocationTick over {operations} operations: {_byType.Values.Sum(v => v.Ticks)} ticks, {(double)all / operations:F1} B/op sampled");
                foreach (var (type, (ticks, bytes)) in _byType.OrderByDescending(kv => kv.Value.Bytes))
                {
                    Console.WriteLine($"  {(double)bytes / operations,8:F1} B/op  {ticks,6} ticks  {type}");
                }
            }
        }
    }
}
