using Gateway.EventStore;
using EventId = Gateway.EventStore.EventId;

namespace Gateway.Async;

/// <summary>
/// One change that records an Event's outcome in the durable store: forget it (done, or given up), or run it again
/// at <see cref="DueUnixMs"/>. A value, so a write the store refused can be made again later without the invocation.
/// </summary>
internal readonly record struct OutcomeWrite(EventId Id, OutcomeWriteKind Kind, int Attempts = 0, long DueUnixMs = 0, string? Reason = null)
{
    public static OutcomeWrite Complete(EventId id) => new(id, OutcomeWriteKind.Complete);

    public static OutcomeWrite Reschedule(EventId id, int attempts, long dueUnixMs, string reason) => new(id, OutcomeWriteKind.Reschedule, attempts, dueUnixMs, reason);

    public static OutcomeWrite Drop(EventId id, string reason) => new(id, OutcomeWriteKind.Drop, Reason: reason);

    public ValueTask<StoreResult> ApplyTo(IEventStore store) => Kind switch
    {
        OutcomeWriteKind.Complete => store.CompleteAsync(Id),
        OutcomeWriteKind.Reschedule => store.RescheduleAsync(Id, Attempts, DueUnixMs, Reason!),
        _ => store.DropAsync(Id, Reason!),
    };
}

internal enum OutcomeWriteKind
{
    Complete,
    Reschedule,
    Drop,
}
