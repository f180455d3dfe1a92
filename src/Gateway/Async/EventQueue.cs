using System.Threading.Channels;
using Gateway.Environments;
using Gateway.Hosting;

namespace Gateway.Async;

/// <summary>
/// One function's Event invocations that are ready to run: already durable in the store (in flight), held in
/// memory until an environment is free. Unlike a sync invoke, an event waits for capacity instead of being
/// refused; a throttle (Lambda's own limits) backs off 1 s doubling to 5 min, within the event's maximum age.
/// </summary>
/// <remarks>
/// What happens after a run (complete, retry, destination, give up) is <see cref="EventOutcomes"/>' job; which
/// events get here is <see cref="AsyncInvocations"/>' (fresh ones directly, due retries through its pump).
/// </remarks>
internal sealed class EventQueue
{
    private readonly Channel<QueuedEvent> _channel = Channel.CreateUnbounded<QueuedEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly FunctionRuntime _function;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private EventOutcomes? _outcomes;
    private int _depth;

    public EventQueue(FunctionRuntime function, TimeProvider asyncTime)
    {
        _function = function;
        _time = asyncTime;
    }

    public AsyncMetrics Metrics { get; } = new();

    /// <summary>Events held in memory and not yet handed to an environment.</summary>
    public int Depth => Volatile.Read(ref _depth);

    /// <summary>Raised when an event leaves the queue for an environment (the pump may claim more).</summary>
    public event Action? Drained;

    public void Enqueue(QueuedEvent queued)
    {
        Interlocked.Increment(ref _depth);
        if (!_channel.Writer.TryWrite(queued))
        {
            // Stopping: the event stays in flight in the store and is recovered on the next start.
            Interlocked.Decrement(ref _depth);
            _outcomes?.Abandon(queued);
        }
    }

    public void Start(EventOutcomes outcomes)
    {
        _outcomes = outcomes;
        _ = RunAsync();
    }

    public void Stop()
    {
        _channel.Writer.TryComplete();
        _stopping.Cancel();
    }

    private async Task RunAsync()
    {
        var outcomes = _outcomes!;
        try
        {
            await foreach (var queued in _channel.Reader.ReadAllAsync(_stopping.Token).ConfigureAwait(false))
            {
                await DispatchAsync(queued, outcomes).ConfigureAwait(false);
                Interlocked.Decrement(ref _depth);
                Drained?.Invoke();
            }
        }
        catch (OperationCanceledException)
        {
            // shutting down
        }
        while (_channel.Reader.TryRead(out var left))
        {
            Interlocked.Decrement(ref _depth);
            outcomes.Abandon(left);
        }
    }

    /// <summary>Waits for an environment for this event, then starts it running (without waiting for the run).</summary>
    private async Task DispatchAsync(QueuedEvent queued, EventOutcomes outcomes)
    {
        var invocation = queued.Invocation;
        while (true)
        {
            if (outcomes.IsTooOld(queued))
            {
                _ = outcomes.GiveUpWithoutRunningAsync(queued, OutcomeCondition.EventAgeExceeded);
                return;
            }
            if (_function.Admission.ReservedConcurrentExecutions == 0)
            {
                // AWS: with reserved concurrency 0, events go to the on-failure destination or DLQ without retries.
                _ = outcomes.GiveUpWithoutRunningAsync(queued, OutcomeCondition.ZeroReservedConcurrency);
                return;
            }
            // Resolved at each attempt: the alias may point elsewhere now, or the version may be gone.
            if (_function.ResolvePool(queued.Qualifier) is not { } pool)
            {
                Console.Error.WriteLine($"[gateway] Event {invocation.RequestId} dropped: {_function.Name}:{queued.Qualifier} no longer exists");
                _ = outcomes.DropAsync(queued, "FunctionNotFound");
                return;
            }
            if (invocation.Trace.Span is null && Tracing.InvocationTracing.IsEnabled)
            {
                // Before the dispatch: a runtime waiting in /next may take the event (and its trace header) at once.
                Tracing.InvocationTracing.StartForQueuedEvent(invocation, pool.Function);
                invocation.TraceUndecided = false;
            }
            else if (invocation.TraceUndecided)
            {
                // A new trace (no caller's): this version's TracingConfig decides, once, before a runtime can see it.
                uint seconds = Invoke.TraceIds.Seconds(TimeProvider.System);
                invocation.NewTraceId(seconds, pool.TraceSampler?.Sample(seconds) ?? false);
                invocation.TraceUndecided = false;
            }
            var capacity = pool.CapacityChanged; // taken before trying, so no wake-up is missed
            DispatchResult result;
            DispatchLease lease;
            Admission.ThrottleDecision throttle;
            if (pool.AdmissionIsRemote && (throttle = await pool.PreAdmitAsync(invocation, chargeRequest: false).ConfigureAwait(false)).IsThrottled)
            {
                result = DispatchResult.Throttled; // cluster mode: the decision came first, and it refused
                lease = default;
            }
            else
            {
                result = pool.TryDispatch(invocation, chargeRequest: false, out lease, out throttle);
            }
            switch (result)
            {
                case DispatchResult.Assigned:
                    queued.Throttles = 0;
                    _ = RunOneAsync(queued, lease, outcomes);
                    return;
                case DispatchResult.Stopping when outcomes.IsStopping || _stopping.IsCancellationRequested:
                    outcomes.Abandon(queued);
                    return;
                case DispatchResult.Stopping:
                    break; // the version was replaced or removed between the resolution and the dispatch: resolve again
                case DispatchResult.Throttled when throttle.Reason == Admission.ThrottleReason.GatewayEnvironmentLimitExceeded:
                    // The machine's environment cap, not a Lambda throttle: wait for an environment to free up.
                    await capacity.WaitAsync(TimeSpan.FromSeconds(1), _time, _stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    break;
                default:
                    // Lambda's own limits refused it: AWS's backoff, within the event's maximum age (checked above).
                    Tracing.InvocationTracing.EventThrottled(invocation, throttle.ReasonName);
                    await Task.Delay(ThrottleBackoff.Delay(++queued.Throttles), _time, _stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    break;
            }
            if (_stopping.IsCancellationRequested)
            {
                outcomes.Abandon(queued);
                return;
            }
        }
    }

    private static async Task RunOneAsync(QueuedEvent queued, DispatchLease lease, EventOutcomes outcomes)
    {
        await lease.RunAsync().ConfigureAwait(false);
        Tracing.InvocationTracing.RunEnded(queued.Invocation);
        Tracing.InvocationTracing.End(queued.Invocation); // before the outcome: a retry or destination is not this run
        await outcomes.AfterRunAsync(queued).ConfigureAwait(false);
    }
}
