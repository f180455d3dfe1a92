using System.Text.Unicode;

namespace Gateway.Logs;

/// <summary>
/// The REPORT line AWS writes after each invocation, in AWS's field order (Init Duration last, on cold starts
/// only) — not the emulator's, which puts Init Duration first:
/// <c>REPORT RequestId: id\tDuration: 26.73 ms\tBilled Duration: 27 ms\tMemory Size: 128 MB\tMax Memory Used: 75 MB\tInit Duration: 166.62 ms\t</c>
/// </summary>
internal readonly record struct ReportLine(string RequestId, double DurationMs, double? InitDurationMs, int MemorySizeMb, int MaxMemoryUsedMb, string? Status, string? ErrorType = null)
{
    /// <summary>Billed in 1 ms units, rounded up (since Dec 2020), init included: AWS bills a cold start's init for
    /// every on-demand function since 2025-08-01 (custom runtimes' always).</summary>
    public long BilledDurationMs => (long)Math.Ceiling(DurationMs + (InitDurationMs ?? 0));

    public int Format(Span<byte> destination)
    {
        // The durations go through TwoDecimals (F2's output without the double formatter's precision path).
        Utf8.TryWrite(destination, $"REPORT RequestId: {RequestId}\tDuration: ", out int n);
        TwoDecimals.TryWrite(DurationMs, destination[n..], out int m);
        n += m;
        Utf8.TryWrite(destination[n..],
            $" ms\tBilled Duration: {BilledDurationMs} ms\tMemory Size: {MemorySizeMb} MB\tMax Memory Used: {MaxMemoryUsedMb} MB\t",
            out m);
        n += m;
        if (InitDurationMs is { } init)
        {
            "Init Duration: "u8.CopyTo(destination[n..]);
            n += "Init Duration: ".Length;
            TwoDecimals.TryWrite(init, destination[n..], out m);
            n += m;
            " ms\t"u8.CopyTo(destination[n..]);
            n += " ms\t".Length;
        }
        if (Status is not null)
        {
            Utf8.TryWrite(destination[n..], $"Status: {Status}\t", out m);
            n += m;
        }
        if (ErrorType is not null)
        {
            Utf8.TryWrite(destination[n..], $"Error Type: {ErrorType}\t", out m);
            n += m;
        }
        return n;
    }
}
