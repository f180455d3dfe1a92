using System.Buffers.Binary;
using System.Text;

namespace Gateway.Logs;

/// <summary>
/// The timestamps of one log stream's lines, kept beside its file so the file itself stays plain text (what
/// <c>tail -f</c>, grep and the tests read). <c>{group dir}/.index/{stream file}.idx</c>:
/// <code>
/// gateway-log-index 1\t{log group}\t{log stream}\n      one header line, UTF-8
/// [offset: int64 LE][unix ms: int64 LE] …               16 bytes per record
/// [zeros]                                               the writer's room for more (MappedStreamIndex)
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

    /// <summary>The records after the header: (offset, unix ms) pairs in file order. A torn last record is ignored, and
    /// the records end at the first whose time is 0 (the zeros the writer grows the file by).</summary>
    public static List<(long Offset, long Time)> ReadRecords(ReadOnlySpan<byte> records)
    {
        var list = new List<(long, long)>(records.Length / RecordSize);
        for (int i = 0; i + RecordSize <= records.Length; i += RecordSize)
        {
            long time = BinaryPrimitives.ReadInt64LittleEndian(records[(i + 8)..]);
            if (time == 0)
            {
                break;
            }
            list.Add((BinaryPrimitives.ReadInt64LittleEndian(records[i..]), time));
        }
        return list;
    }

    /// <summary>The end of the header and the records: the writer grows the file ahead of its records (zero bytes, see
    /// <see cref="MappedStreamIndex"/>), and a crash may leave them; records form a prefix, so the first zero record is
    /// found by bisection.</summary>
    public static long RecordsEnd(FileStream file)
    {
        Span<byte> head = stackalloc byte[4096];
        file.Position = 0;
        int n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        int headerLength = head[..n].IndexOf((byte)'\n') + 1;
        if (headerLength <= 0)
        {
            return file.Length; // not an index this writer knows: append after whatever is there
        }
        long count = (file.Length - headerLength) / StreamIndex.RecordSize;
        long low = 0, high = count; // records [0, low) are set; [high, count) are zero
        Span<byte> time = stackalloc byte[8];
        while (low < high)
        {
            long middle = low + (high - low) / 2;
            file.Position = headerLength + middle * StreamIndex.RecordSize + 8;
            file.ReadExactly(time);
            if (BinaryPrimitives.ReadInt64LittleEndian(time) != 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }
        return headerLength + low * StreamIndex.RecordSize;
    }
}
