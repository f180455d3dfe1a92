namespace Gateway.UnitTests.Async.Destinations;

/// <summary>
/// A clock whose timers fire at once (on the thread pool) and that records every wait asked of it, so retry schedules
/// are asserted without waiting. <see cref="OnDelay"/> runs before the timer fires: a test changes the world there
/// (starts the server that was down) knowing the next attempt comes after it.
/// </summary>
internal sealed class ImmediateTimeProvider : TimeProvider
{
    private readonly List<TimeSpan> _delays = [];

    public Action<int>? OnDelay { get; set; }

    public IReadOnlyList<TimeSpan> Delays
    {
        get
        {
            lock (_delays)
            {
                return [.. _delays];
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        int count;
        lock (_delays)
        {
            _delays.Add(dueTime);
            count = _delays.Count;
        }
        OnDelay?.Invoke(count);
        ThreadPool.QueueUserWorkItem(_ => callback(state));
        return new NoTimer();
    }

    private sealed class NoTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
