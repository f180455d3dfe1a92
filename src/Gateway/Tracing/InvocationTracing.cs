using System.Diagnostics;
using Gateway.Functions;
using Gateway.Invocations;

namespace Gateway.Tracing;

/// <summary>
/// The span of one invocation: kind Server, named after the function (the FaaS and AWS Lambda semantic conventions),
/// from the moment the invoke request is handled to the moment its response is written (sync) or its run ends (Event).
/// Its phases are child spans — <c>receive</c> (the body), <c>queued</c> (an Event waiting for an environment),
/// <c>cold start</c> (waiting for a new environment's init), <c>run</c> (the runtime has the event), <c>response</c>
/// (writing the answer) — and admission is an event (<c>admitted</c>) on it: it takes microseconds.
/// </summary>
/// <remarks>
/// <para>Off by default, and then free: <see cref="Source"/> has no listener until an OTLP endpoint is configured
/// (<see cref="OtlpTracing"/>), so <see cref="IsEnabled"/> is one field read and nothing else runs.</para>
/// <para>The span's parent is the caller's <c>X-Amzn-Trace-Id</c> (Lambda's own header), else its W3C
/// <c>traceparent</c>; an X-Ray header without a Parent still gives the span its trace id. The runtime then sees the
/// span as its parent: <c>Root</c> = the trace, <c>Parent</c> = this span, <c>Sampled=1</c> (see
/// <see cref="TraceHeaders"/>). A new trace's id starts with the epoch seconds, as X-Ray's do, so it converts both ways.</para>
/// </remarks>
internal static class InvocationTracing
{
    public const string SourceName = "Gateway";

    public static readonly ActivitySource Source = new(SourceName, typeof(InvocationTracing).Assembly.GetName().Version?.ToString());

    /// <summary>The region and account the gateway plays (faas.invoked_region, cloud.account.id); set at start.</summary>
    public static string Region { get; set; } = "us-east-1";

    public static string AccountId { get; set; } = "000000000000";

    /// <summary>True when someone listens (an exporter is configured): the one check on the invoke path.</summary>
    public static bool IsEnabled => Source.HasListeners();

    [ThreadStatic]
    private static ActivityTraceId t_nextTraceId;

    /// <summary>
    /// Starts <paramref name="invocation"/>'s span, parented on the caller's headers, and gives the runtime the same
    /// trace (<see cref="Invocation.TraceId"/>). A span the sampler drops (a caller's <c>Sampled=0</c> or flags 00, with
    /// the SDK's parent-based sampler) still exists to carry the context: it is neither recorded nor exported, and the
    /// runtime sees <c>Sampled=0</c>. False only when nothing listens: the caller then passes the caller's trace on as
    /// it does with tracing off.
    /// </summary>
    /// <param name="received">When the request's handling began (a <see cref="Stopwatch"/> timestamp): the span's start.</param>
    public static bool TryStart(Invocation invocation, FunctionDefinition function, string resourceId, string? xray, string? traceparent, long received, bool isEvent)
    {
        ActivityContext parent = default;
        ActivityTraceId traceOnly = default;
        if (!string.IsNullOrEmpty(xray) && TraceHeaders.TryParseXRay(xray, out var xrayTrace, out var xrayParent))
        {
            parent = xrayParent;
            traceOnly = xrayTrace;
        }
        else if (!string.IsNullOrEmpty(traceparent) && TraceHeaders.TryParseTraceparent(traceparent, out var w3c))
        {
            parent = w3c;
        }
        var span = StartSpan(function.Name, parent, traceOnly, received);
        if (span is null)
        {
            return false;
        }
        ref var trace = ref invocation.Trace;
        trace.Span = span;
        trace.Started = received;
        trace.BodyRead = Stopwatch.GetTimestamp();
        trace.IsEvent = isEvent;
        Describe(span, invocation, function, resourceId);
        invocation.TraceId = TraceHeaders.ToXRay(span.TraceId, span.SpanId, span.Recorded);
        return true;
    }

    /// <summary>
    /// An Event that reached its queue without a span (it waited on disk, is a retry, or came from a function
    /// destination): its run gets a span of its own, a new trace, starting now.
    /// </summary>
    public static void StartForQueuedEvent(Invocation invocation, FunctionDefinition function)
    {
        long now = Stopwatch.GetTimestamp();
        var span = StartSpan(function.Name, default, default, now);
        if (span is null)
        {
            return;
        }
        ref var trace = ref invocation.Trace;
        trace.Span = span;
        trace.Started = now;
        trace.IsEvent = true;
        Describe(span, invocation, function, FunctionVersions.IsLatest(function.Version) ? function.Arn : function.Arn + ":" + function.Version);
        invocation.TraceId = TraceHeaders.ToXRay(span.TraceId, span.SpanId, span.Recorded);
    }

    private static Activity? StartSpan(string name, ActivityContext parent, ActivityTraceId traceOnly, long received)
    {
        var previous = Activity.Current;
        if (parent == default)
        {
            // Not a child of whatever the current flow holds: an invocation's span is the root of its own work.
            Activity.Current = null;
            t_nextTraceId = traceOnly; // read by NewTraceId during StartActivity (same thread, synchronous)
        }
        var startTime = new DateTimeOffset(DateTime.UtcNow - Stopwatch.GetElapsedTime(received));
        var span = Source.StartActivity(name, ActivityKind.Server, parent, tags: null, links: null, startTime);
        t_nextTraceId = default;
        // StartActivity made the span current for the rest of this flow; put back what was there, so that work this
        // flow starts (a new environment, a timer) is not parented on one invocation.
        Activity.Current = previous;
        return span;
    }

