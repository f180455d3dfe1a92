using Gateway.Logs;

namespace Gateway.UnitTests.Logs;

/// <summary>
/// The index's records are stored into a shared mapping of its file: read back with plain file reads while the writer
/// is still open (what a reader, or a restarted gateway after a SIGKILL, sees), past the file's growth steps, after a
/// "crash" that left the zero room behind, and cut back to the records on a clean close.
/// </summary>
public sealed class MappedStreamIndexTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gateway-mapped-index-").FullName;
    private readonly byte[] _header = StreamIndex.Header("/aws/lambda/fn", "2026/01/01/[$LATEST]abc");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string IndexPath => Path.Combine(_directory, "s.log.idx");

    private List<(long Offset, long Time)> ReadAsAReader()
    {
        var bytes = File.ReadAllBytes(IndexPath); // no flush, no close: the page cache as another process reads it
        Assert.True(StreamIndex.TryReadHeader(bytes, out var group, out var stream, out int headerLength));
        Assert.Equal("/aws/lambda/fn", group);
        Assert.Equal("2026/01/01/[$LATEST]abc", stream);
        return StreamIndex.ReadRecords(bytes.AsSpan(headerLength));
    }

    [Fact]
    public void Records_are_in_the_file_as_soon_as_they_are_appended_and_the_room_after_them_is_no_record()
    {
        using var index = new MappedStreamIndex(IndexPath, _header);
        Assert.True(index.IsMapped);
        Assert.Empty(ReadAsAReader());
        index.Append(0, 1_767_225_600_000);
        index.Append(42, 1_767_225_600_003);

        Assert.Equal([(0L, 1_767_225_600_000L), (42L, 1_767_225_600_003L)], ReadAsAReader());
        Assert.True(new FileInfo(IndexPath).Length > _header.Length + 2 * StreamIndex.RecordSize); // grown ahead
        using var file = new FileStream(IndexPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        Assert.Equal(_header.Length + 2 * StreamIndex.RecordSize, StreamIndex.RecordsEnd(file));
    }

    [Fact]
    public void A_clean_close_cuts_the_file_back_to_its_records()
    {
        using (var index = new MappedStreamIndex(IndexPath, _header))
        {
            index.Append(0, 1_767_225_600_000);
        }
        Assert.Equal(_header.Length + StreamIndex.RecordSize, new FileInfo(IndexPath).Length);
        Assert.Single(ReadAsAReader());
    }

    [Fact]
    public void Many_records_grow_the_file_in_steps_and_every_one_is_kept()
    {
        const int Count = 20_000; // 320 KB of records: several growth steps past the first 64 KB
        using (var index = new MappedStreamIndex(IndexPath, _header))
        {
            for (int i = 0; i < Count; i++)
            {
                index.Append(i * 10L, 1_767_225_600_000 + i);
            }
            var records = ReadAsAReader();
            Assert.Equal(Count, records.Count);
            Assert.Equal((199_990L, 1_767_225_619_999L), records[^1]);
        }
        Assert.Equal(_header.Length + Count * StreamIndex.RecordSize, new FileInfo(IndexPath).Length);
    }

    [Fact]
    public void Opened_again_after_a_crash_left_the_room_behind_it_appends_after_the_last_record()
    {
        // A crash: the header, three records and the writer's zero room, never cut back.
        using (var crashed = new FileStream(IndexPath, FileMode.CreateNew))
        {
            crashed.Write(_header);
            Span<byte> record = stackalloc byte[StreamIndex.RecordSize];
            for (int i = 0; i < 3; i++)
            {
                BitConverter.TryWriteBytes(record, i * 100L);
                BitConverter.TryWriteBytes(record[8..], 1_767_225_600_000L + i);
                crashed.Write(record);
            }
            crashed.SetLength(64 * 1024);
        }

        using (var index = new MappedStreamIndex(IndexPath, _header))
        {
            Assert.Equal(_header.Length + 3 * StreamIndex.RecordSize, index.Length);
            index.Append(300, 1_767_225_600_010);
        }
        Assert.Equal([(0L, 1_767_225_600_000L), (100L, 1_767_225_600_001L), (200L, 1_767_225_600_002L), (300L, 1_767_225_600_010L)], ReadAsAReader());
    }

    [Fact]
    public void Without_a_mapping_each_record_is_written_at_once_to_the_same_file()
    {
        using (var index = new MappedStreamIndex(IndexPath, _header, map: false))
        {
            Assert.False(index.IsMapped);
            index.Append(0, 1_767_225_600_000);
            index.Append(42, 1_767_225_600_003);
            Assert.Equal([(0L, 1_767_225_600_000L), (42L, 1_767_225_600_003L)], ReadAsAReader());
            Assert.Equal(_header.Length + 2 * StreamIndex.RecordSize, new FileInfo(IndexPath).Length);
        }
        using (var reopened = new MappedStreamIndex(IndexPath, _header))
        {
            reopened.Append(50, 1_767_225_600_004);
        }
        Assert.Equal(3, ReadAsAReader().Count);
    }
}
