namespace Gateway.Runtime;

/// <summary>
/// What the Runtime API said about one invocation (the <c>/next</c> response headers and body).
/// The runtime fills one instance per process and reuses it for every invocation, so nothing here may
/// be kept past the handler's return — copy what you need.
/// </summary>
public sealed class InvocationContext
{
    internal InvocationContext() { }

    /// <summary><c>Lambda-Runtime-Aws-Request-Id</c>: the id the invoker also sees.</summary>
    public string RequestId { get; internal set; } = string.Empty;

    /// <summary><c>Lambda-Runtime-Deadline-Ms</c>: when the platform will stop this invocation, in Unix milliseconds.</summary>
    public long DeadlineMs { get; internal set; }

    public DateTimeOffset Deadline => DateTimeOffset.FromUnixTimeMilliseconds(DeadlineMs);

    /// <summary>Time left before the deadline, never negative.</summary>
    public TimeSpan RemainingTime
    {
        get
        {
            long remaining = DeadlineMs - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            return TimeSpan.FromMilliseconds(Math.Max(remaining, 0));
        }
    }

    /// <summary><c>Lambda-Runtime-Invoked-Function-Arn</c>: the ARN as invoked (it may name an alias or version).</summary>
    public string InvokedFunctionArn { get; internal set; } = string.Empty;

    /// <summary><c>Lambda-Runtime-Trace-Id</c> (also in the <c>_X_AMZN_TRACE_ID</c> environment variable
    /// for the duration of the call); null when the platform sent none.</summary>
    public string? TraceId { get; internal set; }

    /// <summary><c>Lambda-Runtime-Client-Context</c>: the mobile client context as raw JSON, or null.</summary>
    public string? ClientContext { get; internal set; }

    /// <summary><c>Lambda-Runtime-Cognito-Identity</c>: the Cognito identity as raw JSON, or null.</summary>
    public string? CognitoIdentity { get; internal set; }

    /// <summary>The event. Points into the runtime's receive buffer: valid only during the call.</summary>
    public ReadOnlyMemory<byte> Payload { get; internal set; }
}
