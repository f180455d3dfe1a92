using System.Buffers;
using Gateway.Runtime;

namespace Gateway.Samples.Handlers;

/// <summary>
/// Returns the payload byte for byte. The calibration function for every benchmark: its only work is
/// the one copy from the receive buffer into the response writer, and it never allocates.
/// </summary>
internal static class EchoHandler
{
    public static ValueTask Invoke(InvocationContext context, IBufferWriter<byte> response)
    {
        // One GetSpan sized to the whole payload (not BuffersExtensions.Write, which asks for whatever
        // is free and would grow the writer step by step, copying the partial body each time).
        ReadOnlySpan<byte> payload = context.Payload.Span;
        payload.CopyTo(response.GetSpan(payload.Length));
        response.Advance(payload.Length);
        return ValueTask.CompletedTask;
    }
}
