namespace Gateway.Logs;

/// <summary>
/// A multi-line log record as the function wrote it. AWS's runtime clients (aws-lambda-ric for Node.js, awslambdaric
/// for Python, and Gateway's Python runtime after it) write each record on one stdout line with CR in place of every
/// LF when they have no telemetry log descriptor, so that the line is still one event; on AWS they have one, and the
/// record arrives with its LFs (a traceback is one event of several lines). Gateway has no such descriptor, so where a
/// line is shown — the Logs API's events, LogType Tail, the Telemetry API, the console — a CR inside it is turned
/// back into the LF it stands for. A CR that ends the line (CRLF output) is not a record's newline and stays.
/// </summary>
/// <remarks>
/// The stream's file keeps the line as written: LF is its event separator, so the record's newlines cannot be stored
/// as LF there; <see cref="Api.LogStreamFile"/> restores them as it reads. A CR a program meant as a carriage return
/// inside a line (a progress bar) is shown as a newline too: on stdout that is rare, and the record's tracebacks are
/// what users read.
/// </remarks>
internal static class RecordNewlines
{
    /// <summary>True when <paramref name="line"/> (without its LF) has a CR before its last byte.</summary>
    public static bool Has(ReadOnlySpan<byte> line) => line.Length > 1 && line[..^1].Contains((byte)'\r');

    /// <summary>In place: every CR before the line's last byte becomes LF (the line without its LF).</summary>
    public static void Restore(Span<byte> line)
    {
        if (line.Length > 1)
        {
            line[..^1].Replace((byte)'\r', (byte)'\n');
        }
    }
}
