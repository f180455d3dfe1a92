namespace Gateway.Async;

/// <summary>
/// How one function's Event invocations are retried and where their outcomes go: AWS's
/// FunctionEventInvokeConfig (retries, maximum age, destinations) plus the function's DeadLetterConfig.
/// </summary>
/// <param name="MaximumRetryAttempts">Retries after a function error or timeout, 0–2 (AWS default 2).</param>
/// <param name="MaximumEventAgeInSeconds">How long an event may wait (throttles, retries), 60–21600 (AWS default 21600).</param>
/// <param name="OnSuccess">Destination for successful events, or null.</param>
/// <param name="OnFailure">Destination for events that exhausted retries or aged out, or null.</param>
/// <param name="DeadLetterTargetArn">Where failed events go (beside any on-failure destination), or null.</param>
internal sealed record AsyncInvokeSettings(
    int MaximumRetryAttempts,
    int MaximumEventAgeInSeconds,
    string? OnSuccess,
    string? OnFailure,
    string? DeadLetterTargetArn)
{
    public const int DefaultMaximumRetryAttempts = 2;
    public const int DefaultMaximumEventAgeInSeconds = 21600;

    /// <summary>AWS's defaults: two retries, six hours, no destinations, no dead-letter queue.</summary>
    public static AsyncInvokeSettings Default { get; } = new(DefaultMaximumRetryAttempts, DefaultMaximumEventAgeInSeconds, null, null, null);
}
