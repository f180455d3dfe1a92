using System.Runtime.InteropServices;
using Gateway.Native;

namespace Gateway.Environments;

/// <summary>
/// Lambda's error for a bootstrap that cannot be started: <c>Runtime.InvalidEntrypoint</c>, worded as Lambda's
/// Go runtime interface words it ("Couldn't find valid bootstrap(s): [/var/task/bootstrap]" when there is none,
/// "fork/exec /var/task/bootstrap: permission denied" when it cannot be executed).
/// </summary>
internal static class InvalidEntrypoint
{
    public const string ErrorType = "Runtime.InvalidEntrypoint";

    private const int ENOENT = 2;

    /// <param name="candidates">Every path a bootstrap was looked for at (an OS-only runtime: the code's, then /opt's);
    /// AWS's message lists them all: <c>[/var/task/bootstrap /opt/bootstrap]</c> (aws/aws-lambda-dotnet#1671).</param>
    public static string Message(Exception exception, IReadOnlyList<string>? candidates = null)
    {
        if (exception is not SpawnException { ExecutablePath.Length: > 0 } spawn)
        {
            return exception.Message;
        }
        if (spawn.Step == SpawnStep.Exec && spawn.Errno == ENOENT && !File.Exists(spawn.ExecutablePath))
        {
            return $"Couldn't find valid bootstrap(s): [{(candidates is { Count: > 0 } ? string.Join(' ', candidates) : spawn.ExecutablePath)}]";
        }
        return $"fork/exec {spawn.ExecutablePath}: {GoErrorText(spawn.Errno)}";
    }

    /// <summary>strerror's text as Go prints it ("permission denied", "exec format error"): lower-case first letter.</summary>
    private static string GoErrorText(int errno)
    {
        var text = Marshal.GetPInvokeErrorMessage(errno);
        return text.Length > 0 ? char.ToLowerInvariant(text[0]) + text[1..] : "errno " + errno;
    }
}
