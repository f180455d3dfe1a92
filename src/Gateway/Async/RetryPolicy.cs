namespace Gateway.Async;

/// <summary>What to do with an Event invocation after a run that ended in a function error (or timeout).</summary>
internal readonly record struct RetryDecision(bool Retry, TimeSpan Delay, OutcomeCondition GiveUpCondition)
{
    public static RetryDecision After(TimeSpan delay) => new(true, delay, default);

    public static RetryDecision GiveUp(OutcomeCondition condition) => new(false, TimeSpan.Zero, condition);
}

/// <summary>
/// AWS's retry rules for asynchronous invocation (LAMBDA.md §6): a function error or timeout is retried up to
/// <c>MaximumRetryAttempts</c> times (0–2), one minute after the first run and two minutes after the second;
/// throttles and environment failures back off (<see cref="ThrottleBackoff"/>) without using up retries; nothing
/// is retried once the event is older than <c>MaximumEventAgeInSeconds</c>. Pure: times are passed in.
/// </summary>
internal static class RetryPolicy
{
    public static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan SecondRetryDelay = TimeSpan.FromMinutes(2);

    /// <param name="runs">Runs of the function so far, including the one that just failed (1 after the first).</param>
    /// <param name="age">The event's age now (since it was accepted with 202).</param>
    public static RetryDecision AfterFunctionError(AsyncInvokeSettings settings, int runs, TimeSpan age)
    {
        if (runs > settings.MaximumRetryAttempts)
        {
            return RetryDecision.GiveUp(OutcomeCondition.RetriesExhausted);
        }
        var delay = runs <= 1 ? FirstRetryDelay : SecondRetryDelay;
        // A retry that could only start after the maximum age would be discarded then: discard it now instead.
        return age + delay > MaximumAge(settings)
            ? RetryDecision.GiveUp(OutcomeCondition.EventAgeExceeded)
            : RetryDecision.After(delay);
    }

    /// <summary>True when an event of this age may no longer be run.</summary>
    public static bool IsTooOld(AsyncInvokeSettings settings, TimeSpan age) => age > MaximumAge(settings);

    public static TimeSpan MaximumAge(AsyncInvokeSettings settings) => TimeSpan.FromSeconds(settings.MaximumEventAgeInSeconds);
}
