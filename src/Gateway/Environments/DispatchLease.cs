using Gateway.Invocations;
using Gateway.RuntimeApi;

namespace Gateway.Environments;

/// <summary>
/// An admitted invocation placed on an environment: it holds the invocation's unit of concurrency (its admission
/// ticket) and the runtime connection to deliver to, if the runtime is already waiting in /next. <see cref="RunAsync"/>
/// delivers, waits for the ending, and gives the concurrency back — the one place a dispatched invocation is released.
/// </summary>
internal readonly struct DispatchLease
{
    private readonly EnvironmentPool _pool;
    private readonly Invocation _invocation;
    private readonly IRuntimeApiConnection? _deliverTo;

    internal DispatchLease(EnvironmentPool pool, Invocation invocation, IRuntimeApiConnection? deliverTo)
    {
        _pool = pool;
        _invocation = invocation;
        _deliverTo = deliverTo;
    }

    /// <summary>Runs the invocation to its ending (response, error, timeout, exit). Concurrency is held while the
    /// function runs, not while a slow client reads the answer: it is released before this returns — unless the
    /// environment took it over because its extensions still work on the invocation (then the ticket is empty here, and
    /// the environment gives it back when they are done: ExecutionEnvironment.Extensions.cs, AnswerBeforeExtensions).</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask RunAsync()
    {
        try
        {
            if (_deliverTo is not null)
            {
                await _deliverTo.DeliverAsync(_invocation).ConfigureAwait(false);
            }
            await _invocation.WaitAsync().ConfigureAwait(false);
        }
        finally
        {
            _pool.Release(_invocation);
        }
    }
}
