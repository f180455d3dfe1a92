namespace Gateway.Async.Destinations;

/// <summary>
/// How a destination that is down is retried: exponential backoff from <see cref="FirstDelay"/>, doubling up to
/// <see cref="MaximumDelay"/>, for at most <see cref="MaximumAttempts"/> attempts. The defaults (1 s, 60 s, 10
/// attempts) wait 1+2+4+8+16+32+60+60+60 s ≈ 4 minutes before giving up. AWS does not document how it retries a
/// destination; it only counts the final failure (DestinationDeliveryFailures, DeadLetterErrors).
/// </summary>
internal sealed record DestinationRetryOptions
{
    public static DestinationRetryOptions Default { get; } = new();

    public TimeSpan FirstDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaximumDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Attempts in all, the first included (at least 1).</summary>
    public int MaximumAttempts { get; init; } = 10;

    /// <summary>How long one HTTP delivery may take, connection included.</summary>
    public TimeSpan HttpTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The wait after the <paramref name="failedAttempts"/>-th failed attempt (1-based).</summary>
    public TimeSpan DelayAfter(int failedAttempts)
    {
        int doublings = Math.Clamp(failedAttempts - 1, 0, 30);
        double ticks = FirstDelay.Ticks * Math.Pow(2, doublings);
        return ticks >= MaximumDelay.Ticks ? MaximumDelay : TimeSpan.FromTicks((long)ticks);
    }
}
