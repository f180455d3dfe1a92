namespace Gateway.Admission;

/// <summary>How Lambda limits the rate at which new execution environments may be started (LAMBDA.md §7).</summary>
internal enum BurstModel
{
    /// <summary>
    /// Since November 2023: each function has its own bucket — 1,000 environments every 10 seconds, refilled
    /// continuously (100 per second), unused allowance not accrued beyond the capacity.
    /// </summary>
    PerFunction,

    /// <summary>
    /// Before November 2023: one bucket for the whole account — an initial burst of 500, 1,000 or 3,000 depending
    /// on the Region (<see cref="AdmissionOptions.AccountBurstCapacityFor"/>), then 500 more per minute.
    /// </summary>
    AccountBurst,
}

/// <summary>The account-level admission settings. Immutable; per-function reserved concurrency is set on the
/// <see cref="AdmissionController"/> at run time.</summary>
/// <remarks>
/// AWS's values fall in narrower ranges (burst capacity 500–3,000, minimum unreserved 100 or 50 on new accounts);
/// any positive value is accepted here so a local gateway can be tested with small limits.
/// </remarks>
internal sealed class AdmissionOptions
{
    public const int DefaultAccountConcurrencyLimit = 1000;
    public const int DefaultMinimumUnreservedConcurrency = 100;
    public const int PerFunctionBurstCapacity = 1000;
    public const double PerFunctionBurstRefillPerSecond = 100; // 1,000 per 10 s
    public const int AccountBurstDefaultCapacity = 500; // "Other Regions"
    public const double AccountBurstRefillPerSecond = 500.0 / 60; // 500 per minute

    /// <summary>Concurrent executions for the whole account (Lambda's default quota: 1,000).</summary>
    public int AccountConcurrencyLimit { get; init; } = DefaultAccountConcurrencyLimit;

    /// <summary>The concurrency reservations must leave to functions without one (AWS: 100, or the whole limit on an
    /// account whose limit is lower: "below its minimum value of [10]" on a new account with a limit of 10).</summary>
    public int MinimumUnreservedConcurrency { get; init; } = DefaultMinimumUnreservedConcurrency;

    public BurstModel BurstModel { get; init; } = BurstModel.PerFunction;

    /// <summary>Environments that can be started at once from a full bucket; null = the model's default
    /// (1,000 per function, or 500 for the account).</summary>
    public int? BurstCapacity { get; init; }

    /// <summary>Bucket refill in environments per second, continuous; null = the model's default
    /// (100/s per function, or 500/min for the account).</summary>
    public double? BurstRefillPerSecond { get; init; }

    /// <summary>Requests per second allowed per unit of concurrency limit (AWS: 10), for the account (× account
    /// limit) and for each function with reserved concurrency (× reserved).</summary>
    public int RequestRateMultiplier { get; init; } = 10;

    public int EffectiveBurstCapacity => BurstCapacity ?? (BurstModel == BurstModel.PerFunction ? PerFunctionBurstCapacity : AccountBurstDefaultCapacity);

    public double EffectiveBurstRefillPerSecond => BurstRefillPerSecond ?? (BurstModel == BurstModel.PerFunction ? PerFunctionBurstRefillPerSecond : AccountBurstRefillPerSecond);

    /// <summary>The old model's initial account burst for a Region (DOCS-2023 <c>invocation-scaling.md</c>).</summary>
    public static int AccountBurstCapacityFor(string region) => region switch
    {
        "us-west-2" or "us-east-1" or "eu-west-1" => 3000,
        "ap-northeast-1" or "eu-central-1" or "us-east-2" => 1000,
        _ => 500,
    };

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a setting the controller cannot honour
    /// (configuration time only, never on the admission path); start-up reports <see cref="Problems"/> first.</summary>
    public void Validate()
    {
        if (Problems().FirstOrDefault() is { } problem)
        {
            throw new ArgumentOutOfRangeException(nameof(AdmissionOptions), problem);
        }
    }

    /// <summary>
    /// One readable line per setting the controller cannot honour, named as the command line names it (the gateway
    /// refuses to start with them: a .NET range exception's text is a resource key in a trimmed build).
    /// Bounds keep every bucket's capacity × token cost inside a long (see ContinuousTokenBucket).
    /// </summary>
    public IEnumerable<string> Problems()
    {
        if (AccountConcurrencyLimit is < 1 or > 1_000_000)
        {
            yield return $"--account-concurrency-limit must be between 1 and 1000000, not {AccountConcurrencyLimit}";
        }
        if (MinimumUnreservedConcurrency < 0 || MinimumUnreservedConcurrency > AccountConcurrencyLimit)
        {
            yield return $"--minimum-unreserved-concurrency must be between 0 and the account concurrency limit ({AccountConcurrencyLimit}), not {MinimumUnreservedConcurrency}";
        }
        if (EffectiveBurstCapacity is < 1 or > 1_000_000)
        {
            yield return $"--burst-capacity must be between 1 and 1000000, not {EffectiveBurstCapacity}";
        }
        double refill = EffectiveBurstRefillPerSecond;
        if (!double.IsFinite(refill) || refill < 0.001 || refill > 1e9)
        {
            yield return $"--burst-refill-per-second must be between 0.001 and 1e9 environments per second, not {refill.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        }
        if (RequestRateMultiplier is < 1 or > 1000)
        {
            yield return $"--request-rate-multiplier must be between 1 and 1000, not {RequestRateMultiplier}";
        }
    }
}
