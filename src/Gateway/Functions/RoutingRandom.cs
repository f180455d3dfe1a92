namespace Gateway.Functions;

/// <summary>Where an alias's weighted routing draws its numbers: injectable, so tests (and a seeded gateway,
/// Gateway:AliasRoutingSeed) get a reproducible split.</summary>
internal interface IRoutingRandom
{
    /// <summary>A number in [0, 1).</summary>
    double NextDouble();
}

/// <summary><see cref="Random"/> behind <see cref="IRoutingRandom"/>: the shared thread-safe one, or a seeded one
/// behind a lock (a seeded <see cref="Random"/> is not thread-safe).</summary>
internal sealed class RoutingRandom : IRoutingRandom
{
    private readonly Random? _seeded;
    private readonly Lock _gate = new();

    private RoutingRandom(Random? seeded) => _seeded = seeded;

    public static RoutingRandom Create(int? seed) => new(seed is int s ? new Random(s) : null);

    public double NextDouble()
    {
        if (_seeded is null)
        {
            return Random.Shared.NextDouble();
        }
        lock (_gate)
        {
            return _seeded.NextDouble();
        }
    }
}
