using System.Buffers.Binary;
using System.Text;

namespace Gateway.Benchmarks;

/// <summary>Message types of the hypothetical framed worker protocol (one per Runtime API exchange).</summary>
internal enum FrameType : byte
{
    Next = 1,      // runtime -> gateway: ready for an event (GET /next)
    Invoke = 2,    // gateway -> runtime: an event (the /next response)
    Response = 3,  // runtime -> gateway: a result (POST /invocation/{id}/response)
    Error = 4,     // runtime -> gateway: a failure (POST /invocation/{id}/error)
    InitError = 5, // runtime -> gateway: POST /init/error
    Ack = 6,       // gateway -> runtime: 202 Accepted
}

/// <summary>A parsed frame header; offsets are relative to the start of the frame.</summary>
internal readonly record struct FrameHeader(FrameType Type, ushort Flags, int RequestIdLength, int MetadataLength, int BodyLength)
{
    public int RequestIdOffset => FrameCodec.HeaderSize;

    public int MetadataOffset => FrameCodec.HeaderSize + RequestIdLength;

    public int BodyOffset => MetadataOffset + MetadataLength;
}

/// <summary>Where a field sits in the frame (the framed counterpart of the runtime's HeaderRange).</summary>
internal readonly record struct FieldRange(int Offset, int Length);

/// <summary>The metadata of an Invoke frame, as ranges into the frame (nothing is copied or allocated).</summary>
internal readonly record struct InvokeMetadata(long DeadlineUnixMs, FieldRange InvokedFunctionArn, FieldRange TraceId, FieldRange ClientContext);

/// <summary>
/// A hypothetical compact framed protocol between the gateway and a worker, carrying exactly what the HTTP/1.1
/// Runtime API carries, so that its cost can be measured beside HTTP framing. Not used by the gateway.
/// <code>
/// 16-byte header, little-endian:
///  0 u16 magic 0x4757 ("WG" on the wire)   2 u8 version (1)   3 u8 type (FrameType)
///  4 u16 flags                             6 u16 request-id length
///  8 u32 metadata length                  12 u32 body length
/// then the request id (ASCII), the metadata, the body.
/// Invoke metadata: i64 deadline (Unix ms), then u16-length-prefixed UTF-8 fields: function ARN, trace id,
/// client context (length 0 when absent). Error metadata would be the u16-prefixed error type.
/// </code>
/// Reading validates what an HTTP parser validates: magic, version, known type, lengths within limits.
/// </summary>
internal static class FrameCodec
{
    public const int HeaderSize = 16;
    public const ushort Magic = 0x4757;
    public const byte Version = 1;
    public const int MaxRequestIdLength = 256;
    public const int MaxMetadataLength = 64 * 1024;   // the HTTP side's head limit
    public const int MaxBodyLength = 6 * 1024 * 1024; // Lambda's payload limit

    public static void WriteHeader(Span<byte> destination, FrameType type, ushort flags, int requestIdLength, int metadataLength, int bodyLength)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(destination, Magic);
        destination[2] = Version;
        destination[3] = (byte)type;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], flags);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], (ushort)requestIdLength);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], (uint)metadataLength);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], (uint)bodyLength);
    }

    /// <summary>False while fewer than 16 bytes are there; throws for bytes that can never be a valid header.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> source, out FrameHeader header)
    {
        header = default;
        if (source.Length < HeaderSize)
        {
            return false;
        }
        if (BinaryPrimitives.ReadUInt16LittleEndian(source) != Magic || source[2] != Version)
        {
            Throw("bad magic or version");
        }
        var type = (FrameType)source[3];
        if (type is < FrameType.Next or > FrameType.Ack)
        {
            Throw("unknown frame type");
        }
        int idLength = BinaryPrimitives.ReadUInt16LittleEndian(source[6..]);
        uint metadataLength = BinaryPrimitives.ReadUInt32LittleEndian(source[8..]);
        uint bodyLength = BinaryPrimitives.ReadUInt32LittleEndian(source[12..]);
        if (idLength > MaxRequestIdLength || metadataLength > MaxMetadataLength || bodyLength > MaxBodyLength)
        {
            Throw("length over limit");
        }
        header = new FrameHeader(type, BinaryPrimitives.ReadUInt16LittleEndian(source[4..]), idLength, (int)metadataLength, (int)bodyLength);
        return true;
    }

    /// <summary>Gateway side: the Invoke frame's header, request id and metadata (the body follows in a gather write).</summary>
    public static int WriteInvoke(Span<byte> destination, string requestId, long deadlineUnixMs, string arn, string traceId, string? clientContext, int bodyLength)
    {
        int idLength = Encoding.ASCII.GetBytes(requestId, destination[HeaderSize..]);
        var metadata = destination[(HeaderSize + idLength)..];
        BinaryPrimitives.WriteInt64LittleEndian(metadata, deadlineUnixMs);
        int n = 8;
        n += WriteField(metadata[n..], arn);
        n += WriteField(metadata[n..], traceId);
        n += WriteField(metadata[n..], clientContext);
        WriteHeader(destination, FrameType.Invoke, 0, idLength, n, bodyLength);
        return HeaderSize + idLength + n;
    }

    /// <summary>Runtime side: the Invoke frame's metadata as ranges.</summary>
    public static InvokeMetadata ReadInvoke(ReadOnlySpan<byte> frame, in FrameHeader header)
    {
        int offset = header.MetadataOffset;
        var metadata = frame.Slice(offset, header.MetadataLength);
        long deadline = BinaryPrimitives.ReadInt64LittleEndian(metadata);
        int n = 8;
        var arn = ReadField(metadata, offset, ref n);
        var trace = ReadField(metadata, offset, ref n);
        var context = ReadField(metadata, offset, ref n);
        return new InvokeMetadata(deadline, arn, trace, context);
    }

    /// <summary>Runtime side: a Response frame's header and request id (the body follows).</summary>
    public static int WriteResponse(Span<byte> destination, string requestId, int bodyLength)
    {
        int idLength = Encoding.ASCII.GetBytes(requestId, destination[HeaderSize..]);
        WriteHeader(destination, FrameType.Response, 0, idLength, 0, bodyLength);
        return HeaderSize + idLength;
    }

    private static int WriteField(Span<byte> destination, string? value)
    {
        int length = value is null ? 0 : Encoding.UTF8.GetBytes(value, destination[2..]);
        BinaryPrimitives.WriteUInt16LittleEndian(destination, (ushort)length);
        return 2 + length;
    }

    private static FieldRange ReadField(ReadOnlySpan<byte> metadata, int metadataOffset, ref int n)
    {
        int length = BinaryPrimitives.ReadUInt16LittleEndian(metadata[n..]);
        if (n + 2 + length > metadata.Length)
        {
            Throw("field past the metadata");
        }
        var range = new FieldRange(metadataOffset + n + 2, length);
        n += 2 + length;
        return range;
    }

    private static void Throw(string message) => throw new InvalidDataException(message);
}
