using System.Buffers.Binary;
using System.Text;

namespace Gateway.Tests.Infrastructure;

/// <summary>One event-stream message as a client sees it: its string headers and payload.</summary>
public sealed record EventStreamEvent(IReadOnlyDictionary<string, string> Headers, byte[] Payload)
{
    public string EventType => Headers[":event-type"];

    public string Text => Encoding.UTF8.GetString(Payload);
}

/// <summary>
/// Reads <c>application/vnd.amazon.eventstream</c> messages one at a time off a response stream, checking both
/// CRCs, so a test sees each event when it arrives (written from the framing spec, independently of the gateway's encoder).
/// </summary>
public sealed class EventStreamReader(Stream stream)
{
    /// <summary>The payload chunks' text, in order, up to InvokeComplete (null when the stream ended without one).</summary>
    public async Task<(string Text, EventStreamEvent? Complete)> ReadToCompleteAsync(string textBefore = "")
    {
        var text = new StringBuilder(textBefore);
        while (await ReadAsync() is { } next)
        {
            if (next.EventType == "InvokeComplete")
            {
                return (text.ToString(), next);
            }
            text.Append(next.Text);
        }
        return (text.ToString(), null);
    }

    /// <summary>The next message, or null at the end of the stream.</summary>
    public async Task<EventStreamEvent?> ReadAsync()
    {
        var prelude = new byte[12];
        if (!await FillAsync(prelude))
        {
            return null;
        }
        int total = BinaryPrimitives.ReadInt32BigEndian(prelude);
        int headersLength = BinaryPrimitives.ReadInt32BigEndian(prelude.AsSpan(4));
        Assert.Equal(Crc32(prelude.AsSpan(0, 8)), BinaryPrimitives.ReadUInt32BigEndian(prelude.AsSpan(8)));
        var rest = new byte[total - 12];
        Assert.True(await FillAsync(rest), "the stream ended inside a message");
        var message = prelude.Concat(rest).ToArray();
        Assert.Equal(Crc32(message.AsSpan(0, total - 4)), BinaryPrimitives.ReadUInt32BigEndian(message.AsSpan(total - 4)));

        var headers = new Dictionary<string, string>();
        var span = message.AsSpan(12, headersLength);
        while (!span.IsEmpty)
        {
            int nameLength = span[0];
            var name = Encoding.ASCII.GetString(span.Slice(1, nameLength));
            Assert.Equal(7, span[1 + nameLength]); // string
            int valueLength = BinaryPrimitives.ReadUInt16BigEndian(span[(2 + nameLength)..]);
            headers[name] = Encoding.UTF8.GetString(span.Slice(4 + nameLength, valueLength));
            span = span[(4 + nameLength + valueLength)..];
        }
        return new EventStreamEvent(headers, message[(12 + headersLength)..(total - 4)]);
    }

    /// <summary>CRC-32/ISO-HDLC, bit by bit (deliberately not the gateway's table-driven code).</summary>
    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }
        return ~crc;
    }

    private async Task<bool> FillAsync(byte[] buffer)
    {
        int filled = 0;
        while (filled < buffer.Length)
        {
            int n = await stream.ReadAsync(buffer.AsMemory(filled)).AsTask().WithTimeout(60_000);
            if (n == 0)
            {
                Assert.True(filled == 0, "the stream ended inside a message");
                return false;
            }
            filled += n;
        }
        return true;
    }
}
