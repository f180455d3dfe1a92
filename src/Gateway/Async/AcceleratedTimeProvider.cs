namespace Gateway.Async;

/// <summary>
/// A clock that runs <c>rate</c> times faster than the one it wraps: timers fire sooner and time reads further
/// along. The async subsystem takes its time from a TimeProvider, so with <c>Gateway:AsyncClockRate=1000</c> an
/// end-to-end test sees AWS's one-minute retry wait in 60 ms without any code path being different.
/// </summary>
/// <remarks>
/// Times it hands out (and so the ones written to the event store) are on the accelerated scale, which starts
/// at the real start of the current UTC year: not at the gateway's own start, so that the nodes of a cluster (which
/// share retry due times and event ages through Redis) read the same accelerated time whenever each started. It was
/// the start of the UTC day until a cluster proof ran across midnight: a node restarted after it read a clock 24 h ×
/// (rate − 1) behind the others' and gave their events up as too old. A year keeps that to New Year's night, and
/// at rate 1000 the scale stays within DateTimeOffset's range (a year becomes 1,000). It is a test knob, not
/// something to run production with.
/// </remarks>
internal sealed class AcceleratedTimeProvider : TimeProvider
{
    private readonly TimeProvider _inner;
    private readonly double _rate;
    private readonly DateTimeOffset _startUtc;
    private readonly long _startTimestamp;

    public AcceleratedTimeProvider(TimeProvider inner, double rate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(rate, 0);
        _inner = inner;
        _rate = rate;
        var now = inner.GetUtcNow();
        long timestamp = inner.GetTimestamp();
        _startUtc = new DateTimeOffset(now.UtcDateTime.Year, 1, 1, 0, 0, 0, TimeSpan.Zero);
        _startTimestamp = timestamp - (long)((now - _startUtc).TotalSeconds * inner.TimestampFrequency);
    }

    /// <summary>The system clock when <paramref name="rate"/> is 1, else an accelerated one.</summary>
    public static TimeProvider For(TimeProvider inner, double rate) => rate == 1 ? inner : new AcceleratedTimeProvider(inner, rate);

    public override DateTimeOffset GetUtcNow() => _startUtc + (_inner.GetUtcNow() - _startUtc) * _rate;

    public override long GetTimestamp() => _startTimestamp + (long)((_inner.GetTimestamp() - _startTimestamp) * _rate);

    public override long TimestampFrequency => _inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => _inner.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        => new ScaledTimer(_inner.CreateTimer(callback, state, Scale(dueTime), Scale(period)), this);

    private TimeSpan Scale(TimeSpan span) => span == Timeout.InfiniteTimeSpan || span <= TimeSpan.Zero ? span : span / _rate;

    private sealed class ScaledTimer(ITimer inner, AcceleratedTimeProvider clock) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(clock.Scale(dueTime), clock.Scale(period));

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
