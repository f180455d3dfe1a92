using System.Buffers.Text;

namespace Gateway.Environments;

/// <summary>Reads fields of <c>/proc/{pid}/status</c>.</summary>
internal static class ProcStatus
{
    /// <summary>Finds <c>VmHWM:   1234 kB</c> (peak resident set size) and returns the kB value.</summary>
    public static bool TryReadPeakKb(ReadOnlySpan<byte> status, out long kb)
    {
        kb = 0;
        int at = status.IndexOf("VmHWM:"u8);
        if (at < 0)
        {
            return false;
        }
        var rest = status[(at + 6)..].TrimStart(" \t"u8);
        return Utf8Parser.TryParse(rest, out kb, out _);
    }
}
