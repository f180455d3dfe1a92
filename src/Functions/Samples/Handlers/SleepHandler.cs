using System.Buffers;
using Gateway.Runtime;

namespace Gateway.Samples.Handlers;

/// <summary>
/// <c>{"ms": N}</c> → waits N ms → <c>{"sleptMs":N}</c>. Missing or invalid N is 0. Registered as
/// both <c>sleep</c> and <c>slow</c>, so tests can give the two names different timeouts.
/// </summary>
internal static class SleepHandler
{
    public static async ValueTask Invoke(InvocationContext context, IBufferWriter<byte> response)
    {
        int ms = PayloadJson.ReadNonNegativeInt(context.Payload.Span, "ms"u8);
        if (ms > 0)
        {
            await Task.Delay(ms).ConfigureAwait(false);
        }

        WriteResult(response, ms);
    }

    private static void WriteResult(IBufferWriter<byte> response, int ms)
    {
        // {"sleptMs":N} is short and fixed; formatting it by hand avoids a JSON writer per call.
        Span<byte> destination = response.GetSpan(32);
        "{\"sleptMs\":"u8.CopyTo(destination);
        int length = 11;
        ms.TryFormat(destination[length..], out int digits);
        length += digits;
        destination[length++] = (byte)'}';
        response.Advance(length);
    }
}
