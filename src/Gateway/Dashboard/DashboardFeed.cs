using System.Text.Json;

namespace Gateway.Dashboard;

/// <summary>
/// One snapshot a second, built once and shared by every connected dashboard: a timer that runs only while at least
/// one client listens (an idle gateway builds nothing), publishing the snapshot's JSON bytes. Each published
/// snapshot carries the task its successor completes, so a client waits without polling and, on waking, jumps to the
/// newest one (a slow client skips seconds instead of holding a backlog).
/// </summary>
internal sealed class DashboardFeed(SnapshotBuilder builder, TimeProvider time, Action<Exception> onError)
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private int _clients;
    private CancellationTokenSource? _loop;
    private Task _running = Task.CompletedTask;
    private Published _current = new(0, [], NewNext());

    /// <summary>The newest snapshot (Seq 0 and no bytes before the first one).</summary>
    public Published Current => Volatile.Read(ref _current);

    /// <summary>Counts a client in (starting the timer for the first one); dispose to leave.</summary>
    public Subscription Subscribe()
    {
        lock (_lock)
        {
            if (_clients++ == 0)
            {
                _loop = new CancellationTokenSource();
                _running = RunAsync(_running, _loop.Token); // after the previous loop ended: one builder, one caller

            }
        }
        return new Subscription(this);
    }

    private void Leave()
    {
        lock (_lock)
        {
            if (--_clients == 0)
            {
                _loop!.Cancel();
                _loop.Dispose();
                _loop = null;
            }
        }
    }

    private async Task RunAsync(Task previousLoop, CancellationToken cancellationToken)
    {
        await previousLoop.ConfigureAwait(false); // never faults: it ends by cancellation
        builder.Reset();
        using var timer = new PeriodicTimer(Period, time);
        try
        {
            do
            {
                DashboardSnapshot snapshot;
                try
                {
                    snapshot = await builder.BuildAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    onError(ex); // a failed second is skipped; the stream goes on
                    continue;
                }
                var next = new Published(snapshot.Seq, JsonSerializer.SerializeToUtf8Bytes(snapshot, DashboardJsonContext.Default.DashboardSnapshot), NewNext());
                var previous = Interlocked.Exchange(ref _current, next);
                previous.Next.TrySetResult(next);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // the last client left
        }
    }

    private static TaskCompletionSource<Published> NewNext() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A snapshot's JSON and the promise of the one after it.</summary>
    internal sealed record Published(long Seq, byte[] Json, TaskCompletionSource<Published> Next);

    internal sealed class Subscription(DashboardFeed feed) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                feed.Leave();
            }
        }
    }
}
