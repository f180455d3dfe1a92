namespace Gateway.UnitTests.Admission;

/// <summary>A clock that moves only when told to (Microsoft.Extensions.TimeProvider.Testing's FakeTimeProvider is not
/// in this machine's NuGet copy). Timestamps start far from zero, so nothing can depend on them starting at 0.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly long _frequency;
    private readonly long _start;
    private long _timestamp;

    public ManualTimeProvider(long frequency = 1_000_000_000)
    {
        _frequency = frequency;
        _start = 12_345 * frequency;
        _timestamp = _start;
    }

    public override long TimestampFrequency => _frequency;

    public override long GetTimestamp() => Volatile.Read(ref _timestamp);

    public override DateTimeOffset GetUtcNow() => Epoch + GetElapsedTime(_start, GetTimestamp());

    /// <summary>Moves the clock forward (thread-safe; allocation-free).</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        Interlocked.Add(ref _timestamp, (long)((Int128)by.Ticks * _frequency / TimeSpan.TicksPerSecond));
    }

    public void AdvanceMilliseconds(int milliseconds) => Advance(TimeSpan.FromMilliseconds(milliseconds));
}
