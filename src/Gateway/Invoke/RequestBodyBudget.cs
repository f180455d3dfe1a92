using System.Threading.Tasks.Sources;

namespace Gateway.Invoke;

/// <summary>
/// A gateway-wide cap on invoke-request body bytes held in memory (being read, or waiting for a function to run).
/// A request takes its share before it reads a byte of its body and gives it back when its payload is released;
/// when the budget is spent, bodies are simply not read (Kestrel stops reading those sockets and TCP flow control
/// slows their senders), so a crowd of clients posting huge bodies costs memory only up to the cap.
/// </summary>
/// <remarks>
/// <para>Each request takes everything it might need at once: its Content-Length, or the whole payload limit when
/// the length is unknown (chunked), returning the unused part when the body is in. Nobody ever waits while holding
/// a share, so waiters cannot deadlock each other; the cap is at least one payload limit (checked at start), so
/// every request can eventually be served.</para>
/// <para>Taking is a lock-free compare-and-swap while the budget lasts. Waiters are served in arrival order among
/// those that fit, and a request that fits may pass a larger one that does not: a 64-byte echo never queues behind
/// a chunked 6 MB upload. A large waiter can still make progress, because small shares are held only briefly.</para>
/// </remarks>
internal sealed class RequestBodyBudget
{
    private readonly object _lock = new();
    private readonly List<Waiter> _waiters = new();
    private long _available;
    private int _waiterCount; // _waiters.Count, readable without the lock
    private long _waits;

    public RequestBodyBudget(long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
        _available = capacity;
    }

    public long Capacity { get; }

    /// <summary>Bytes currently taken.</summary>
    public long InUse => Capacity - Volatile.Read(ref _available);

    /// <summary>How many takes had to wait (the budget was spent): back-pressure events.</summary>
    public long Waits => Interlocked.Read(ref _waits);

    /// <summary>Takes <paramref name="bytes"/> if they are available now.</summary>
    public bool TryTake(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bytes, Capacity);
        long available = Volatile.Read(ref _available);
        while (available >= bytes)
        {
            long seen = Interlocked.CompareExchange(ref _available, available - bytes, available);
            if (seen == available)
            {
                return true;
            }
            available = seen;
        }
        return false;
    }

    /// <summary>Takes <paramref name="bytes"/>, waiting until they are available. Cancelling gives nothing back
    /// (nothing was taken).</summary>
    public ValueTask TakeAsync(long bytes, CancellationToken cancellationToken)
    {
        if (TryTake(bytes))
        {
            return ValueTask.CompletedTask;
        }
        var waiter = new Waiter(this, bytes);
        lock (_lock)
        {
            // Announce the waiter first, then look again: a Return either sees the count (and serves the list under
            // the lock) or happened before this second look (which then sees its bytes). Both are full fences.
            _waiters.Add(waiter);
            Interlocked.Increment(ref _waiterCount);
            if (TryTake(bytes))
            {
                _waiters.RemoveAt(_waiters.Count - 1);
                Interlocked.Decrement(ref _waiterCount);
                return ValueTask.CompletedTask;
            }
        }
        Interlocked.Increment(ref _waits);
        waiter.Watch(cancellationToken);
        return new ValueTask(waiter.Task);
    }

    /// <summary>Gives back <paramref name="bytes"/> taken earlier, and serves the waiters that now fit.</summary>
    public void Return(long bytes)
    {
        if (bytes <= 0)
        {
            return;
        }
        Interlocked.Add(ref _available, bytes);
        if (Volatile.Read(ref _waiterCount) == 0)
        {
            return;
        }
        List<Waiter>? granted = null;
        lock (_lock)
        {
            for (int i = 0; i < _waiters.Count;)
            {
                var waiter = _waiters[i];
                if (TryTake(waiter.Bytes))
                {
                    _waiters.RemoveAt(i);
                    Interlocked.Decrement(ref _waiterCount);
                    (granted ??= new()).Add(waiter);
                }
                else
                {
                    i++;
                }
            }
        }
        if (granted is not null)
        {
            foreach (var waiter in granted)
            {
                waiter.Grant();
            }
        }
    }

    private void Cancel(Waiter waiter)
    {
        bool removed;
        lock (_lock)
        {
            removed = _waiters.Remove(waiter);
            if (removed)
            {
                Interlocked.Decrement(ref _waiterCount);
            }
        }
        if (removed)
        {
            waiter.Cancelled();
        }
    }

    /// <summary>One request waiting for its share. Only on the slow path (the budget is spent), so a plain
    /// TaskCompletionSource is fine.</summary>
    private sealed class Waiter(RequestBodyBudget budget, long bytes)
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private CancellationTokenRegistration _registration;

        public long Bytes { get; } = bytes;

        public Task Task => _done.Task;

        public void Watch(CancellationToken cancellationToken)
        {
            if (cancellationToken.CanBeCanceled)
            {
                _registration = cancellationToken.UnsafeRegister(static state => ((Waiter)state!).Cancel(), this);
            }
        }

        private void Cancel() => budget.Cancel(this);

        public void Grant()
        {
            // (If the grant came before Watch registered, the registration lives until the request's token is
            // disposed; its callback then finds nothing to remove.)
            _registration.Dispose();
            _done.TrySetResult();
        }

        public void Cancelled() => _done.TrySetCanceled();
    }
}
