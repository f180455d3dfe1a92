using System.Text.Unicode;

namespace Gateway.Logs;

/// <summary>
/// The REPORT line AWS writes after each invocation, in AWS's field order (Init Duration last, on cold starts
/// only) — not the emulator's, which puts Init Duration first:
/// <c>REPORT RequestId: id\tDuration: 26.73 ms\tBilled Duration: 27 ms\tMemory Size: 128 MB\tMax Memory Used: 75 MB\tInit Duration: 166.62 ms\t</c>
/// </summary>
internal readonly record struct ReportLine(string RequestId, double DurationMs, double? InitDurationMs, int MemorySizeMb, int MaxMemoryUsedMb, string? Status, string? ErrorType = null)
{
    /// <summary>Billed in 1 ms units, rounded up (since Dec 2020). A custom runtime's init is billed too.</summary>
    public long BilledDurationMs => (long)Math.Ceiling(DurationMs + (InitDurationMs ?? 0));

    public int Format(Span<byte> destination)
    {
        Utf8.TryWrite(destination,
            $"REPORT RequestId: {RequestId}\tDuration: {DurationMs:F2} ms\tBilled Duration: {BilledDurationMs} ms\tMemory Size: {MemorySizeMb} MB\tMax Memory Used: {MaxMemoryUsedMb} MB\t",
            out int n);
        if (InitDurationMs is { } init)
        {
            Utf8.TryWrite(destination[n..], $"Init Duration: {init:F2} ms\t", out int m);
            n += m;
        }
        if (Status is not null)
        {
            Utf8.TryWrite(destination[n..], $"Status: {Status}\t", out int m);
            n += m;
        }
        if (ErrorType is not null)
        {
            Utf8.TryWrite(destination[n..], $"Error Type: {ErrorType}\t", out int m);
            n += m;
        }
        return n;
    }
}
