namespace Gateway.Logs;

/// <summary>
/// A multi-line log record as the function wrote it. AWS's runtime clients (aws-lambda-ric for Node.js, awslambdaric
/// for Python, and Gateway's Python runtime and C# client after them) write each logging record on one stdout line with CR in place of
/// every LF when they have no telemetry log descriptor, so that the line is still one event; on AWS they have one, and
/// the record arrives with its LFs (a traceback is one event of several lines). Gateway has no such descriptor, so
/// where such a record is shown — the Logs API's events, LogType Tail, the Telemetry API, the console — a CR inside it
/// is turned back into the LF it stands for.
/// </summary>
/// <remarks>
/// Only a record's CRs: a line is one when it has a runtime client's text-record shape — Python's
/// <c>[LEVEL]\t…</c> (a tab after a logging level) or <c>[ERROR] Type: …</c>, Node's <c>2026-01-01T00:00:00.000Z\t{request id}\tINFO\t…</c>,
/// and the same with .NET's error label (<c>…\tfail\t…</c>: Amazon.Lambda.RuntimeSupport's shape, which Gateway's C#
/// client writes for an unhandled exception). Anything
/// else (a <c>print("a\rb")</c>, a progress bar, CRLF output) keeps its CRs, as on AWS, where stdout is not a record
/// (recorded: a printed <c>"another\rline"</c> is that event). JSON-format records never hold a raw CR (JSON escapes
/// newlines). A CR that ends the line is kept either way. The stream's file keeps the line as written: LF is its event
/// separator; <see cref="Api.LogStreamFile"/> restores records as it reads.
/// </remarks>
internal static class RecordNewlines
{
    private static readonly byte[][] PythonLevels = ["DEBUG"u8.ToArray(), "INFO"u8.ToArray(), "WARNING"u8.ToArray(), "ERROR"u8.ToArray(), "CRITICAL"u8.ToArray()];
    // Node's levels, then the one RuntimeSupport label Gateway's C# client writes ("fail", DefaultLogMessageFormatter's
    // for Error). Not RuntimeSupport's others: a function on the real RuntimeSupport writes its own records with them,
    // to a telemetry descriptor on AWS, and its stdout's CRs stay CRs there.
    private static readonly byte[][] NodeLevels =
    [
        "TRACE"u8.ToArray(), "DEBUG"u8.ToArray(), "INFO"u8.ToArray(), "WARN"u8.ToArray(), "ERROR"u8.ToArray(), "FATAL"u8.ToArray(),
        "fail"u8.ToArray(),
    ];

    /// <summary>True when <paramref name="line"/> (without its LF) is a runtime client's text record with a CR before
    /// its last byte.</summary>
    public static bool Has(ReadOnlySpan<byte> line) =>
        line.Length > 1 && line[..^1].Contains((byte)'\r') && (IsPythonRecord(line) || IsNodeRecord(line));

    /// <summary>In place: every CR before the line's last byte becomes LF (the line without its LF).</summary>
    public static void Restore(Span<byte> line)
    {
        if (line.Length > 1)
        {
            line[..^1].Replace((byte)'\r', (byte)'\n');
        }
    }

    /// <summary>Python's logging record (<c>[WARNING]\t…</c>, <c>[Level 25]\t…</c>) or its error line
    /// (<see cref="IsPythonErrorLine"/>).</summary>
    public static bool IsPythonRecord(ReadOnlySpan<byte> line)
    {
        if (IsPythonErrorLine(line))
        {
            return true;
        }
        if (line.Length < 4 || line[0] != (byte)'[')
        {
            return false;
        }
        int close = line.IndexOf((byte)']');
        if (close < 2 || close + 1 >= line.Length || line[close + 1] != (byte)'\t')
        {
            return false;
        }
        var level = line[1..close];
        foreach (var name in PythonLevels)
        {
            if (level.SequenceEqual(name))
            {
                return true;
            }
        }
        return level.StartsWith("Level "u8);
    }

    /// <summary>The line awslambdaric (and Gateway's Python runtime) writes for an error it reports: <c>[ERROR] Type:
    /// message</c> and the traceback. On AWS it is a telemetry frame without a trailing newline, unlike a logging
    /// record (whose format ends in one).</summary>
    public static bool IsPythonErrorLine(ReadOnlySpan<byte> line) => line.StartsWith("[ERROR] "u8) && line.IndexOf(": "u8) > 8;

    /// <summary>Node's console record (or RuntimeSupport's): an ISO time ending in Z, a tab, the request id (or
    /// "undefined", or nothing), a tab, a level, a tab.</summary>
    public static bool IsNodeRecord(ReadOnlySpan<byte> line)
    {
        // 2026-01-01T00:00:00.000Z\t
        if (line.Length < 26 || line[4] != (byte)'-' || line[10] != (byte)'T' || line[23] != (byte)'Z' || line[24] != (byte)'\t')
        {
            return false;
        }
        var rest = line[25..];
        int tab = rest.IndexOf((byte)'\t');
        if (tab < 0)
        {
            return false;
        }
        rest = rest[(tab + 1)..];
        foreach (var name in NodeLevels)
        {
            if (rest.Length > name.Length && rest[name.Length] == (byte)'\t' && rest.StartsWith(name))
            {
                return true;
            }
        }
        return false;
    }
}
