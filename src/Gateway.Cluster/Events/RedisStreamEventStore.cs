using System.Globalization;
using Gateway.EventStore;
using StackExchange.Redis;
using EventId = Gateway.EventStore.EventId;

namespace Gateway.Cluster.Events;

/// <summary>
/// The cluster's shared, durable Event queue on Redis Streams (<see cref="IEventStore"/>): every node appends to and
/// claims from the same queue, so an event accepted by one node survives that node. Durable = Redis acknowledged the
/// script; with AOF <c>appendfsync always</c> (scripts/redis.sh) Redis fsyncs before it replies, so a 202 is only
/// sent for an event on Redis's disk. See docs/event-store.md ("The cluster's queue on Redis Streams").
/// </summary>
/// <remarks>
/// In flight = in this node's pending-entries list (PEL) of the consumer group <c>gateway</c>, the node id being
/// the consumer name. A node that dies leaves its PEL behind; <see cref="EventReclaimer"/> puts those events back in
/// the ready stream as soon as the node's lease key is gone (and, as a backstop, when they have not been touched for
/// <see cref="RedisEventStoreOptions.IdleReclaim"/>). Every failure is a value: Redis unreachable or timing out is
/// <see cref="StoreStatus.Unavailable"/> (the endpoint answers 503), a command Redis refused is
/// <see cref="StoreStatus.IoError"/>, or <see cref="StoreStatus.DiskFull"/> when Redis is out of memory.
/// </remarks>
public sealed class RedisStreamEventStore : ISharedEventStore
{
    private static readonly RedisKey[] AppendKeys = [EventKeys.Ready, EventKeys.Running, EventKeys.Delay, EventKeys.Accepted, EventKeys.Sequence];
    private static readonly RedisKey[] ClaimKeys = [EventKeys.Ready, EventKeys.Delay];
    private static readonly RedisKey[] StreamKeys = [EventKeys.Ready, EventKeys.Running];
    private static readonly RedisKey[] LookKeys = [EventKeys.Ready, EventKeys.Running, EventKeys.Delay];
    private static readonly RedisKey[] CounterKeys = [EventKeys.Ready, EventKeys.Running, EventKeys.Delay, EventKeys.Accepted, EventKeys.DeadLetters];

    private readonly ClusterConnection _connection;
    private readonly RedisEventStoreOptions _options;
    private readonly Action<string> _log;
    private readonly CancellationTokenSource _closing = new();
    private readonly EventReclaimer _reclaimer;
    private Task _maintenance = Task.CompletedTask;
    private readonly SemaphoreSlim _recovering = new(1, 1);
    private long _writes;
    private volatile bool _closed;
    private volatile bool _recovered;

    public RedisStreamEventStore(ClusterConnection connection, RedisEventStoreOptions? options = null, Action<string>? log = null)
    {
        _connection = connection;
        _options = options ?? new RedisEventStoreOptions();
        _log = log ?? (_ => { });
        _reclaimer = new EventReclaimer(this, connection, _options, _log);
    }

    /// <summary>This node's consumer name in the group.</summary>
    public string NodeId => _connection.NodeId;

    /// <summary>Write scripts Redis acknowledged (the cluster's counterpart of the SQLite store's commits).</summary>
    public long Commits => Interlocked.Read(ref _writes);

    public event Action? WorkAvailable;

    /// <summary>This node's leftovers from its previous run are back in the queue (see EnsureRecoveredAsync).</summary>
    internal bool Recovered => _recovered;

    internal void SignalWork() => WorkAvailable?.Invoke();

    /// <summary>One maintenance round now (reclaim dead nodes' events, backstop, touch): what the background loop does.</summary>
    public Task<int> ReclaimAsync() => _reclaimer.RunOnceAsync(forceTouch: false);

    public ValueTask<StoreResult<EventId>> AppendAsync(EventRecord record, CancellationToken cancellationToken = default)
        => AppendAsync(record, "queue");

    public ValueTask<StoreResult<EventId>> AppendInFlightAsync(EventRecord record, CancellationToken cancellationToken = default)
        => AppendAsync(record, "run");

