using System.Buffers;
using System.Buffers.Binary;
using System.Text;

using Gateway.Functions.Code;

namespace Gateway.Streaming;

/// <summary>
/// One message of AWS's event stream (<c>application/vnd.amazon.eventstream</c>): prelude (total length, headers
/// length, CRC-32 of those 8 bytes), headers, payload, CRC-32 of everything before it. All integers big-endian.
/// A header is name length (1 byte), name, value type (7 = string), value length (2 bytes), value.
/// </summary>
internal static class EventStreamMessage
{
    private const int PreludeLength = 12;
    private const int TrailerLength = 4;

    /// <summary>Headers of an event message: <c>:event-type</c>, <c>:content-type</c>, <c>:message-type: event</c>,
    /// as botocore's and the JS SDK's event-stream parsers read them.</summary>
    public static byte[] EventHeaders(string eventType, string contentType)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        WriteStringHeader(buffer, ":event-type", eventType);
        WriteStringHeader(buffer, ":content-type", contentType);
        WriteStringHeader(buffer, ":message-type", "event");
        return buffer.WrittenSpan.ToArray();
    }

    public static readonly byte[] PayloadChunkHeaders = EventHeaders("PayloadChunk", "application/octet-stream");

    public static readonly byte[] InvokeCompleteHeaders = EventHeaders("InvokeComplete", "application/json");

    private static void WriteStringHeader(ArrayBufferWriter<byte> buffer, string name, string value)
    {
        int nameLength = Encoding.ASCII.GetByteCount(name);
        int valueLength = Encoding.UTF8.GetByteCount(value);
        var span = buffer.GetSpan(1 + nameLength + 3 + valueLength);
        span[0] = (byte)nameLength;
        Encoding.ASCII.GetBytes(name, span[1..]);
        span[1 + nameLength] = 7;
        BinaryPrimitives.WriteUInt16BigEndian(span[(2 + nameLength)..], (ushort)valueLength);
        Encoding.UTF8.GetBytes(value, span[(4 + nameLength)..]);
        buffer.Advance(1 + nameLength + 3 + valueLength);
    }

    /// <summary>Writes one message (headers + <paramref name="payload"/>) to <paramref name="writer"/>.</summary>
    public static void Write(IBufferWriter<byte> writer, ReadOnlySpan<byte> headers, in ReadOnlySequence<byte> payload)
    {
        int total = PreludeLength + headers.Length + (int)payload.Length + TrailerLength;
        var prelude = writer.GetSpan(PreludeLength);
        BinaryPrimitives.WriteInt32BigEndian(prelude, total);
        BinaryPrimitives.WriteInt32BigEndian(prelude[4..], headers.Length);
        uint crc = Crc32.Append(0, prelude[..8]);
        BinaryPrimitives.WriteUInt32BigEndian(prelude[8..], crc);
        crc = Crc32.Append(crc, prelude[8..12]);
        writer.Advance(PreludeLength);

        writer.Write(headers);
        crc = Crc32.Append(crc, headers);
        foreach (var segment in payload)
        {
            writer.Write(segment.Span);
            crc = Crc32.Append(crc, segment.Span);
        }
        var trailer = writer.GetSpan(TrailerLength);
        BinaryPrimitives.WriteUInt32BigEndian(trailer, crc);
        writer.Advance(TrailerLength);
    }
}
