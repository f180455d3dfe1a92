using System.Buffers;
using Gateway.Runtime;

namespace Gateway.Samples.Handlers;

/// <summary>Test helper: exits with code 0 mid-invocation ("Runtime exited without providing a reason").</summary>
internal static class Exit0Handler
{
    public static ValueTask Invoke(InvocationContext context, IBufferWriter<byte> response)
    {
        Environment.Exit(0);
        return ValueTask.CompletedTask;
    }
}
