using Gateway.Admission;
using Gateway.Environments;
using Gateway.Functions;
using Gateway.Hosting;
using Gateway.Invocations;

namespace Gateway.Invoke;

/// <summary>
/// The two steps every synchronous invoke shares, whoever received it (the Invoke API or a function URL):
/// which function version and environment pool a reference names, and the dispatch of a read invocation to it.
/// One copy, so throttling, version swaps and state checks behave the same on both front doors.
/// </summary>
internal static class SyncDispatch
{
    /// <summary>Name (+ qualifier) → resolved version, its function runtime and its environment pool, with the
    /// Invoke API's errors (not found, not Active) when it cannot be invoked.</summary>
    public static bool TryResolve(FunctionResolver resolver, FunctionHost host, string rawName, string? qualifier,
        out FunctionReference reference, out ResolvedTarget target, out FunctionRuntime function, out EnvironmentPool pool, out LambdaError? error)
    {
        function = null!;
        pool = null!;
        target = default;
        if (!resolver.TryParse(rawName, qualifier, out reference, out error) || !resolver.TryResolveForInvoke(reference, out target, out error))
        {
            return false;
        }
        if (!host.TryGet(target.Function.Name, out function) || !function.TryGetPool(target.ExecutedVersion, out pool))
        {
            error = LambdaError.ResourceNotFound($"Function not found: {target.InvokedArn}");
            return false;
        }
        if (target.Version.State != "Active")
        {
            error = LambdaError.ResourceConflict($"The operation cannot be performed at this time. The function is currently in the following state: {target.Version.State}");
            return false;
        }
        return true;
    }

    /// <summary>Dispatches a fully read invocation (charging the request rate). When the version was replaced or
    /// removed between the resolution and the dispatch, resolves once more and tries afresh.</summary>
    public static DispatchResult TryDispatch(FunctionResolver resolver, FunctionHost host, in FunctionReference reference, ref ResolvedTarget target,
        ref EnvironmentPool pool, Invocation invocation, out DispatchLease lease, out ThrottleDecision throttle)
    {
        var dispatch = pool.TryDispatch(invocation, chargeRequest: true, out lease, out throttle);
        if (dispatch == DispatchResult.Stopping && resolver.TryResolveForInvoke(reference, out target, out _) && host.TryGetPool(target, out pool))
        {
            invocation.InvokedFunctionArn = target.InvokedArn;
            dispatch = pool.TryDispatch(invocation, chargeRequest: true, out lease, out throttle);
        }
        return dispatch;
    }

    /// <summary>
    /// <see cref="TryDispatch"/> when admission is remote (cluster mode): the decision is awaited first (one Redis
    /// round trip), then the pool places the admitted invocation synchronously. Only called when
    /// <see cref="IAdmission.IsRemote"/>; a single node never reaches this method.
    /// </summary>
    public static async ValueTask<RemoteDispatch> TryDispatchRemoteAsync(FunctionResolver resolver, FunctionHost host, FunctionReference reference,
        ResolvedTarget target, EnvironmentPool pool, Invocation invocation)
    {
        for (int attempt = 0; ; attempt++)
        {
            var admitted = await pool.PreAdmitAsync(invocation, chargeRequest: true).ConfigureAwait(false);
            if (admitted.IsThrottled)
            {
                return new(DispatchResult.Throttled, default, admitted);
            }
            var dispatch = pool.TryDispatch(invocation, chargeRequest: true, out var lease, out var throttle);
            if (dispatch != DispatchResult.Stopping || attempt > 0
                || !resolver.TryResolveForInvoke(reference, out target, out _) || !host.TryGetPool(target, out pool))
            {
                return new(dispatch, lease, throttle);
            }
            invocation.InvokedFunctionArn = target.InvokedArn; // the version was replaced or removed: once more
        }
    }

    /// <summary>The invocation's trace: a span when tracing is on (the runtime's parent), else the caller's X-Ray
    /// header (completed: TraceIds.FromCaller), else its W3C traceparent in X-Ray form, else a new id (formatted into
    /// the /next head, no string). Without a caller's decision the version's TracingConfig decides Sampled: Active
    /// samples by X-Ray's default rule (the function's <see cref="TraceSampler"/>), PassThrough never.</summary>
    public static void AssignTrace(Invocation invocation, EnvironmentPool pool, in ResolvedTarget target, Microsoft.AspNetCore.Http.IHeaderDictionary headers,
        long received, bool isEvent, TimeProvider time)
    {
        if (received != 0 && Tracing.InvocationTracing.TryStart(invocation, pool.Function, target.Version.Arn,
                headers["X-Amzn-Trace-Id"], headers.TraceParent, received, isEvent))
        {
            return;
        }
        var sampler = pool.TraceSampler;
        if (TraceIds.FromCaller(headers["X-Amzn-Trace-Id"], sampler) is { } traceId)
        {
            invocation.TraceId = traceId;
        }
        else if (Tracing.TraceHeaders.XRayFromTraceparent(headers.TraceParent) is { } fromTraceparent)
        {
            invocation.TraceId = fromTraceparent;
        }
        else
        {
            uint seconds = TraceIds.Seconds(time);
            invocation.NewTraceId(seconds, sampler?.Sample(seconds) ?? false);
        }
    }
}

/// <summary>What <see cref="SyncDispatch.TryDispatchRemoteAsync"/> found (its out parameters, as an async method has none).</summary>
internal readonly record struct RemoteDispatch(DispatchResult Result, DispatchLease Lease, ThrottleDecision Throttle);
