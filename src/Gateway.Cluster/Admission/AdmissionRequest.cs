namespace Gateway.Cluster.Admission;

/// <summary>Why the script refused (numbered as the gateway's ThrottleReason, 0 = admitted).</summary>
public enum AdmissionOutcome : byte
{
    Admitted = 0,
    ConcurrentInvocationLimitExceeded = 1,
    ReservedFunctionConcurrentInvocationLimitExceeded = 2,
    FunctionInvocationRateLimitExceeded = 3,
    ReservedFunctionInvocationRateLimitExceeded = 4,
}

/// <summary>
/// The node's current limits, passed with every decision (ARGV), so the cluster needs no shared configuration keys:
/// the registry brings reserved concurrency to every node, each node's own settings bring the rest.
/// </summary>
/// <param name="Reserved">The function's reserved concurrency, or −1 when it draws from the unreserved pool.</param>
/// <param name="AccountBurst">True in the account-burst model (one bucket for the account), false per function.</param>
public readonly record struct AdmissionLimits(int Account, int Unreserved, int Reserved, int RateMultiplier,
    int BurstCapacity, double BurstRefillPerSecond, bool AccountBurst)
{
    public bool FromUnreservedPool => Reserved < 0;
}

/// <summary>The script's answer.</summary>
public readonly record struct AdmissionReply(AdmissionOutcome Outcome, int RetryAfterSeconds, bool FromUnreservedPool)
{
    public bool IsAdmitted => Outcome == AdmissionOutcome.Admitted;
}
