namespace Gateway.Async;

/// <summary>
/// How long a throttled Event invocation waits before it is tried again: "the retry interval increases
/// exponentially from 1 second after the first attempt to a maximum of 5 minutes", for up to the event's maximum
/// age (Lambda developer guide, asynchronous invocation error handling; LAMBDA.md §6).
/// </summary>
internal static class ThrottleBackoff
{
    public static readonly TimeSpan First = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Maximum = TimeSpan.FromMinutes(5);

    /// <summary>AWS's default maximum event age (MaximumEventAgeInSeconds = 21600).</summary>
    public static readonly TimeSpan DefaultMaximumEventAge = TimeSpan.FromHours(6);

    /// <summary>The wait after the <paramref name="throttles"/>-th consecutive throttle (1-based): 1 s, 2 s, 4 s, … 5 min.</summary>
    public static TimeSpan Delay(int throttles)
    {
        int doublings = Math.Clamp(throttles - 1, 0, 20);
        var delay = TimeSpan.FromTicks(First.Ticks << doublings);
        return delay > Maximum ? Maximum : delay;
    }
}
