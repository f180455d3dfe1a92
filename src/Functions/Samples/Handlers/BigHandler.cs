using System.Buffers;
using Gateway.Runtime;

namespace Gateway.Samples.Handlers;

/// <summary>Test helper: <c>{"bytes": N}</c> → N bytes of <c>a</c>, to exercise the response size limit.</summary>
internal static class BigHandler
{
    private const int Block = 64 * 1024;

    public static ValueTask Invoke(InvocationContext context, IBufferWriter<byte> response)
    {
        int remaining = PayloadJson.ReadNonNegativeInt(context.Payload.Span, "bytes"u8);
        while (remaining > 0)
        {
            int count = Math.Min(remaining, Block);
            response.GetSpan(count)[..count].Fill((byte)'a');
            response.Advance(count);
            remaining -= count;
        }

        return ValueTask.CompletedTask;
    }
}