    /// <summary>Activity.TraceIdGenerator while tracing is on: the caller's X-Ray Root when it came without a Parent,
    /// else an X-Ray-shaped id (8 hex of epoch seconds, 24 random), which converts to <c>Root=1-…</c> as X-Ray expects.</summary>
    public static ActivityTraceId NewTraceId()
    {
        if (t_nextTraceId != default)
        {
            return t_nextTraceId;
        }
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes[4..]);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        return ActivityTraceId.CreateFromBytes(bytes);
    }

    private static void Describe(Activity span, Invocation invocation, FunctionDefinition function, string resourceId)
    {
        if (!span.IsAllDataRequested)
        {
            return;
        }
        span.SetTag("faas.trigger", "other"); // the Invoke API; "http"/"pubsub"/… name event sources, which are not modelled
        span.SetTag("faas.invoked_name", function.Name);
        span.SetTag("faas.invoked_provider", "aws");
        span.SetTag("faas.invoked_region", Region);
        span.SetTag("faas.name", function.Name);
        span.SetTag("faas.version", function.Version);
        span.SetTag("faas.invocation_id", invocation.RequestId);
        span.SetTag("faas.max_memory", (long)function.MemorySizeMb * 1024 * 1024);
        span.SetTag("cloud.provider", "aws");
        span.SetTag("cloud.region", Region);
        span.SetTag("cloud.account.id", AccountId);
        span.SetTag("cloud.resource_id", resourceId);
        span.SetTag("aws.lambda.invoked_arn", invocation.InvokedFunctionArn);
        span.SetTag("aws.lambda.invocation_type", invocation.Type == InvocationType.Event ? "Event" : "RequestResponse");
    }

    /// <summary>Admitted and placed on an environment (sync: by the endpoint; Event: by its queue).</summary>
    public static void Dispatched(Invocation invocation)
    {
        if (invocation.Trace.Span is not null)
        {
            invocation.Trace.Dispatched = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>The run ended (the lease's RunAsync returned).</summary>
    public static void RunEnded(Invocation invocation)
    {
        if (invocation.Trace.Span is not null)
        {
            invocation.Trace.RunEnded = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>Refused: a throttle (429) or another error answered instead of running. Error status, AWS's error type.</summary>
    public static void Refused(Invocation invocation, string errorType, string? reason)
    {
        if (invocation.Trace.Span is not { } span)
        {
            return;
        }
        span.SetStatus(ActivityStatusCode.Error, reason is null ? errorType : errorType + ": " + reason);
        span.SetTag("error.type", errorType);
        if (reason is not null)
        {
            span.SetTag("aws.lambda.throttle_reason", reason);
        }
    }

    /// <summary>An Event was refused by Lambda's limits while it waited; it backs off and tries again.</summary>
    public static void EventThrottled(Invocation invocation, string reason)
    {
        invocation.Trace.Span?.AddEvent(new ActivityEvent("throttled", tags: new ActivityTagsCollection { ["aws.lambda.throttle_reason"] = reason }));
    }

    /// <summary>
    /// Ends the span: its phases become child spans from the recorded moments, a function error (or platform error:
    /// timeout, exit, init failure) sets Error status with the error type, and the span is exported.
    /// </summary>
    public static void End(Invocation invocation)
    {
        ref var trace = ref invocation.Trace;
        if (trace.Span is not { } span)
        {
            return;
        }
        trace.Span = null;
        if (span.IsAllDataRequested)
        {
            long now = Stopwatch.GetTimestamp();
            var origin = span.StartTimeUtc;
            long started = trace.Started;
            DateTime At(long timestamp) => origin + Stopwatch.GetElapsedTime(started, timestamp);

            string? error = invocation.FunctionError is null ? null : invocation.ErrorType ?? "Unhandled";
            if (trace.BodyRead != 0)
            {
                Child(span, "receive", At(started), At(trace.BodyRead), null);
            }
            if (trace.Dispatched != 0)
            {
                if (trace.IsEvent && trace.BodyRead != 0)
                {
                    Child(span, "queued", At(trace.BodyRead), At(trace.Dispatched), null);
                }
                span.AddEvent(new ActivityEvent("admitted", new DateTimeOffset(At(trace.Dispatched))));
                span.SetTag("faas.coldstart", trace.ColdStart);
                long runEnded = trace.RunEnded != 0 ? trace.RunEnded : now;
                if (trace.ColdStart)
                {
                    // Until the runtime's first /next took the event; an init that failed or timed out never gets there.
                    Child(span, "cold start", At(trace.Dispatched), At(trace.Delivered != 0 ? trace.Delivered : runEnded), trace.Delivered == 0 ? error : null);
                }
                if (trace.Delivered != 0)
                {
                    Child(span, "run", At(trace.Delivered), At(runEnded), error);
                }
                if (!trace.IsEvent && trace.RunEnded != 0)
                {
                    Child(span, "response", At(trace.RunEnded), At(now), null);
                }
            }
            if (error is not null)
            {
                span.SetStatus(ActivityStatusCode.Error, error);
                span.SetTag("error.type", error);
            }
        }
        span.Stop();
    }

    private static void Child(Activity parent, string name, DateTime start, DateTime end, string? error)
    {
        var child = Source.StartActivity(name, ActivityKind.Internal, parent.Context, tags: null, links: null, new DateTimeOffset(start));
        if (child is null)
        {
            return;
        }
        if (error is not null)
        {
            child.SetStatus(ActivityStatusCode.Error, error);
        }
        child.SetEndTime(end < start ? start : end);
        child.Stop(); // also puts back Activity.Current as it was before the child
    }
}