    private async ValueTask<StoreResult<EventId>> AppendAsync(EventRecord record, string mode)
    {
        if (Refuse() is { } refused)
        {
            return new StoreResult<EventId>(refused.Status, default, refused.Error);
        }
        RedisValue[] args =
        [
            NodeId, mode, record.RequestId, record.FunctionName, record.Qualifier, record.Payload,
            record.ClientContext is null ? "0" : "1", record.ClientContext ?? "",
            record.AcceptedAtUnixMs, record.Attempts, record.NextAttemptAtUnixMs, EventKeys.EventPrefix,
        ];
        try
        {
            await EnsureRecoveredAsync().ConfigureAwait(false);
            var id = (long)await Database.ScriptEvaluateAsync(EventScripts.Append, AppendKeys, args).ConfigureAwait(false);
            Interlocked.Increment(ref _writes);
            if (mode == "queue")
            {
                SignalWork();
            }
            return new StoreResult<EventId>(StoreStatus.Ok, new EventId(id));
        }
        catch (Exception e) when (Classify(e) is { } failure)
        {
            return new StoreResult<EventId>(failure.Status, default, failure.Error);
        }
    }

    public async ValueTask<StoreResult<IReadOnlyList<StoredEvent>>> ClaimDueAsync(long nowUnixMs, int max, CancellationToken cancellationToken = default)
    {
        if (Refuse() is { } refused)
        {
            return new StoreResult<IReadOnlyList<StoredEvent>>(refused.Status, null, refused.Error);
        }
        try
        {
            await EnsureRecoveredAsync().ConfigureAwait(false);
            var result = await Database.ScriptEvaluateAsync(EventScripts.Claim, ClaimKeys,
                [NodeId, nowUnixMs, Math.Max(0, max), EventKeys.EventPrefix]).ConfigureAwait(false);
            var items = (RedisResult[])result!;
            var list = new List<StoredEvent>(items.Length / 10);
            for (int i = 0; i + 9 < items.Length; i += 10)
            {
                var record = new EventRecord(
                    RequestId: (string)items[i + 1]!,
                    FunctionName: (string)items[i + 2]!,
                    Qualifier: (string)items[i + 3]!,
                    Payload: (byte[]?)items[i + 4] ?? [],
                    ClientContext: items[i + 5].IsNull ? null : (string?)items[i + 5],
                    AcceptedAtUnixMs: Long(items[i + 6]),
                    Attempts: (int)Long(items[i + 7]),
                    NextAttemptAtUnixMs: Long(items[i + 8]));
                list.Add(new StoredEvent(new EventId(Long(items[i])), record, items[i + 9].IsNull ? null : (string?)items[i + 9]));
            }
            // Oldest due first within the batch (the store's contract; the stream itself is in arrival order).
            list.Sort(static (a, b) => a.Record.NextAttemptAtUnixMs != b.Record.NextAttemptAtUnixMs
                ? a.Record.NextAttemptAtUnixMs.CompareTo(b.Record.NextAttemptAtUnixMs)
                : a.Id.Value.CompareTo(b.Id.Value));
            return new StoreResult<IReadOnlyList<StoredEvent>>(StoreStatus.Ok, list);
        }
        catch (Exception e) when (Classify(e) is { } failure)
        {
            return new StoreResult<IReadOnlyList<StoredEvent>>(failure.Status, null, failure.Error);
        }
    }

    public ValueTask<StoreResult> CompleteAsync(EventId id, CancellationToken cancellationToken = default)
        => ChangeAsync("complete", id, 0, 0, "");

    public ValueTask<StoreResult> RescheduleAsync(EventId id, int attempts, long nextAttemptAtUnixMs, string reason, CancellationToken cancellationToken = default)
        => ChangeAsync("reschedule", id, attempts, nextAttemptAtUnixMs, reason);

    public ValueTask<StoreResult> DeadLetterAsync(EventId id, string reason, CancellationToken cancellationToken = default)
        => ChangeAsync("dead", id, 0, 0, reason);

    public ValueTask<StoreResult> DropAsync(EventId id, string reason, CancellationToken cancellationToken = default)
        => ChangeAsync("complete", id, 0, 0, reason);

