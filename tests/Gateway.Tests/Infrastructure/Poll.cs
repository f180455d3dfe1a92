namespace Gateway.Tests.Infrastructure;

/// <summary>
/// Waits for a condition in another process (a worker gone, a log line written) with a hard deadline.
/// This is the only place the tests wait on a clock, and only to give up: no assertion depends on how long
/// anything took.
/// </summary>
public static class Poll
{
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, int timeoutMs = 20_000)
    {
        // A monotonic clock: the wall clock of this VM can step (a run gave up "after 20000 ms" in 2 s).
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (true)
        {
            if (await condition())
            {
                return;
            }
            if (System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds > timeoutMs)
            {
                throw new TimeoutException($"Gave up after {timeoutMs} ms waiting for: {what}");
            }
            await Task.Delay(25);
        }
    }

    public static Task UntilAsync(Func<bool> condition, string what, int timeoutMs = 20_000)
        => UntilAsync(() => Task.FromResult(condition()), what, timeoutMs);

    /// <summary>Every await in a test gets a deadline, so a hang fails instead of stalling the run.</summary>
    public static async Task<T> WithTimeout<T>(this Task<T> task, int timeoutMs = 60_000)
    {
        var finished = await Task.WhenAny(task, Task.Delay(timeoutMs));
        return finished == task ? await task : throw new TimeoutException($"Operation did not finish within {timeoutMs} ms");
    }

    public static async Task WithTimeout(this Task task, int timeoutMs = 60_000)
    {
        var finished = await Task.WhenAny(task, Task.Delay(timeoutMs));
        if (finished != task)
        {
            throw new TimeoutException($"Operation did not finish within {timeoutMs} ms");
        }
        await task;
    }
}
