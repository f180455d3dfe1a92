using System.Threading.Channels;
using Gateway.Environments;
using Gateway.Invocations;

namespace Gateway.Async;

/// <summary>
/// Event (asynchronous) invocations of one function, accepted with 202 and run in the background as soon as an
/// environment is free. Unlike a sync invoke, an event waits for capacity instead of being throttled.
/// </summary>
/// <remarks>
/// In memory for now: events are lost if the gateway stops. The durable queue (write-ahead, retries,
/// destinations) replaces this class behind the same Enqueue call.
/// </remarks>
internal sealed class EventQueue
{
    private readonly Channel<Invocation> _channel = Channel.CreateUnbounded<Invocation>(new UnboundedChannelOptions { SingleReader = true });
    private readonly EnvironmentPool _pool;
    private readonly InvocationPool _invocations;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TimeProvider _time;
    private int _depth;

    public EventQueue(EnvironmentPool pool, InvocationPool invocations, TimeProvider time)
    {
        _pool = pool;
        _invocations = invocations;
        _time = time;
    }

    /// <summary>Events accepted and not yet handed to an environment.</summary>
    public int Depth => Volatile.Read(ref _depth);

    public void Enqueue(Invocation invocation)
    {
        Interlocked.Increment(ref _depth);
        if (!_channel.Writer.TryWrite(invocation))
        {
            Interlocked.Decrement(ref _depth);
            _invocations.Return(invocation);
        }
    }

    public void Start() => _ = RunAsync();

    public void Stop()
    {
        _channel.Writer.TryComplete();
        _stopping.Cancel();
    }

    private async Task RunAsync()
    {
        try
        {
            await foreach (var invocation in _channel.Reader.ReadAllAsync(_stopping.Token).ConfigureAwait(false))
            {
                int throttles = 0;
                while (true)
                {
                    var capacity = _pool.CapacityChanged; // taken before trying, so no wake-up is missed
                    var result = _pool.TryDispatch(invocation, chargeRequest: false, out var deliverTo, out var throttle);
                    if (result == DispatchResult.Assigned)
                    {
                        Interlocked.Decrement(ref _depth);
                        _ = RunOneAsync(invocation, deliverTo);
                        break;
                    }
                    if (result == DispatchResult.Stopping)
                    {
                        Interlocked.Decrement(ref _depth);
                        _invocations.Return(invocation);
                        break;
                    }
                    if (result == DispatchResult.Throttled)
                    {
                        // Lambda's own rules refused it: AWS's backoff (1 s doubling to 5 min) within the event's age.
                        var age = _time.GetElapsedTime(invocation.AcceptedTimestamp);
                        var delay = ThrottleBackoff.Delay(++throttles);
                        if (age + delay > ThrottleBackoff.DefaultMaximumEventAge)
                        {
                            Console.Error.WriteLine($"[gateway] Event {invocation.RequestId} for {_pool.Function.Name} dropped: throttled until its maximum age ({ThrottleBackoff.DefaultMaximumEventAge.TotalSeconds} s)");
                            Interlocked.Decrement(ref _depth);
                            _invocations.Return(invocation);
                            break;
                        }
                        await Task.Delay(delay, _time, _stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    }
                    else
                    {
                        // The gateway's own MaxEnvironments cap: wait for an environment to free up.
                        await capacity.WaitAsync(TimeSpan.FromSeconds(1), _time, _stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    }
                    _stopping.Token.ThrowIfCancellationRequested();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // shutting down
        }
    }

    private async Task RunOneAsync(Invocation invocation, RuntimeApi.RuntimeApiConnection? deliverTo)
    {
        try
        {
            if (deliverTo is not null)
            {
                await deliverTo.DeliverAsync(invocation).ConfigureAwait(false);
            }
            await invocation.WaitAsync().ConfigureAwait(false);
        }
        finally
        {
            _pool.Release(invocation);
            _invocations.Return(invocation);
        }
    }
}