    private async ValueTask<StoreResult> ChangeAsync(string op, EventId id, int attempts, long next, string reason)
    {
        if (Refuse() is { } refused)
        {
            return refused;
        }
        try
        {
            var done = (long)await Database.ScriptEvaluateAsync(EventScripts.Change,
                [EventKeys.Ready, EventKeys.Running, EventKeys.Delay, EventKeys.Accepted, EventKeys.DeadLetters, EventKeys.Event(id.Value)],
                [op, id.Value, attempts, next, reason]).ConfigureAwait(false);
            if (done == 0)
            {
                return new StoreResult(StoreStatus.NotFound, $"No event {id} in the store.");
            }
            Interlocked.Increment(ref _writes);
            if (op == "reschedule")
            {
                SignalWork();
            }
            return StoreResult.Ok;
        }
        catch (Exception e) when (Classify(e) is { } failure)
        {
            return failure;
        }
    }

    /// <summary>
    /// On start: this node's own in-flight events (left by its previous run, same node id) go back to the ready
    /// stream with attempts and acceptance time intact; then the background reclaim loop starts.
    /// </summary>
    public async ValueTask<StoreResult<RecoveryReport>> RecoverAsync(CancellationToken cancellationToken = default)
    {
        if (Refuse() is { } refused)
        {
            StartMaintenance();
            return new StoreResult<RecoveryReport>(refused.Status, default, refused.Error);
        }
        try
        {
            int returned = await EnsureRecoveredAsync().ConfigureAwait(false);
            var counters = await GetCountersAsync(0, cancellationToken).ConfigureAwait(false);
            StartMaintenance();
            if (returned > 0)
            {
                _log($"event queue: {returned} event(s) this node ({NodeId}) had in flight went back to the shared queue");
            }
            return counters.IsOk
                ? new StoreResult<RecoveryReport>(StoreStatus.Ok, new RecoveryReport(returned, counters.Value.Pending, counters.Value.DeadLettered))
                : new StoreResult<RecoveryReport>(counters.Status, default, counters.Error);
        }
        catch (Exception e) when (Classify(e) is { } failure)
        {
            StartMaintenance();
            return new StoreResult<RecoveryReport>(failure.Status, default, failure.Error);
        }
    }

    public async ValueTask<StoreResult<EventStoreCounters>> GetCountersAsync(long nowUnixMs, CancellationToken cancellationToken = default)
    {
        if (Refuse() is { } refused)
        {
            return new StoreResult<EventStoreCounters>(refused.Status, default, refused.Error);
        }
        try
        {
            var r = (RedisResult[])(await Database.ScriptEvaluateAsync(EventScripts.Counters, CounterKeys, [EventKeys.EventPrefix]).ConfigureAwait(false))!;
            long oldestAge = r[3].IsNull ? 0 : Math.Max(0, nowUnixMs - Long(r[3]));
            long? nextDue = r[4].IsNull ? null : Long(r[4]);
            return new StoreResult<EventStoreCounters>(StoreStatus.Ok,
                new EventStoreCounters(Long(r[0]), Long(r[1]), Long(r[2]), oldestAge, Commits, nextDue));
        }
        catch (Exception e) when (Classify(e) is { } failure)
        {
            return new StoreResult<EventStoreCounters>(failure.Status, default, failure.Error);
        }
    }

