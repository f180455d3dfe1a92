using Gateway.EventStore;
using Gateway.Functions;
using Gateway.Invocations;
using Gateway.Invoke;

namespace Gateway.Async;

/// <summary>What became of an Event invocation the endpoint tried to accept.</summary>
internal enum AcceptStatus
{
    /// <summary>Durable and handed to the function's queue: the queue now owns the invocation.</summary>
    Queued,
    /// <summary>Durable, waiting on disk only (the in-memory queue is full, or the gateway is stopping): the caller still owns the invocation.</summary>
    Stored,
    /// <summary>Not stored (disk full, I/O error): answer an error, never 202.</summary>
    Failed,
    /// <summary>Not stored because the cluster's shared queue (Redis) cannot be reached now: answer 503, never 202.</summary>
    Unavailable,
}

/// <summary>
/// The durable Event queue of the whole gateway: an event is appended to the store (fsync'd) before the caller
/// may answer 202; fresh events go straight to their function's in-memory <see cref="EventQueue"/>; a pump
/// claims events whose retry is due, or that waited on disk (a flood beyond <c>AsyncEventsInMemory</c>, or
/// events left over from before a crash), and feeds them to the same queues. See docs/async.md.
/// </summary>
internal sealed class AsyncInvocations : IAsyncDisposable
{
    private const int ClaimBatch = 256;
    private static readonly TimeSpan IdlePoll = TimeSpan.FromMinutes(1); // a backstop: every wake-up is also signalled

    private readonly IEventStore _store;
    private readonly Hosting.FunctionHost _functions;
    private readonly InvocationPool _invocations;
    private readonly TimeProvider _time;
    private readonly int _inMemoryPerFunction;
    private TaskCompletionSource _wake = NewSignal();
    private readonly CancellationTokenSource _stopping = new();
    private Task _pump = Task.CompletedTask;
    private EventStoreCounters _lastCounters;

    public AsyncInvocations(IEventStore store, Hosting.FunctionHost functions, InvocationPool invocations, TimeProvider asyncTime,
                            Func<string, string, AsyncInvokeSettings> settingsFor, IOutcomeDelivery delivery, int inMemoryPerFunction)
    {
        _store = store;
        _functions = functions;
        _invocations = invocations;
        _time = asyncTime;
        _inMemoryPerFunction = Math.Max(1, inMemoryPerFunction);
        Outcomes = new EventOutcomes(store, invocations, settingsFor, delivery, asyncTime, _ => Wake());
        if (store is ISharedEventStore shared)
        {
            // Other nodes add work this pump cannot see coming (their overflow, reclaimed events, their retries).
            shared.WorkAvailable += Wake;
        }
    }

    public EventOutcomes Outcomes { get; }

    /// <summary>The store's gauges as of the pump's last look (pending, in flight, oldest age).</summary>
    public EventStoreCounters LastCounters => _lastCounters;

    /// <summary>The durable queue's gauges now (or as of the pump's last look, if the store cannot answer).</summary>
    public async ValueTask<EventStoreCounters> CountersAsync()
    {
        var result = await _store.GetCountersAsync(NowUnixMs).ConfigureAwait(false);
        return result.IsOk ? result.Value : _lastCounters;
    }

    private long NowUnixMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Recovers what a previous run left in flight, starts every function's queue and the pump.</summary>
    public async Task StartAsync()
    {
        var recovered = await _store.RecoverAsync().ConfigureAwait(false);
        if (recovered.IsOk && (recovered.Value.InFlightReturned > 0 || recovered.Value.Pending > 0))
        {
            Console.WriteLine($"[gateway] event queue: {recovered.Value.Pending} event(s) waiting from an earlier run ({recovered.Value.InFlightReturned} were running when it stopped); resuming them");
        }
        _functions.FunctionAdded += StartQueue;
        _functions.FunctionRemoved += function => function.Events.Stop();
        foreach (var function in _functions.All)
        {
            StartQueue(function);
        }
        _pump = Task.Run(PumpAsync);
    }

