using System.Buffers;
using Gateway.Runtime;

namespace Gateway.Samples.Handlers;

/// <summary>Dies in the middle of an invocation (exit code 3), leaving one line on stderr: the gateway
/// must answer the caller with <c>Runtime.ExitError</c> and keep that line in the log tail.</summary>
internal static class CrashHandler
{
    public const int ExitCode = 3;

    public static ValueTask Invoke(InvocationContext context, IBufferWriter<byte> response)
    {
        Console.Error.WriteLine($"crash: exiting with code {ExitCode} during request {context.RequestId}");
        Console.Error.Flush();
        Environment.Exit(ExitCode);
        return ValueTask.CompletedTask;
    }
}