    /// <summary>
    /// Requeues what this node's previous run left in its PEL, once, before this run adds anything to it. When Redis
    /// was down at start, the first append or claim after it came back does it: new in-flight entries must not be
    /// taken for leftovers (they would run twice), and leftovers must not stay in a PEL this node keeps touching.
    /// </summary>
    internal async Task<int> EnsureRecoveredAsync()
    {
        if (_recovered)
        {
            return 0;
        }
        await _recovering.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_recovered)
            {
                return 0;
            }
            int returned = await RequeueConsumerAsync(NodeId, deleteConsumer: false).ConfigureAwait(false);
            _recovered = true;
            return returned;
        }
        finally
        {
            _recovering.Release();
        }
    }

    /// <summary>Puts every in-flight event of <paramref name="consumer"/> back in the ready stream; the number moved.</summary>
    internal async Task<int> RequeueConsumerAsync(string consumer, bool deleteConsumer)
    {
        int moved = 0;
        while (true)
        {
            var r = (RedisResult[])(await Database.ScriptEvaluateAsync(EventScripts.Requeue, StreamKeys,
                ["consumer", consumer, 0, _options.BatchSize, EventKeys.EventPrefix, deleteConsumer ? "1" : "0"]).ConfigureAwait(false))!;
            moved += (int)r[0];
            Interlocked.Increment(ref _writes);
            if ((int)r[1] < _options.BatchSize)
            {
                return moved;
            }
        }
    }

    /// <summary>The idle backstop: in-flight events of other nodes untouched for <see cref="RedisEventStoreOptions.IdleReclaim"/>.</summary>
    internal async Task<int> RequeueIdleAsync()
    {
        var r = (RedisResult[])(await Database.ScriptEvaluateAsync(EventScripts.Requeue, StreamKeys,
            ["idle", NodeId, (long)_options.IdleReclaim.TotalMilliseconds, _options.BatchSize, EventKeys.EventPrefix, "0"]).ConfigureAwait(false))!;
        return (int)r[0];
    }

    internal async Task<int> TouchAsync()
        => (int)await Database.ScriptEvaluateAsync(EventScripts.Touch, StreamKeys, [NodeId, _options.BatchSize]).ConfigureAwait(false);

    /// <summary>{undelivered ready entries, delayed events, consumers and their in-flight counts}.</summary>
    internal async Task<(long Undelivered, long Delayed, List<(string Consumer, long InFlight)> Consumers)> LookAsync()
    {
        var r = (RedisResult[])(await Database.ScriptEvaluateAsync(EventScripts.Look, LookKeys, []).ConfigureAwait(false))!;
        var consumers = new List<(string, long)>();
        for (int i = 2; i + 1 < r.Length; i += 2)
        {
            consumers.Add(((string)r[i]!, Long(r[i + 1])));
        }
        return (Long(r[0]), Long(r[1]), consumers);
    }

    internal IDatabase Database => _connection.Database;

    private void StartMaintenance()
    {
        if (_maintenance.IsCompleted && !_closed && _options.MaintenanceInterval != Timeout.InfiniteTimeSpan)
        {
            _maintenance = Task.Run(() => _reclaimer.RunAsync(_closing.Token));
        }
    }

    /// <summary>Fails at once instead of queueing behind a connection that is down (the 503 must not wait).</summary>
    private StoreResult? Refuse()
    {
        if (_closed)
        {
            return new StoreResult(StoreStatus.Closed, "The event store is closed.");
        }
        // The interactive link that serves the queue's slot (the multiplexer's IsConnected also waits for its
        // pub/sub link, which reconnects later than the interactive one after a Redis restart).
        if (!Database.IsConnected(EventKeys.Ready))
        {
            return new StoreResult(StoreStatus.Unavailable, "The cluster's event queue (Redis) cannot be reached; the event was not accepted. Retry later.");
        }
        return null;
    }

    internal static StoreResult? Classify(Exception e) => e switch
    {
        RedisConnectionException or RedisTimeoutException or TimeoutException
            => new StoreResult(StoreStatus.Unavailable, $"The cluster's event queue (Redis) did not answer ({e.GetType().Name}: {e.Message}); the event may not have been accepted. Retry later."),
        RedisServerException s when s.Message.StartsWith("OOM", StringComparison.Ordinal)
            => new StoreResult(StoreStatus.DiskFull, "The cluster's event queue (Redis) is out of memory; the event was not accepted."),
        RedisException or InvalidCastException
            => new StoreResult(StoreStatus.IoError, $"The cluster's event queue (Redis) refused the write ({e.GetType().Name}: {e.Message})."),
        ObjectDisposedException => new StoreResult(StoreStatus.Closed, "The event store is closed."),
        _ => null,
    };

    private static long Long(RedisResult r) => r.Resp2Type == ResultType.Integer
        ? (long)r
        : long.Parse((string)r!, NumberStyles.Integer, CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        if (_closed)
        {
            return;
        }
        _closed = true;
        await _closing.CancelAsync().ConfigureAwait(false);
        await _maintenance.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _closing.Dispose();
        // The connection is the node's (ClusterConnection), not the store's: left open for the other cluster parts.
    }
}
