using System.Threading.Tasks.Sources;

namespace Gateway.RuntimeApi;

/// <summary>
/// One direction (read or write) of a socket owned by <see cref="RuntimeEventLoop"/>: whether the kernel has said it is
/// ready since the last attempt, and at most one waiter for the next time it does.
/// </summary>
/// <remarks>
/// The loop registers its sockets edge-triggered, so it hears "ready" once per arrival. The consumer's protocol is
/// <em>clear, then try</em>: <see cref="TryConsume"/> before each read or write, so an arrival after that attempt sets the
/// state again and cannot be lost; a wait is only needed after an attempt found nothing (EAGAIN). A waiter is resumed on
/// the loop's thread, inline: reading the runtime's answer and completing its invocation happen there, without a hop.
/// </remarks>
internal sealed class Readiness : IValueTaskSource<int>
{
    private const int Idle = 0;
    private const int Ready = 1;
    private const int Waiting = 2;

    private int _state;
    private volatile bool _final;
    private ManualResetValueTaskSourceCore<int> _core = new() { RunContinuationsAsynchronously = false };

    /// <summary>True when the kernel said "ready" since the last call (or the socket has hung up); either way the state
    /// is now "not ready".</summary>
    public bool TryConsume() => Interlocked.Exchange(ref _state, Idle) == Ready || _final;

    /// <summary>The last read filled its buffer: more may be waiting, and no new edge would say so.</summary>
    public void MarkReady() => Interlocked.CompareExchange(ref _state, Ready, Idle);

    public bool IsReady => Volatile.Read(ref _state) == Ready;

    /// <summary>Completes when the kernel says "ready" (at once if it has since the last <see cref="TryConsume"/>).
    /// One waiter at a time: the connection that owns the socket.</summary>
    public ValueTask<int> WaitAsync()
    {
        if (Volatile.Read(ref _state) == Ready || _final)
        {
            return new ValueTask<int>(0);
        }
        _core.Reset();
        if (Interlocked.CompareExchange(ref _state, Waiting, Idle) == Idle)
        {
            return new ValueTask<int>(this, _core.Version);
        }
        return new ValueTask<int>(0); // became ready in between
    }

    /// <summary>The socket hung up (or failed, or was shut down): ready for good. An edge-triggered set reports the
    /// hang-up once, possibly together with data a short read then takes; without this, the end of stream that follows
    /// that data would never be read.</summary>
    public void SignalFinal()
    {
        _final = true;
        Signal();
    }

    /// <summary>The loop's thread: the kernel said "ready". Resumes a waiter here, on this thread.</summary>
    public void Signal()
    {
        if (Interlocked.Exchange(ref _state, Ready) == Waiting)
        {
            _core.SetResult(0);
        }
    }

    int IValueTaskSource<int>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}
