using System.Buffers.Binary;

namespace Gateway.EventStore;

/// <summary>What <see cref="WalInspector.Inspect"/> found in a SQLite write-ahead log.</summary>
internal readonly record struct WalReport(bool Exists, long Length, long ValidLength, int CommittedFrames, bool HeaderValid, bool ChecksumMismatch, int UncommittedFrames, bool PartialFrame)
{
    /// <summary>
    /// A crash or corruption left bytes SQLite will discard: a frame whose checksum fails, frames of a transaction
    /// that never committed, or half a frame. (Frames of an older WAL generation, with other salts, are normal.)
    /// </summary>
    public bool Torn => Length > 0 && (!HeaderValid || ChecksumMismatch || UncommittedFrames > 0 || PartialFrame);
}

/// <summary>
/// Reads a SQLite WAL file the way SQLite's own recovery does (https://sqlite.org/fileformat.html#the_write_ahead_log):
/// a 32-byte header, then frames of a 24-byte header plus one page, each carrying a cumulative checksum and the
/// header's salts. The log is valid up to the last frame that is a commit (non-zero "database size") and whose
/// checksum chain is unbroken; SQLite replays exactly that prefix and discards the rest. We read it first only
/// to say so in the log: SQLite itself repairs the tail silently.
/// </summary>
internal static class WalInspector
{
    private const int HeaderSize = 32;
    private const int FrameHeaderSize = 24;

    public static WalReport Inspect(string walPath)
    {
        var info = new FileInfo(walPath);
        if (!info.Exists)
            return new WalReport(false, 0, 0, 0, true, false, 0, false);
        long length = info.Length;
        if (length == 0)
            return new WalReport(true, 0, 0, 0, true, false, 0, false);

        using var file = new FileStream(walPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        Span<byte> header = stackalloc byte[HeaderSize];
        if (file.ReadAtLeast(header, HeaderSize, throwOnEndOfStream: false) < HeaderSize)
            return new WalReport(true, length, 0, 0, false, false, 0, false);

        uint magic = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (magic is not (0x377f0682 or 0x377f0683))
            return new WalReport(true, length, 0, 0, false, false, 0, false);
        bool bigEndianChecksum = (magic & 1) == 1;
        int pageSize = (int)BinaryPrimitives.ReadUInt32BigEndian(header[8..]);
        if (pageSize == 1)
            pageSize = 65536;
        if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) != 0)
            return new WalReport(true, length, 0, 0, false, false, 0, false);
        uint salt1 = BinaryPrimitives.ReadUInt32BigEndian(header[16..]);
        uint salt2 = BinaryPrimitives.ReadUInt32BigEndian(header[20..]);
        uint s0 = 0, s1 = 0;
        Checksum(header[..24], bigEndianChecksum, ref s0, ref s1);
        if (s0 != BinaryPrimitives.ReadUInt32BigEndian(header[24..]) || s1 != BinaryPrimitives.ReadUInt32BigEndian(header[28..]))
            return new WalReport(true, length, 0, 0, false, false, 0, false);

        int frameSize = FrameHeaderSize + pageSize;
        int slots = (int)((length - HeaderSize) / frameSize);
        var frame = new byte[frameSize];
        long validLength = HeaderSize;
        int committed = 0, valid = 0;
        bool mismatch = false, endedEarly = false;
        for (int i = 0; i < slots; i++)
        {
            if (file.ReadAtLeast(frame, frameSize, throwOnEndOfStream: false) < frameSize)
                break;
            var fh = frame.AsSpan(0, FrameHeaderSize);
            if (BinaryPrimitives.ReadUInt32BigEndian(fh[8..]) != salt1 || BinaryPrimitives.ReadUInt32BigEndian(fh[12..]) != salt2)
            {
                endedEarly = true; // an older generation's frames: SQLite restarted the log after a checkpoint
                break;
            }
            Checksum(fh[..8], bigEndianChecksum, ref s0, ref s1);
            Checksum(frame.AsSpan(FrameHeaderSize, pageSize), bigEndianChecksum, ref s0, ref s1);
            if (s0 != BinaryPrimitives.ReadUInt32BigEndian(fh[16..]) || s1 != BinaryPrimitives.ReadUInt32BigEndian(fh[20..]))
            {
                mismatch = endedEarly = true;
                break;
            }
            valid = i + 1;
            if (BinaryPrimitives.ReadUInt32BigEndian(fh[4..]) != 0)
            {
                committed = i + 1;
                validLength = HeaderSize + (long)(i + 1) * frameSize;
            }
        }
        bool partial = !endedEarly && (length - HeaderSize) % frameSize != 0;
        return new WalReport(true, length, validLength, committed, true, mismatch, valid - committed, partial);
    }

    private static void Checksum(ReadOnlySpan<byte> data, bool bigEndian, ref uint s0, ref uint s1)
    {
        for (int i = 0; i + 8 <= data.Length; i += 8)
        {
            uint x0 = bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(data[i..]) : BinaryPrimitives.ReadUInt32LittleEndian(data[i..]);
            uint x1 = bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(data[(i + 4)..]) : BinaryPrimitives.ReadUInt32LittleEndian(data[(i + 4)..]);
            unchecked
            {
                s0 += x0 + s1;
                s1 += x1 + s0;
            }
        }
    }
}
