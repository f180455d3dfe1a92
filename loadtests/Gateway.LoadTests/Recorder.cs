using System.Diagnostics;

namespace Gateway.LoadTests;

/// <summary>Everything recorded in one second of the run (by completion time).</summary>
internal sealed class SecondSlot
{
    public readonly LatencyHistogram Latency = new();
    public readonly long[] StatusCounts = new long[600];   // index = HTTP status; 0 = transport error
    public long FunctionErrors;

    public long Requests => Latency.TotalCount;
}

/// <summary>
/// Collects results into per-second slots, allocated on first use. Slot 0 starts at <see cref="Origin"/>; the
/// first <c>warmup</c> slots are shown in the time series but left out of the summary.
/// </summary>
internal sealed class Recorder
{
    private readonly SecondSlot?[] _slots;

    public Recorder(long origin, int seconds)
    {
        Origin = origin;
        _slots = new SecondSlot?[seconds + 2];
    }

    public long Origin { get; }
    public int SlotCount => _slots.Length;
    public long InFlight;

    public static long ToNanos(long ticks) => (long)(ticks * (1_000_000_000.0 / Stopwatch.Frequency));

    public void Record(long startTicks, long endTicks, in Exchange exchange)
    {
        int index = (int)((endTicks - Origin) / Stopwatch.Frequency);
        if ((uint)index >= (uint)_slots.Length)
        {
            return;
        }
        var slot = Slot(index);
        slot.Latency.Record(ToNanos(endTicks - startTicks));
        Interlocked.Increment(ref slot.StatusCounts[exchange.Failed ? 0 : Math.Clamp(exchange.Status, 0, 599)]);
        if (exchange.FunctionError)
        {
            Interlocked.Increment(ref slot.FunctionErrors);
        }
    }

    public SecondSlot Slot(int index)
    {
        var slot = Volatile.Read(ref _slots[index]);
        if (slot is null)
        {
            Interlocked.CompareExchange(ref _slots[index], new SecondSlot(), null);
            slot = _slots[index]!;
        }
        return slot;
    }

    public SecondSlot? Peek(int index) => (uint)index < (uint)_slots.Length ? Volatile.Read(ref _slots[index]) : null;
}
