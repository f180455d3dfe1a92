using System.Diagnostics;

namespace Gateway.Tracing;

/// <summary>
/// One invocation's span and the moments its phases began (<see cref="Stopwatch"/> timestamps), kept on the pooled
/// <see cref="Invocations.Invocation"/>. The phases become child spans when the invocation ends
/// (<see cref="InvocationTracing.End"/>), so nothing between receive and response creates a span object. With
/// tracing off <see cref="Span"/> is null and no timestamp is taken; only <see cref="ColdStart"/> is always written
/// (a bool store by the pool, which knows it anyway).
/// </summary>
internal struct InvocationTrace
{
    /// <summary>The invocation's span, or null (tracing off, or the sampler dropped it).</summary>
    public Activity? Span;

    /// <summary>When the span began (its <see cref="Activity.StartTimeUtc"/>, as a timestamp).</summary>
    public long Started;

    /// <summary>The request body was in (end of "receive").</summary>
    public long BodyRead;

    /// <summary>Admitted and placed on an environment (end of "queued" for an Event).</summary>
    public long Dispatched;

    /// <summary>The event was written to the runtime's /next (end of "cold start", start of "run").</summary>
    public long Delivered;

    /// <summary>The run ended: response, error, timeout or exit (end of "run", start of "response").</summary>
    public long RunEnded;

    /// <summary>The invocation waited for its environment to start (a new one, or one still starting): faas.coldstart.</summary>
    public bool ColdStart;

    /// <summary>Sync (RequestResponse) or Event: an Event's span has a "queued" phase and no "response" one.</summary>
    public bool IsEvent;
}
