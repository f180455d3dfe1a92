namespace Gateway.Benchmarks;

/// <summary>
/// A clock that moves one millisecond every time it is read. Admission's request-rate buckets refill from the clock
/// (10 × 1,000 requests per second by default); a benchmark admits millions per second, so on the real clock it would
/// measure throttles after the first ten thousand. One millisecond per admission keeps every bucket full, so each
/// operation takes the admitted path, with the product's default limits.
/// </summary>
internal sealed class SteppingClock : TimeProvider
{
    private const long TicksPerMillisecond = 1_000;
    private long _now;

    public override long TimestampFrequency => TicksPerMillisecond * 1_000;

    public override long GetTimestamp() => Interlocked.Add(ref _now, TicksPerMillisecond);
}
