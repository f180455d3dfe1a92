namespace Gateway.EventStore;

/// <summary>The id the store gives an accepted event; never reused, increasing in acceptance order.</summary>
public readonly record struct EventId(long Value)
{
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>An Event invocation as the store keeps it. Times are Unix milliseconds.</summary>
public sealed record EventRecord(
    string RequestId,
    string FunctionName,
    string Qualifier,
    ReadOnlyMemory<byte> Payload,
    string? ClientContext,
    long AcceptedAtUnixMs,
    int Attempts,
    long NextAttemptAtUnixMs);

/// <summary>An event read back from the store (claimed for delivery).</summary>
public sealed record StoredEvent(EventId Id, EventRecord Record, string? LastError);

/// <summary>What happened to a store operation. Everything but <see cref="Ok"/> is a failure the caller must surface.</summary>
public enum StoreStatus
{
    Ok = 0,
    /// <summary>The disk (or the file system's quota) is full: nothing was written.</summary>
    DiskFull,
    /// <summary>An I/O error or other storage failure: nothing was written.</summary>
    IoError,
    /// <summary>The store is closed or closing.</summary>
    Closed,
    /// <summary>No event with that id (already completed, dropped or never existed).</summary>
    NotFound,
    /// <summary>
    /// The store's server cannot be reached now (a shared store: Redis down or partitioned away). The operation may or
    /// may not have taken effect if the connection broke after it was sent; the caller answers 503 and may retry.
    /// </summary>
    Unavailable,
}

/// <summary>An outcome as a value: expected failures (disk full, closed) are not exceptions.</summary>
public readonly record struct StoreResult(StoreStatus Status, string? Error = null)
{
    public bool IsOk => Status == StoreStatus.Ok;
    public static StoreResult Ok => default;
}

/// <summary>An outcome with a value when <see cref="Status"/> is <see cref="StoreStatus.Ok"/>.</summary>
public readonly record struct StoreResult<T>(StoreStatus Status, T? Value, string? Error = null)
{
    public bool IsOk => Status == StoreStatus.Ok;
}

/// <summary>What <see cref="IEventStore.RecoverAsync"/> found.</summary>
public readonly record struct RecoveryReport(int InFlightReturned, long Pending, long DeadLettered);

/// <summary>Queue gauges. Ages are relative to the <c>now</c> passed in.</summary>
/// <param name="NextDueAtUnixMs">When the earliest pending event is due, or null when nothing is pending.</param>
public readonly record struct EventStoreCounters(long Pending, long InFlight, long DeadLettered, long OldestAgeMs, long Commits, long? NextDueAtUnixMs = null);

/// <summary>
/// The durable queue behind Event invocations. Small on purpose, so another engine (Redis Streams) can back it:
/// append (durable before it returns), claim what is due, then complete, reschedule, dead-letter or drop.
/// At-least-once: an event claimed by a run that crashed is claimed again after <see cref="RecoverAsync"/>.
/// </summary>
public interface IEventStore : IAsyncDisposable
{
    /// <summary>Stores the event; returns only once it is on disk (fsync'd). Only then may the caller answer 202.</summary>
    ValueTask<StoreResult<EventId>> AppendAsync(EventRecord record, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores the event already claimed (in flight) by the caller, who runs it at once without a claim round trip;
    /// returns only once it is on disk. After a crash it is recovered as pending like any claimed event.
    /// </summary>
    ValueTask<StoreResult<EventId>> AppendInFlightAsync(EventRecord record, CancellationToken cancellationToken = default);

    /// <summary>Marks up to <paramref name="max"/> pending events whose next attempt is due at <paramref name="nowUnixMs"/> in flight and returns them, oldest due first.</summary>
    ValueTask<StoreResult<IReadOnlyList<StoredEvent>>> ClaimDueAsync(long nowUnixMs, int max, CancellationToken cancellationToken = default);

    /// <summary>The event was delivered: forget it.</summary>
    ValueTask<StoreResult> CompleteAsync(EventId id, CancellationToken cancellationToken = default);

    /// <summary>Back to pending with a new attempt count and next-attempt time (a retry or a throttle backoff).</summary>
    ValueTask<StoreResult> RescheduleAsync(EventId id, int attempts, long nextAttemptAtUnixMs, string reason, CancellationToken cancellationToken = default);

    /// <summary>Retries exhausted or too old: kept, out of the queue, with the reason, for a DLQ / on-failure destination.</summary>
    ValueTask<StoreResult> DeadLetterAsync(EventId id, string reason, CancellationToken cancellationToken = default);

    /// <summary>Removes the event for good (no destination configured, or delivered to one).</summary>
    ValueTask<StoreResult> DropAsync(EventId id, string reason, CancellationToken cancellationToken = default);

    /// <summary>On open: events left in flight by a crashed run become pending again, attempts and ages intact.</summary>
    ValueTask<StoreResult<RecoveryReport>> RecoverAsync(CancellationToken cancellationToken = default);

    /// <summary>Depth, in-flight, dead-lettered and the oldest queued event's age.</summary>
    ValueTask<StoreResult<EventStoreCounters>> GetCountersAsync(long nowUnixMs, CancellationToken cancellationToken = default);
}
