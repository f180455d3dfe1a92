using System.Buffers.Binary;
using System.Text;

namespace Gateway.Logs;

/// <summary>
/// The timestamps of one log stream's lines, kept beside its file so the file itself stays plain text (what
/// <c>tail -f</c>, grep and the tests read). <c>{group dir}/.index/{stream file}.idx</c>:
/// <code>
/// gateway-log-index 1\t{log group}\t{log stream}\n      one header line, UTF-8
/// [offset: int64 LE][unix ms: int64 LE] …               16 bytes per record
/// </code>
/// A record says "the line starting at this byte offset, and every line after it until the next record, was written at
/// this millisecond". A record is only written when the millisecond changes, so a burst of lines costs one record and
/// a quiet stream none; a line's timestamp is the record at or before its offset. CloudWatch's ingestionTime is the
/// same instant: the gateway ingests a line when it writes it.
/// </summary>
internal static class StreamIndex
{
    public const string Directory = ".index";
    public const string Extension = ".idx";
    public const int RecordSize = 16;
    private const string Magic = "gateway-log-index 1";

    public static string PathFor(string logFilePath) =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(logFilePath)!, Directory, System.IO.Path.GetFileName(logFilePath) + Extension);

    public static byte[] Header(string logGroup, string logStream) => Encoding.UTF8.GetBytes($"{Magic}\t{logGroup}\t{logStream}\n");

    /// <summary>Parses the header line; false when <paramref name="data"/> is not an index.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> data, out string logGroup, out string logStream, out int headerLength)
    {
        logGroup = logStream = "";
        headerLength = 0;
        int newline = data.IndexOf((byte)'\n');
        if (newline < 0)
        {
            return false;
        }
        var parts = Encoding.UTF8.GetString(data[..newline]).Split('\t');
        if (parts.Length != 3 || parts[0] != Magic)
        {
            return false;
        }
        logGroup = parts[1];
        logStream = parts[2];
        headerLength = newline + 1;
        return true;
    }

    /// <summary>The records after the header: (offset, unix ms) pairs in file order. A torn last record is ignored.</summary>
    public static List<(long Offset, long Time)> ReadRecords(ReadOnlySpan<byte> records)
    {
        var list = new List<(long, long)>(records.Length / RecordSize);
        for (int i = 0; i + RecordSize <= records.Length; i += RecordSize)
        {
            list.Add((BinaryPrimitives.ReadInt64LittleEndian(records[i..]), BinaryPrimitives.ReadInt64LittleEndian(records[(i + 8)..])));
        }
        return list;
    }

    public static void WriteRecord(Span<byte> destination, long offset, long unixMs)
    {
        BinaryPrimitives.WriteInt64LittleEndian(destination, offset);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], unixMs);
    }
}
