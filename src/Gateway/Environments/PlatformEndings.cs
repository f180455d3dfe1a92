using System.Globalization;
using System.Text;
using Gateway.Invocations;
using Gateway.Native;

namespace Gateway.Environments;

/// <summary>
/// The caller's answer when the platform, not the function, ends an invocation: the error document (written over
/// whatever the response held) and AWS's wording for timeouts, runtime exits and oversized responses.
/// </summary>
internal static class PlatformEndings
{
    private static readonly CompositeFormat TimedOutMessage = CompositeFormat.Parse("RequestId: {0} Error: Task timed out after {1:F2} seconds");

    public const string TimedOutType = "Sandbox.Timedout";

    public const string ExitErrorType = "Runtime.ExitError";

    public const string ResponseTooLargeType = "Function.ResponseSizeTooLarge";

    /// <summary>Replaces the response with <c>{"errorType":…,"errorMessage":…}</c> and marks the invocation failed.</summary>
    public static void Fail(Invocation invocation, string errorType, string? message, bool typeFirst = true)
    {
        invocation.Response.Reset();
        PlatformError.Write(invocation.Response, errorType, message, typeFirst);
        invocation.SetError(errorType);
    }

    /// <summary>"RequestId: {id} Error: Task timed out after 3.00 seconds".</summary>
    public static string TimedOut(string requestId, double seconds)
        => string.Format(CultureInfo.InvariantCulture, TimedOutMessage, requestId, seconds);

    /// <summary>The platform's log line for an invocation timeout: "2026-11-22T10:00:03.123Z {id} Task timed out after 3.00 seconds".</summary>
    public static string TimedOutLogLine(DateTimeOffset now, string requestId, int seconds)
        => string.Create(CultureInfo.InvariantCulture, $"{now:yyyy-MM-ddTHH:mm:ss.fffZ} {requestId} Task timed out after {seconds:F2} seconds");

    /// <summary>Why the runtime went away, as AWS words it in Runtime.ExitError.</summary>
    public static string ExitReason(ChildExit exit)
        => exit is { Signaled: false, Code: 0 } ? "Runtime exited without providing a reason" : "Runtime exited with error: " + exit.Describe();

    public static string ResponseTooLarge(int limit)
        => string.Create(CultureInfo.InvariantCulture, $"Response payload size exceeded maximum allowed payload size ({limit} bytes).");
}
