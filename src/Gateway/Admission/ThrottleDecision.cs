namespace Gateway.Admission;

/// <summary>Why an invocation was refused: BOTO's <c>ThrottleReason</c> values the gateway produces
/// (<see cref="None"/> = admitted).</summary>
internal enum ThrottleReason : byte
{
    None = 0,

    /// <summary>The account's concurrency, the unreserved pool, or the rate of scaling up (burst) is exhausted.</summary>
    ConcurrentInvocationLimitExceeded,

    /// <summary>The function is at its reserved concurrency.</summary>
    ReservedFunctionConcurrentInvocationLimitExceeded,

    /// <summary>The account's requests per second (RequestRateMultiplier × account limit).</summary>
    FunctionInvocationRateLimitExceeded,

    /// <summary>The reserved function's requests per second (RequestRateMultiplier × reserved).</summary>
    ReservedFunctionInvocationRateLimitExceeded,

    /// <summary>Not Lambda's: this machine's cap on live execution environments (Gateway:MaxEnvironments, or a version's
    /// explicit MaxEnvironments) left no room for a new one. Named for what it is, so nobody mistakes it for a Lambda limit.</summary>
    GatewayEnvironmentLimitExceeded,
}

internal static class ThrottleReasonNames
{
    /// <summary>The wire name for the <c>Reason</c> member of TooManyRequestsException (constant strings: no allocation).</summary>
    public static string ToWireName(this ThrottleReason reason) => reason switch
    {
        ThrottleReason.ConcurrentInvocationLimitExceeded => "ConcurrentInvocationLimitExceeded",
        ThrottleReason.ReservedFunctionConcurrentInvocationLimitExceeded => "ReservedFunctionConcurrentInvocationLimitExceeded",
        ThrottleReason.FunctionInvocationRateLimitExceeded => "FunctionInvocationRateLimitExceeded",
        ThrottleReason.ReservedFunctionInvocationRateLimitExceeded => "ReservedFunctionInvocationRateLimitExceeded",
        ThrottleReason.GatewayEnvironmentLimitExceeded => "GatewayEnvironmentLimitExceeded",
        _ => "",
    };
}

/// <summary>The outcome of an admission check: admitted (the default value), or a throttle with its reason and the
/// whole seconds to wait before retrying (the 429's <c>Retry-After</c> / <c>retryAfterSeconds</c>).</summary>
internal readonly struct ThrottleDecision : IEquatable<ThrottleDecision>
{
    private ThrottleDecision(ThrottleReason reason, int retryAfterSeconds)
    {
        Reason = reason;
        RetryAfterSeconds = retryAfterSeconds;
    }

    public static ThrottleDecision Admitted => default;

    public ThrottleReason Reason { get; }

    /// <summary>0 when admitted; otherwise at least 1.</summary>
    public int RetryAfterSeconds { get; }

    public bool IsAdmitted => Reason == ThrottleReason.None;

    public bool IsThrottled => Reason != ThrottleReason.None;

    public TimeSpan RetryAfter => TimeSpan.FromSeconds(RetryAfterSeconds);

    /// <summary>The <c>Reason</c> string for the 429 body.</summary>
    public string ReasonName => Reason.ToWireName();

    public static ThrottleDecision Throttled(ThrottleReason reason, int retryAfterSeconds) =>
        new(reason, Math.Max(1, retryAfterSeconds));

    public bool Equals(ThrottleDecision other) => Reason == other.Reason && RetryAfterSeconds == other.RetryAfterSeconds;

    public override bool Equals(object? obj) => obj is ThrottleDecision other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Reason, RetryAfterSeconds);

    public static bool operator ==(ThrottleDecision left, ThrottleDecision right) => left.Equals(right);

    public static bool operator !=(ThrottleDecision left, ThrottleDecision right) => !left.Equals(right);

    public override string ToString() => IsAdmitted ? "Admitted" : $"{ReasonName} (retry after {RetryAfterSeconds} s)";
}
