namespace Gateway.Benchmarks;

/// <summary>
/// The system clock, except that its timers never fire. The host's services start background timers (the log flusher,
/// every 200 ms) that allocate on another thread; BenchmarkDotNet counts allocations process-wide, so one firing
/// during a fast-mode iteration showed as 1 B per operation on a path that allocates nothing.
/// </summary>
internal sealed class QuietTimeProvider : TimeProvider
{
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new QuietTimer();

    private sealed class QuietTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
