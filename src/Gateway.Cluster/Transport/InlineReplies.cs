namespace Gateway.Cluster.Transport;

/// <summary>
/// Awaited commands whose callers resume on the thread that read their reply (<see cref="SocketTransport"/>'s
/// reader), instead of through the thread pool.
/// </summary>
/// <remarks>
/// <para>StackExchange.Redis completes a command's Task on the thread that parsed the reply, but with
/// <c>RunContinuationsAsynchronously</c>: whoever awaits it is queued to the thread pool, and on this two-core box
/// waking a sleeping worker (which spins before sleeping again) cost more than the round trip itself. An
/// <see cref="InlineReply{T}"/> is awaited instead of the Task: the reader, right after handing a batch of bytes to the
/// library, resumes every registered caller whose Task has completed, on its own stack. The caller's continuation must
/// be short and must not block (the invoke path's is: it places the invocation and sends it to a worker).</para>
/// <para>A Task can also complete off the reader: a timeout (the library's own timer), or a failed connection. A
/// sweep every <see cref="SweepPeriod"/> resumes those callers (on the timer's thread), so a failure is seen at most
/// that much later than the library reports it.</para>
/// </remarks>
public sealed class InlineReplies : IDisposable
{
    /// <summary>How often replies that completed off the reader (timeouts, failures) are looked for.</summary>
    public static readonly TimeSpan SweepPeriod = TimeSpan.FromMilliseconds(50);

    private readonly Lock _lock = new();
    private readonly Timer _sweep;
    private List<IInlineReply> _pending = [];
    private List<IInlineReply> _ready = [];
    private int _count;

    public InlineReplies() => _sweep = new Timer(static s => ((InlineReplies)s!).RunCompleted(), this, SweepPeriod, SweepPeriod);

    /// <summary>Awaits <paramref name="task"/> (already sent) with its continuation run by the reply's reader.</summary>
    public ValueTask<TResult> Await<TSource, TResult>(Task<TSource> task, Func<TSource, TResult> convert)
    {
        if (task.IsCompleted)
        {
            return task.IsCompletedSuccessfully ? new(convert(task.Result)) : ValueTask.FromException<TResult>(Unwrap(task));
        }
        var reply = new InlineReply<TSource, TResult>(task, convert);
        lock (_lock)
        {
            _pending.Add(reply);
            _count++;
        }
        // Completed between the check and the registration (the reader may have scanned before it): done here.
        if (task.IsCompleted)
        {
            reply.TryComplete();
        }
        return reply.AsValueTask();
    }

    /// <summary>Resumes every caller whose command has completed (the reader calls this after each batch it parsed).</summary>
    public void RunCompleted()
    {
        if (Volatile.Read(ref _count) == 0)
        {
            return;
        }
        List<IInlineReply> ready;
        lock (_lock)
        {
            ready = _ready;
            _ready = [];
            var still = _pending;
            int kept = 0;
            for (int i = 0; i < still.Count; i++)
            {
                var reply = still[i];
                if (reply.IsSourceCompleted)
                {
                    ready.Add(reply);
                }
                else
                {
                    still[kept++] = reply;
                }
            }
            still.RemoveRange(kept, still.Count - kept);
            _count = kept;
        }
        foreach (var reply in ready)
        {
            reply.TryComplete(); // may run the caller's continuation right here
        }
        ready.Clear();
        lock (_lock)
        {
            if (_ready.Count == 0)
            {
                _ready = ready; // reuse the list
            }
        }
    }

    public void Dispose() => _sweep.Dispose();

    internal static Exception Unwrap(Task task) =>
        task.IsCanceled ? new TaskCanceledException(task) : task.Exception!.InnerExceptions.Count == 1 ? task.Exception.InnerException! : task.Exception;
}

internal interface IInlineReply
{
    bool IsSourceCompleted { get; }

    void TryComplete();
}
