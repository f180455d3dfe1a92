namespace Gateway.Admission;

/// <summary>
/// A token bucket refilled continuously (not in periods), lock-free, driven by timestamps the caller passes in.
/// </summary>
/// <remarks>
/// <para>
/// Why not <see cref="System.Threading.RateLimiting.TokenBucketRateLimiter"/>: in .NET 9 it adds tokens in discrete
/// replenishment periods from its own timer (or from explicit <c>TryReplenish</c> calls) and takes no
/// <see cref="TimeProvider"/>. Lambda refills its scaling allowance "continuously" (DOC:scaling-behavior), and these
/// buckets must be driven by a manual clock in tests; leasing through it would also allocate on the hot path. This
/// class is the small part that differs.
/// </para>
/// <para>
/// Representation (the "virtual scheduling" form of a token bucket, GCRA): the whole state is one long,
/// <c>_emptyAt</c>, the timestamp at which the bucket would have held zero tokens had nothing been taken since.
/// Tokens at time t = min(capacity, (t − _emptyAt) / cost), where cost is the timestamp ticks needed to refill one
/// token. Taking n tokens moves <c>_emptyAt</c> to max(_emptyAt, t − capacity × cost) + n × cost, allowed when that
/// is ≤ t. One word means one CompareExchange: no torn (tokens, last-refill) pair, no lock. A refund subtracts
/// n × cost, which exactly undoes a take (the min() caps it at capacity if the bucket refilled meanwhile).
/// </para>
/// <para>
/// Precision: cost is rounded up to whole ticks, so a rate that does not divide the timestamp frequency runs at most
/// one tick per token slower than configured (at 1 GHz and 100 tokens/s: 1e-7 relative) — never faster.
/// </para>
/// </remarks>
internal sealed class ContinuousTokenBucket
{
    private readonly long _cost;
    private readonly long _window;
    private long _emptyAt;

    /// <param name="capacity">Most tokens held; the bucket starts full.</param>
    /// <param name="perSecond">Continuous refill, tokens per second.</param>
    /// <param name="frequency">Timestamp ticks per second (<see cref="TimeProvider.TimestampFrequency"/>).</param>
    /// <param name="now">The current timestamp.</param>
    public ContinuousTokenBucket(long capacity, double perSecond, long frequency, long now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(frequency, 1);
        if (!double.IsFinite(perSecond) || perSecond <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(perSecond), perSecond, "The refill rate must be positive.");
        }
        // (1 - 1e-12) absorbs the floating-point error of an exact quotient (e.g. 1e9 / (500/60) = 1.2e8 exactly).
        double exact = frequency / perSecond;
        Capacity = capacity;
        _cost = Math.Max(1, checked((long)Math.Ceiling(exact * (1 - 1e-12))));
        _window = checked(capacity * _cost);
        _emptyAt = checked(now - _window);
    }

    public long Capacity { get; }

    /// <summary>Timestamp ticks per token.</summary>
    public long TicksPerToken => _cost;

    /// <summary>Takes one token if one is available at <paramref name="now"/>; otherwise reports the ticks until one
    /// will be.</summary>
    public bool TryTake(long now, out long ticksUntilAvailable)
    {
        long observed = Volatile.Read(ref _emptyAt);
        while (true)
        {
            long full = now - _window;
            long next = (observed < full ? full : observed) + _cost;
            if (next > now)
            {
                ticksUntilAvailable = next - now;
                return false;
            }
            long seen = Interlocked.CompareExchange(ref _emptyAt, next, observed);
            if (seen == observed)
            {
                ticksUntilAvailable = 0;
                return true;
            }
            observed = seen;
        }
    }

    /// <summary>Gives back one token taken by <see cref="TryTake"/> (a rollback).</summary>
    public void Refund() => Interlocked.Add(ref _emptyAt, -_cost);

    /// <summary>Whole tokens available at <paramref name="now"/>.</summary>
    public long Available(long now)
    {
        long tokens = (now - Volatile.Read(ref _emptyAt)) / _cost;
        return Math.Clamp(tokens, 0, Capacity);
    }
}
