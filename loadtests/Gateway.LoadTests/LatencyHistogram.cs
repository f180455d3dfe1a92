using System.Numerics;

namespace Gateway.LoadTests;

/// <summary>
/// A log-linear (HDR-style) histogram of latencies in nanoseconds. Values below 256 ns get exact buckets; above,
/// each power of two is split into 128 linear sub-buckets, so a bucket is at most 1/128 (0.8 %) of its value
/// wide. Values are clamped to <see cref="MaxTrackableNanos"/> (60 s) for the buckets; the exact maximum is kept
/// separately. 1 µs .. 60 s fits in ~4,300 buckets (34 KB).
/// </summary>
/// <remarks>
/// <see cref="Record"/> is thread-safe (one <see cref="Interlocked.Increment(ref long)"/> per value), so every
/// connection can record into the same per-second histogram: at the rates a 2-core box reaches, one interlocked
/// add is noise next to the two syscalls of a request.
/// </remarks>
internal sealed class LatencyHistogram
{
    public const long MaxTrackableNanos = 60_000_000_000;
    private const int SubBucketBits = 7;                     // 128 sub-buckets per power of two
    private const int SubBucketCount = 1 << SubBucketBits;

    private static readonly int BucketCount = IndexOf(MaxTrackableNanos) + 1;

    private readonly long[] _counts = new long[BucketCount];
    private long _total;
    private long _max;
    private long _min = long.MaxValue;

    public long TotalCount => Volatile.Read(ref _total);
    public long MaxNanos => Volatile.Read(ref _max);
    public long MinNanos => TotalCount == 0 ? 0 : Volatile.Read(ref _min);

    public void Record(long nanos)
    {
        if (nanos < 0)
        {
            nanos = 0;
        }
        Interlocked.Increment(ref _counts[IndexOf(Math.Min(nanos, MaxTrackableNanos))]);
        Interlocked.Increment(ref _total);
        long max;
        while (nanos > (max = Volatile.Read(ref _max)) && Interlocked.CompareExchange(ref _max, nanos, max) != max)
        {
        }
        long min;
        while (nanos < (min = Volatile.Read(ref _min)) && Interlocked.CompareExchange(ref _min, nanos, min) != min)
        {
        }
    }

    /// <summary>Adds every count of <paramref name="other"/> to this one (not thread-safe against concurrent Record on this).</summary>
    public void Add(LatencyHistogram other)
    {
        for (int i = 0; i < _counts.Length; i++)
        {
            _counts[i] += Volatile.Read(ref other._counts[i]);
        }
        _total += other.TotalCount;
        _max = Math.Max(_max, other.MaxNanos);
        if (other.TotalCount > 0)
        {
            _min = Math.Min(_min, other.MinNanos);
        }
    }

    /// <summary>
    /// The value at or below which <paramref name="percentile"/> % of the recorded values fall, reported as the
    /// highest value of its bucket (as HdrHistogram does), and never above the exact maximum.
    /// </summary>
    public long ValueAtPercentile(double percentile)
    {
        long total = TotalCount;
        if (total == 0)
        {
            return 0;
        }
        long rank = Math.Max(1, (long)Math.Ceiling(percentile / 100.0 * total));
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += Volatile.Read(ref _counts[i]);
            if (seen >= rank)
            {
                return Math.Min(HighestEquivalent(i), MaxNanos);
            }
        }
        return MaxNanos;
    }

    internal static int IndexOf(long value)
    {
        if (value < 2 * SubBucketCount)
        {
            return (int)value;                                       // exact below 256 ns
        }
        int exponent = 63 - BitOperations.LeadingZeroCount((ulong)value);   // >= 8
        int shift = exponent - SubBucketBits;                        // >= 1
        int sub = (int)(value >> shift);                             // in [128, 256)
        return 2 * SubBucketCount + (shift - 1) * SubBucketCount + (sub - SubBucketCount);
    }

    internal static long HighestEquivalent(int index)
    {
        if (index < 2 * SubBucketCount)
        {
            return index;
        }
        int shift = (index - 2 * SubBucketCount) / SubBucketCount + 1;
        long sub = (index - 2 * SubBucketCount) % SubBucketCount + SubBucketCount;
        return ((sub + 1) << shift) - 1;
    }
}
