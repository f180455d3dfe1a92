using System.Buffers;
using Gateway.Runtime;

namespace Gateway.Samples.Handlers;

/// <summary>Throws, so the runtime posts <c>/error</c> with errorType <c>InvalidOperationException</c>.</summary>
internal static class FailHandler
{
    public static ValueTask Invoke(InvocationContext context, IBufferWriter<byte> response) =>
        throw new InvalidOperationException("The 'fail' sample function failed on purpose.");
}
