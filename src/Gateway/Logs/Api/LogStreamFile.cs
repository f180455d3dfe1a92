using System.Text;

namespace Gateway.Logs.Api;

/// <summary>One line of a stream: where it starts and ends (after its newline) in the file, when it was written, its text.</summary>
internal readonly record struct LogLine(long Offset, long End, long Timestamp, string Message);

/// <summary>
/// One log stream as the Logs API sees it: a <c>.log</c> file and its <see cref="StreamIndex"/> (which names the
/// stream's group and stream). Reads are snapshots: lines still being written (no newline yet) are left for the next read.
/// </summary>
internal sealed class LogStreamFile
{
    public required string LogGroup { get; init; }
    public required string LogStream { get; init; }
    public required string FilePath { get; init; }
    public required string IndexPath { get; init; }
    public required int HeaderLength { get; init; }

    /// <summary>A stable 64-bit number for the stream (FNV-1a of its file name), part of each event's id.</summary>
    public ulong Hash
    {
        get
        {
            ulong hash = 14695981039346656037UL;
            foreach (char c in Path.GetFileName(FilePath))
            {
                hash = (hash ^ c) * 1099511628211UL;
            }
            return hash;
        }
    }

    /// <summary>The index's records, in file order (empty when the stream has no lines yet).</summary>
    public List<(long Offset, long Time)> ReadIndex()
    {
        var bytes = ReadShared(IndexPath, HeaderLength);
        return StreamIndex.ReadRecords(bytes);
    }

    /// <summary>The first and last line times (null, null for a stream without lines) and the file's size, read
    /// from the two ends of the index only.</summary>
    public (long? First, long? Last) EventTimes()
    {
        try
        {
            using var index = new FileStream(IndexPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            long records = (StreamIndex.RecordsEnd(index) - HeaderLength) / StreamIndex.RecordSize; // not the zeros after them
            if (records <= 0)
            {
                return (null, null);
            }
            Span<byte> record = stackalloc byte[StreamIndex.RecordSize];
            index.Position = HeaderLength;
            index.ReadExactly(record);
            long first = StreamIndex.ReadRecords(record)[0].Time;
            index.Position = HeaderLength + (records - 1) * StreamIndex.RecordSize;
            index.ReadExactly(record);
            return (first, StreamIndex.ReadRecords(record)[0].Time);
        }
        catch (IOException)
        {
            return (null, null);
        }
    }

    /// <summary>When the stream began: its first line, or (no lines yet) when its index was created.</summary>
    public long CreationTime()
    {
        if (EventTimes().First is { } first)
        {
            return first;
        }
        try
        {
            return new DateTimeOffset(File.GetCreationTimeUtc(IndexPath), TimeSpan.Zero).ToUnixTimeMilliseconds();
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public long Size()
    {
        try
        {
            return new FileInfo(FilePath).Length;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>
    /// The complete lines whose timestamps fall in [<paramref name="startTime"/>, <paramref name="endTime"/>] (either
    /// open), in file order, each message ending in a newline as Lambda's CloudWatch events do (a Python error line without). The index also says
    /// where to start reading: every line before the first record at or after startTime is older.
    /// </summary>
    public List<LogLine> Read(long? startTime, long? endTime)
    {
        var lines = new List<LogLine>();
        // The file first, then the index: a line in the snapshot has its record in the (later) index read.
        long fileLength;
        try
        {
            fileLength = new FileInfo(FilePath).Length;
        }
        catch (IOException)
        {
            return lines;
        }
        var records = ReadIndex();
        if (records.Count == 0)
        {
            return lines;
        }
        long from = 0;
        int recordIndex = 0;
        if (startTime is { } start)
        {
            while (recordIndex < records.Count && records[recordIndex].Time < start)
            {
                recordIndex++;
            }
            if (recordIndex == records.Count)
            {
                return lines;
            }
            from = records[recordIndex].Offset;
        }
        byte[] data;
        try
        {
            using var file = new FileStream(FilePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            file.Position = from;
            data = new byte[Math.Max(0, fileLength - from)];
            file.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        }
        catch (IOException)
        {
            return lines;
        }
        int position = 0;
        while (position < data.Length)
        {
            int newline = Array.IndexOf(data, (byte)'\n', position);
            if (newline < 0)
            {
                break; // being written
            }
            long offset = from + position;
            while (recordIndex + 1 < records.Count && records[recordIndex + 1].Offset <= offset)
            {
                recordIndex++;
            }
            long time = records[recordIndex].Time;
            if (endTime is { } end && time > end)
            {
                break;
            }
            if (newline > position && (startTime is not { } s || time >= s))
            {
                var line = data.AsSpan(position, newline - position);
                if (RecordNewlines.Has(line))
                {
                    RecordNewlines.Restore(line); // a runtime client's multi-line record
                }
                // Python's error line is a telemetry frame on AWS, with no newline after it; everything else (stdout,
                // the platform, a logging record, whose format ends in one) is an event that ends with its newline.
                int length = newline - position + (RecordNewlines.IsPythonErrorLine(line) ? 0 : 1);
                lines.Add(new LogLine(offset, from + newline + 1, time, Encoding.UTF8.GetString(data, position, length)));
            }
            position = newline + 1;
        }
        return lines;
    }

    private static byte[] ReadShared(string path, int skip)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length <= skip)
            {
                return [];
            }
            stream.Position = skip;
            var bytes = new byte[stream.Length - skip];
            int n = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            return n == bytes.Length ? bytes : bytes[..n];
        }
        catch (IOException)
        {
            return [];
        }
    }
}
