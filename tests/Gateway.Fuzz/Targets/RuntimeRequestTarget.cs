using System.Buffers;
using Gateway.Invocations;
using Gateway.RuntimeApi;

namespace Gateway.Fuzz.Targets;

/// <summary>
/// What a runtime sends the Runtime API: byte 0 picks how the bytes are cut into reads (1–64 bytes a piece), the rest is
/// a request head and body. The head goes through <see cref="RuntimeRequestParser"/>; a complete head's body through
/// both <see cref="BodyReader"/> (/response, /error) and <see cref="StreamedBodyReader"/> (streamed /response).
/// Refusals: <see cref="ParseStatus"/> Invalid/TooLarge and <see cref="BodyStatus"/> TooLarge/Truncated.
/// </summary>
internal static class RuntimeRequestTarget
{
    /// <summary>Small, so the fuzzer reaches the over-the-limit paths with small inputs.</summary>
    public const int Limit = 4096;

    public static void Run(byte[] data)
    {
        if (data.Length == 0)
        {
            return;
        }
        int piece = (data[0] & 63) + 1;
        ReadOnlyMemory<byte> request = data.AsMemory(1);
        Span<byte> idBuffer = stackalloc byte[64];
        var status = RuntimeRequestParser.TryParse(Segments.Sequence(request, piece), idBuffer, out var head, out var consumed);
        if (status != ParseStatus.Complete)
        {
            FuzzInvariantException.Check(status is ParseStatus.Incomplete or ParseStatus.Invalid or ParseStatus.TooLarge, $"unknown status {status}");
            return;
        }
        FuzzInvariantException.Check(head.RequestIdLength is >= 0 and <= 64, $"request id length {head.RequestIdLength}");
        int bodyStart = (int)Segments.Sequence(request, piece).Slice(0, consumed).Length;
        ReadBodies(request[bodyStart..], head, piece);
    }

    /// <summary>The body read both ways the connection reads it, each from a fresh pipe.</summary>
    public static void ReadBodies(ReadOnlyMemory<byte> body, RuntimeRequestHead head, int piece)
    {
        var payload = new PooledPayload();
        var reader = Segments.Reader(body, piece);
        var status = BodyReader.ReadAsync(reader, head, payload, Limit).AsTask().GetAwaiter().GetResult();
        FuzzInvariantException.Check(status is BodyStatus.Complete or BodyStatus.TooLarge or BodyStatus.Truncated, $"unknown body status {status}");
        FuzzInvariantException.Check(payload.Length <= Limit, $"body reader kept {payload.Length} bytes over a {Limit} limit");
        FuzzInvariantException.Check(payload.Length <= body.Length, "body reader produced more bytes than it was sent");

        long forwarded = 0;
        var streamed = StreamedBodyReader.ReadAsync(Segments.Reader(body, piece), head, Limit, chunk =>
        {
            forwarded += chunk.Length;
            return ValueTask.CompletedTask;
        }).AsTask().GetAwaiter().GetResult();
        FuzzInvariantException.Check(forwarded <= Limit, $"streamed reader forwarded {forwarded} bytes over a {Limit} limit");
        if (streamed.Status == BodyStatus.Complete && status == BodyStatus.Complete)
        {
            // Both readers decode the same framing: a body both accept is the same length.
            FuzzInvariantException.Check(forwarded == payload.Length, $"streamed {forwarded} bytes, buffered {payload.Length}");
        }
        payload.Reset();
    }
}