    private void StartQueue(Hosting.FunctionRuntime function)
    {
        function.Events.Drained += OnDrained;
        function.Events.Start(Outcomes);
    }

    /// <summary>Stops taking events off the store; what is in flight stays there for the next start.</summary>
    public void BeginStop()
    {
        Outcomes.BeginStop();
        _stopping.Cancel();
        foreach (var function in _functions.All)
        {
            function.Events.Stop();
        }
    }

    /// <summary>
    /// Makes an Event invocation durable. Only <see cref="AcceptStatus.Queued"/> and <see cref="AcceptStatus.Stored"/>
    /// may be answered 202; on Queued the function's queue owns <paramref name="invocation"/>.
    /// </summary>
    /// <param name="qualifier">As invoked: $LATEST (also for an unqualified name), a version or an alias.</param>
    public async ValueTask<(AcceptStatus Status, string? Error)> AcceptAsync(Hosting.FunctionRuntime function, string qualifier, Invocation invocation)
    {
        long now = NowUnixMs;
        var record = new EventRecord(invocation.RequestId, function.Name, qualifier, invocation.Request.ToArray(),
                                     invocation.ClientContext, now, Attempts: 0, NextAttemptAtUnixMs: now);
        bool runNow = !_stopping.IsCancellationRequested && function.Events.Depth < _inMemoryPerFunction;
        var appended = runNow
            ? await _store.AppendInFlightAsync(record).ConfigureAwait(false)
            : await _store.AppendAsync(record).ConfigureAwait(false);
        if (!appended.IsOk)
        {
            return (appended.Status == StoreStatus.Unavailable ? AcceptStatus.Unavailable : AcceptStatus.Failed, appended.Error ?? "The event could not be stored.");
        }
        function.Events.Metrics.RecordReceived();
        if (!runNow)
        {
            Wake();
            return (AcceptStatus.Stored, null);
        }
        function.Events.Enqueue(new QueuedEvent(function, qualifier, invocation, appended.Value, runs: 0, acceptedAtUnixMs: now));
        return (AcceptStatus.Queued, null);
    }

    /// <summary>Accepts an event for <paramref name="functionName"/> from inside the gateway (a function destination).</summary>
    /// <param name="qualifier">A version or alias (resolved when the event runs, as an Event invoke's), or null for $LATEST.</param>
    public async ValueTask<bool> InvokeAsync(string functionName, string? qualifier, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        qualifier ??= Functions.FunctionVersions.Latest;
        if (!_functions.TryGet(functionName, out var function)
            // A destination's version or alias that does not exist (yet): not accepted, so the delivery is retried and
            // then counted as failed for the function whose record it is, rather than dropped later as the target's.
            || function.ResolvePool(qualifier) is null
            || (_functions.Admission.IsRemote ? await _functions.Admission.AcceptRequestRemoteAsync(function.Admission).ConfigureAwait(false) : _functions.Admission.TryAcceptRequest(function.Admission)).IsThrottled)
        {
            return false; // retried by the caller's delivery backoff
        }
        var invocation = _invocations.Rent();
        bool handedOver = false;
        try
        {
            invocation.Request.Write(payload.Span);
            Prepare(invocation, function, qualifier, Guid.NewGuid().ToString());
            var (status, _) = await AcceptAsync(function, qualifier, invocation).ConfigureAwait(false);
            handedOver = status == AcceptStatus.Queued;
            return status is AcceptStatus.Queued or AcceptStatus.Stored;
        }
        finally
        {
            if (!handedOver)
            {
                _invocations.Return(invocation);
            }
        }
    }

