namespace Gateway.UnitTests.Admission;

/// <summary>A clock that moves only when told to (Microsoft.Extensions.TimeProvider.Testing's FakeTimeProvider is not
/// in this machine's NuGet copy). Timestamps start far from zero, so nothing can depend on them starting at 0.
/// Timers it creates fire on the thread that calls <see cref="Advance"/>, in due order, once the clock reaches them:
/// a test moves time past a deadline and the deadline's callback has run when Advance returns.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly long _frequency;
    private readonly long _start;
    private readonly List<ManualTimer> _timers = [];
    private long _timestamp;
    private int _timerCount;

    public ManualTimeProvider(long frequency = 1_000_000_000)
    {
        _frequency = frequency;
        _start = 12_345 * frequency;
        _timestamp = _start;
    }

    public override long TimestampFrequency => _frequency;

    public override long GetTimestamp() => Volatile.Read(ref _timestamp);

    public override DateTimeOffset GetUtcNow() => Epoch + GetElapsedTime(_start, GetTimestamp());

    /// <summary>Moves the clock forward (thread-safe; allocation-free while no timer exists), then runs the timers
    /// that are due.</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        Interlocked.Add(ref _timestamp, ToTicks(by));
        if (Volatile.Read(ref _timerCount) > 0)
        {
            FireDueTimers();
        }
    }

    public void AdvanceMilliseconds(int milliseconds) => Advance(TimeSpan.FromMilliseconds(milliseconds));

    /// <summary>Timers created and not disposed.</summary>
    public int TimerCount => Volatile.Read(ref _timerCount);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        lock (_timers)
        {
            _timers.Add(timer);
            _timerCount = _timers.Count;
        }
        timer.Change(dueTime, period);
        return timer;
    }

    private long ToTicks(TimeSpan span) => (long)((Int128)span.Ticks * _frequency / TimeSpan.TicksPerSecond);

    private void FireDueTimers()
    {
        while (true)
        {
            ManualTimer? next = null;
            lock (_timers)
            {
                long now = GetTimestamp();
                foreach (var timer in _timers)
                {
                    if (timer.Due is { } due && due <= now && (next is null || due < next.Due))
                    {
                        next = timer;
                    }
                }
                if (next is null)
                {
                    return;
                }
                // A periodic timer moves to its next period; a one-shot is spent. Both before the callback, which may re-arm.
                next.Due = next.Period is { } period ? next.Due + period : null;
            }
            next.Fire();
        }
    }

    private sealed class ManualTimer(ManualTimeProvider clock, TimerCallback callback, object? state) : ITimer
    {
        /// <summary>Timestamp it fires at; null when disarmed. Guarded by the clock's timer list.</summary>
        public long? Due { get; set; }

        public long? Period { get; private set; }

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._timers)
            {
                if (!clock._timers.Contains(this))
                {
                    return false;
                }
                Due = dueTime == Timeout.InfiniteTimeSpan ? null : clock.GetTimestamp() + clock.ToTicks(dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime);
                Period = period == Timeout.InfiniteTimeSpan || period <= TimeSpan.Zero ? null : clock.ToTicks(period);
            }
            return true;
        }

        public void Dispose()
        {
            lock (clock._timers)
            {
                clock._timers.Remove(this);
                clock._timerCount = clock._timers.Count;
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
