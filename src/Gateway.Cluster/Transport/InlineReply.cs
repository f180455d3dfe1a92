using System.Threading.Tasks.Sources;

namespace Gateway.Cluster.Transport;

/// <summary>One awaited command of <see cref="InlineReplies"/>: a value-task source completed (once) by whichever of
/// the reader, the sweep or the registering caller first sees its Task done; continuations run on that thread.</summary>
internal sealed class InlineReply<TSource, TResult>(Task<TSource> source, Func<TSource, TResult> convert) : IInlineReply, IValueTaskSource<TResult>
{
    private ManualResetValueTaskSourceCore<TResult> _core; // RunContinuationsAsynchronously = false: resume inline
    private int _completed;

    public bool IsSourceCompleted => source.IsCompleted;

    public ValueTask<TResult> AsValueTask() => new(this, _core.Version);

    public void TryComplete()
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return;
        }
        TResult result;
        try
        {
            if (!source.IsCompletedSuccessfully)
            {
                _core.SetException(InlineReplies.Unwrap(source));
                return;
            }
            result = convert(source.Result);
        }
        catch (Exception ex)
        {
            _core.SetException(ex);
            return;
        }
        _core.SetResult(result);
    }

    public TResult GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