    private static void Prepare(Invocation invocation, Hosting.FunctionRuntime function, string qualifier, string requestId)
    {
        invocation.RequestId = requestId;
        System.Text.Encoding.ASCII.GetBytes(requestId.AsSpan(0, Math.Min(requestId.Length, invocation.RequestIdBytes.Length)), invocation.RequestIdBytes);
        invocation.Type = InvocationType.Event;
        invocation.InvokedFunctionArn = Functions.FunctionVersions.IsLatest(qualifier) ? function.Arn : function.Arn + ":" + qualifier;
        invocation.NewTraceId(TraceIds.Seconds(TimeProvider.System), sampled: false);
        invocation.TraceUndecided = true; // the version it runs on decides, at dispatch (EventQueue)
        invocation.AcceptedTimestamp = TimeProvider.System.GetTimestamp();
    }

    private void OnDrained()
    {
        // Only worth a claim round when events are waiting on disk; the pump knows that from its last count.
        if (_lastCounters.Pending > 0)
        {
            Wake();
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Wake() => Volatile.Read(ref _wake).TrySetResult();

    /// <summary>Claims due events (retries, the overflow of a flood, leftovers of an earlier run) into the in-memory queues.</summary>
    private async Task PumpAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            // Taken before looking, so a wake-up that arrives while the pump looks is not missed.
            var wake = Volatile.Read(ref _wake);
            if (wake.Task.IsCompleted)
            {
                Interlocked.CompareExchange(ref _wake, NewSignal(), wake);
                wake = Volatile.Read(ref _wake);
            }
            try
            {
                int claimed = await ClaimRoundAsync().ConfigureAwait(false);
                if (claimed == ClaimBatch)
                {
                    continue; // more may be due right now
                }
                var counters = await _store.GetCountersAsync(NowUnixMs, token).ConfigureAwait(false);
                var wait = IdlePoll;
                if (counters.IsOk)
                {
                    _lastCounters = counters.Value;
                    if (counters.Value.NextDueAtUnixMs is long due && HasRoom())
                    {
                        wait = TimeSpan.FromMilliseconds(Math.Clamp(due - NowUnixMs, 0, (long)IdlePoll.TotalMilliseconds));
                    }
                }
                if (wait > TimeSpan.Zero)
                {
                    await wake.Task.WaitAsync(wait, _time, token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Console.Error.WriteLine($"[gateway] event queue pump: {ex.GetType().Name}: {ex.Message}");
                await Task.Delay(TimeSpan.FromSeconds(1), TimeProvider.System, token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>Claimed events held in memory stay under one function's in-memory allowance, whichever functions they are for.</summary>
    private bool HasRoom() => _functions.All.Sum(f => f.Events.Depth) < _inMemoryPerFunction;

    private async Task<int> ClaimRoundAsync()
    {
        // Claim only while there is room; a queue signals (Drained) as it empties.
        if (!HasRoom())
        {
            return 0;
        }
        var result = await _store.ClaimDueAsync(NowUnixMs, ClaimBatch).ConfigureAwait(false);
        if (!result.IsOk)
        {
            return 0;
        }
        foreach (var stored in result.Value!)
        {
            var record = stored.Record;
            if (!_functions.TryGet(record.FunctionName, out var function))
            {
                Console.Error.WriteLine($"[gateway] Event {record.RequestId} dropped: function {record.FunctionName} is no longer configured");
                await _store.DropAsync(stored.Id, "FunctionNotFound").ConfigureAwait(false);
                continue;
            }
            var invocation = _invocations.Rent();
            invocation.Request.Write(record.Payload.Span);
            Prepare(invocation, function, record.Qualifier, record.RequestId);
            invocation.ClientContext = record.ClientContext;
            function.Events.Enqueue(new QueuedEvent(function, record.Qualifier, invocation, stored.Id, record.Attempts, record.AcceptedAtUnixMs));
        }
        return result.Value!.Count;
    }

    public async ValueTask DisposeAsync()
    {
        BeginStop();
        await _pump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _store.DisposeAsync().ConfigureAwait(false);
    }
}
