using Gateway.EventStore;
using EventId = Gateway.EventStore.EventId;
using Gateway.Hosting;
using Gateway.Invocations;

namespace Gateway.Async;

/// <summary>An Event invocation claimed from the durable store (or just appended in flight), waiting to run or running.</summary>
internal sealed class QueuedEvent(FunctionRuntime function, string qualifier, Invocation invocation, EventId id, int runs, long acceptedAtUnixMs)
{
    public FunctionRuntime Function { get; } = function;

    /// <summary>The qualifier it was invoked with ($LATEST when unqualified, a version or an alias): resolved again
    /// at each attempt, and the key of its event-invoke-config.</summary>
    public string Qualifier { get; } = qualifier;

    /// <summary>The pooled invocation carrying the payload; returned to its pool when this event is dealt with.</summary>
    public Invocation Invocation { get; } = invocation;

    public EventId Id { get; } = id;

    /// <summary>Runs of the function recorded so far (function errors; a throttle does not count). AWS's attempts minus one.</summary>
    public int Runs { get; } = runs;

    /// <summary>When the event was answered 202 (async clock, Unix ms): its age is measured from here.</summary>
    public long AcceptedAtUnixMs { get; } = acceptedAtUnixMs;

    /// <summary>Consecutive throttles of this attempt (in memory only: after a restart the backoff starts again at 1 s).</summary>
    public int Throttles { get; set; }
}
