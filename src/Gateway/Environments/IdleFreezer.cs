using System.Collections.Concurrent;

namespace Gateway.Environments;

/// <summary>
/// Freezes idle environments from one thread for the whole gateway (ExecutionEnvironment.Freeze.cs says when). An
/// environment that goes idle is queued once (its own flag says it is queued) and notes the time; the thread, awake only
/// while the queue holds something, looks at each queued environment every half freeze time and freezes it, keeps it
/// queued, or drops it. So an invocation costs the hot path a timestamp and a flag, never a timer operation.
/// </summary>
/// <remarks>
/// Measured (docs/performance.md, 2026-12-08), each costlier than the freezes it served: a timer per environment re-armed
/// at every idle (the least-used environments of a busy pool woke every 20 ms each), and one .NET timer for all (each
/// tick a thread-pool item, and the pool's workers spin with sched_yield before they sleep: ~0.3 system calls per
/// invocation). A thread of its own sleeps between looks and blocks when there is nothing to look at.
/// </remarks>
internal sealed class IdleFreezer : IDisposable
{
    private readonly ConcurrentQueue<ExecutionEnvironment> _queue = new();
    private readonly SemaphoreSlim _work = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly int _periodMs;
    private int _sleeping; // 1 while the thread waits for work (an Enqueue wakes it)

    public IdleFreezer(TimeSpan after)
    {
        After = after;
        // Half the quiet time; with 0 (at once) it only waits out Telemetry batches on their way, which may take
        // seconds (a listener's slow answer, the post's 10 s timeout): a look every 10 ms is plenty.
        _periodMs = after == TimeSpan.Zero ? 10 : (int)Math.Max(1, after.TotalMilliseconds / 2);
        new Thread(Run) { IsBackground = true, Name = "gateway-freezer" }.Start();
    }

    /// <summary>How long an environment and its function must be quiet before the environment is frozen.</summary>
    public TimeSpan After { get; }

    /// <summary>Queues an environment that went idle (the caller's flag makes sure it is queued once).</summary>
    public void Enqueue(ExecutionEnvironment environment)
    {
        _queue.Enqueue(environment);
        if (Volatile.Read(ref _sleeping) == 1 && Interlocked.Exchange(ref _sleeping, 0) == 1)
        {
            _work.Release();
        }
    }

    private void Run()
    {
        var token = _stop.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                if (_queue.IsEmpty)
                {
                    Volatile.Write(ref _sleeping, 1);
                    // Re-checked after the flag: an Enqueue before it saw no sleeper and released nothing.
                    if (_queue.IsEmpty)
                    {
                        _work.Wait(token);
                    }
                    else if (Interlocked.Exchange(ref _sleeping, 0) == 0)
                    {
                        _work.Wait(token); // an Enqueue took the flag and released: consume that release
                    }
                }
                Thread.Sleep(_periodMs);
                Sweep();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Sweep()
    {
        // Each environment queued now is looked at once; those that must wait go to the back for the next look.
        for (int n = _queue.Count; n > 0 && _queue.TryDequeue(out var environment); n--)
        {
            try
            {
                if (!environment.FreezeIfQuiet(After))
                {
                    _queue.Enqueue(environment);
                }
            }
            catch (Exception ex)
            {
                Console.Error.WriteLine($"[gateway] freezing an idle environment: {ex.GetType().Name}: {ex.Message}");
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
    }
}
