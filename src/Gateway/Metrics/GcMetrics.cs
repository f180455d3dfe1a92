using System.Text;
using static Gateway.Metrics.PrometheusExporter;

namespace Gateway.Metrics;

/// <summary>
/// The gateway's own garbage collector in <c>/metrics</c>: totals (collections, pause time, bytes allocated) and, for
/// the last collection of each kind, its pause and what it promoted. A tail spike under load is a pause; whether it
/// came from copying survivors (promoted bytes) or from something else is what these tell apart.
/// </summary>
internal static class GcMetrics
{
    // GCKind.Any is left out: it is whichever of these three came last.
    private static readonly (GCKind Kind, string Label)[] Kinds =
    [
        (GCKind.Ephemeral, "kind=\"ephemeral\""),
        (GCKind.FullBlocking, "kind=\"full_blocking\""),
        (GCKind.Background, "kind=\"background\""),
    ];

    // GCGenerationInfo's order: gen0, gen1, gen2, the large-object heap, the pinned-object heap (the first three also
    // label the collection counts).
    private static readonly string[] GenerationLabels = ["generation=\"0\"", "generation=\"1\"", "generation=\"2\"", "generation=\"loh\"", "generation=\"poh\""];

    public static void Render(StringBuilder text)
    {
        Family(text, "gateway_gc_allocated_bytes_total", "counter", "Bytes the gateway process has allocated on the managed heap (divide by invocations for bytes per invocation).");
        Sample(text, "gateway_gc_allocated_bytes_total", null, GC.GetTotalAllocatedBytes(precise: false));
        Family(text, "gateway_gc_collections_total", "counter", "Garbage collections of the gateway's heap by generation (a gen0 count also counts the gen1 and gen2 ones, as GC.CollectionCount does).");
        for (int generation = 0; generation <= GC.MaxGeneration; generation++)
        {
            Sample(text, "gateway_gc_collections_total", GenerationLabels[generation], GC.CollectionCount(generation));
        }
        Family(text, "gateway_gc_pause_seconds_total", "counter", "Time the gateway's threads spent suspended for garbage collection (every request in flight waits that long).");
        Sample(text, "gateway_gc_pause_seconds_total", null, GC.GetTotalPauseDuration().TotalSeconds);

        var last = new GCMemoryInfo[Kinds.Length];
        for (int i = 0; i < Kinds.Length; i++)
        {
            last[i] = GC.GetGCMemoryInfo(Kinds[i].Kind);
        }
        Family(text, "gateway_gc_last_generation", "gauge", "The generation the last collection of each kind collected (-1: none yet; ephemeral is 0 or 1).");
        Each(text, last, "gateway_gc_last_generation", info => info.Index == 0 ? -1 : info.Generation);
        Family(text, "gateway_gc_last_pause_seconds", "gauge", "The pause of the last collection of each kind (a background collection's is its two short pauses added).");
        Each(text, last, "gateway_gc_last_pause_seconds", Pause);
        Family(text, "gateway_gc_last_promoted_bytes", "gauge", "Bytes the last collection of each kind found alive and kept (copying them is most of an ephemeral pause).");
        Each(text, last, "gateway_gc_last_promoted_bytes", info => info.PromotedBytes);

        // The heap after the last collection of any kind, by generation.
        var any = GC.GetGCMemoryInfo(GCKind.Any);
        var generations = any.GenerationInfo;
        Family(text, "gateway_gc_heap_bytes", "gauge", "Each generation's size after the last collection (loh: large objects, poh: pinned objects).");
        for (int g = 0; g < generations.Length && g < GenerationLabels.Length; g++)
        {
            Sample(text, "gateway_gc_heap_bytes", GenerationLabels[g], generations[g].SizeAfterBytes);
        }
    }

    private static void Each(StringBuilder text, GCMemoryInfo[] last, string name, Func<GCMemoryInfo, double> value)
    {
        for (int i = 0; i < Kinds.Length; i++)
        {
            Sample(text, name, Kinds[i].Label, value(last[i]));
        }
    }

    private static double Pause(GCMemoryInfo info)
    {
        double seconds = 0;
        foreach (var pause in info.PauseDurations)
        {
            seconds += pause.TotalSeconds;
        }
        return seconds;
    }
}
