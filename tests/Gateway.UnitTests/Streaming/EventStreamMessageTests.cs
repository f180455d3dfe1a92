using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Gateway.Functions.Code;
using Gateway.Streaming;

namespace Gateway.UnitTests.Streaming;

public sealed class EventStreamMessageTests
{
    [Fact]
    public void An_empty_message_matches_the_event_stream_test_vector()
    {
        // aws-c-event-stream's "empty_message" vector: total 16, headers 0, prelude CRC 0x05C248EB, message CRC 0x7D98C8FF.
        var writer = new ArrayBufferWriter<byte>();
        EventStreamMessage.Write(writer, [], ReadOnlySequence<byte>.Empty);
        Assert.Equal(Convert.FromHexString("000000100000000005C248EB7D98C8FF"), writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void A_payload_chunk_carries_the_headers_the_SDKs_dispatch_on_and_its_bytes()
    {
        var writer = new ArrayBufferWriter<byte>();
        EventStreamMessage.Write(writer, EventStreamMessage.PayloadChunkHeaders, new ReadOnlySequence<byte>("hello"u8.ToArray()));
        var message = writer.WrittenSpan;
        int total = BinaryPrimitives.ReadInt32BigEndian(message);
        int headers = BinaryPrimitives.ReadInt32BigEndian(message[4..]);
        Assert.Equal(message.Length, total);
        Assert.Equal("hello", Encoding.UTF8.GetString(message.Slice(12 + headers, 5)));
        var headerText = Encoding.ASCII.GetString(message.Slice(12, headers));
        Assert.Contains(":event-type", headerText);
        Assert.Contains("PayloadChunk", headerText);
        Assert.Contains(":message-type", headerText);
        Assert.Contains("application/octet-stream", headerText);
        Assert.Equal(Crc32.Append(0, message[..8]), BinaryPrimitives.ReadUInt32BigEndian(message[8..]));
        Assert.Equal(Crc32.Append(0, message[..^4]), BinaryPrimitives.ReadUInt32BigEndian(message[^4..]));
    }

    [Fact]
    public void A_CRC_continued_over_pieces_equals_the_CRC_of_the_whole()
    {
        var data = Encoding.ASCII.GetBytes("123456789");
        Assert.Equal(0xCBF43926u, Crc32.Append(0, data)); // the CRC-32 check value
        Assert.Equal(0xCBF43926u, Crc32.Append(Crc32.Append(0, data.AsSpan(0, 4)), data.AsSpan(4)));
    }
}
