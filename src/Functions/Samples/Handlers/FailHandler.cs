using System.Buffers;
using Gateway.Runtime;

namespace Gateway.Samples.Handlers;

/// <summary>Throws, so the runtime posts <c>/error</c> with errorType <c>InvalidOperationException</c>. The exception
/// wraps the one that caused it, as .NET code often does, so the inner exception shows in the log record
/// (<c>---&gt; System.FormatException: …</c>) and in the document (<c>cause</c>).</summary>
internal static class FailHandler
{
    public static ValueTask Invoke(InvocationContext context, IBufferWriter<byte> response)
    {
        try
        {
            throw new FormatException("The inner cause of the 'fail' sample.");
        }
        catch (FormatException inner)
        {
            throw new InvalidOperationException("The 'fail' sample function failed on purpose.", inner);
        }
    }
}
