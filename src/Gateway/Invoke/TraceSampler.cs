namespace Gateway.Invoke;

/// <summary>
/// The sampling decision Lambda makes for a function whose TracingConfig is <c>Active</c> when the caller made none
/// (no X-Ray header, or one without <c>Sampled=0|1</c>): X-Ray's default rule, a reservoir of 1 request each second
/// plus 5 percent of the rest. One per function (Hosting/FunctionRuntime), shared by its versions: AWS applies the
/// rule per service, and a function is the service a user sees. PassThrough functions have none (never sampled here).
/// </summary>
/// <remarks>
/// On the invoke path, so allocation-free and lock-free: the reservoir is the second whose request has been taken, a
/// long claimed with one compare-and-swap (the first caller in a new second wins it; the others fall through to the
/// fixed rate); the 5 % draw is <see cref="Random.Shared"/>, thread-safe without a lock. Clock and random are
/// injectable, so tests decide the second and the draw instead of sleeping or counting on statistics.
/// </remarks>
internal sealed class TraceSampler(TimeProvider time, Random? random = null)
{
    /// <summary>X-Ray's default rule: after the reservoir, this share of requests is sampled.</summary>
    public const double FixedRate = 0.05;

    private readonly Random _random = random ?? Random.Shared;

    /// <summary>The epoch second whose reservoir request is taken; below any real second at first.</summary>
    private long _reservoirSecond = long.MinValue;

    /// <summary>True to sample this request: the first of its second, else with probability <see cref="FixedRate"/>.</summary>
    public bool Sample() => Sample(time.GetUtcNow().ToUnixTimeSeconds());

    /// <summary><see cref="Sample()"/> for a request in <paramref name="now"/> (epoch seconds): a new trace passes the
    /// second its Root is stamped with, so "the first of each second" holds for the Roots a user reads.</summary>
    public bool Sample(long now)
    {
        long taken = Volatile.Read(ref _reservoirSecond);
        if (taken < now && Interlocked.CompareExchange(ref _reservoirSecond, now, taken) == taken)
        {
            return true;
        }
        return _random.NextDouble() < FixedRate;
    }
}
