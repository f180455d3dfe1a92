using Gateway.Admission;
using Gateway.Environments;
using Gateway.Functions;
using Gateway.Invocations;
using Microsoft.AspNetCore.Http;

namespace Gateway.Invoke;

/// <summary>
/// <c>POST /2015-03-31/functions/{FunctionName}/invocations</c> — the path of one invocation, in order:
/// name → function → headers → body (limited) → dispatch to an environment → response.
/// </summary>
internal sealed class InvokeEndpoint(FunctionResolver resolver, Hosting.FunctionHost host, InvocationPool invocations, Async.AsyncInvocations events, RequestBodyBudget bodyBudget, GatewayOptions options, TimeProvider time)
{
    /// <summary>Cluster mode: admission is a Redis round trip, awaited before the dispatch (read once: a single node's
    /// path tests one field).</summary>
    private readonly bool _remoteAdmission = host.Admission.IsRemote;

    /// <summary>InvokeAsync's answer body (clients read the status from the status code; AWS sends it in the body too).</summary>
    private static readonly byte[] InvokeAsyncAccepted = """{"Status":202}"""u8.ToArray();

    /// <summary>Resource-based policies: the cross-account check (null: none, as in tests that build the endpoint alone).</summary>
    public Security.Policies.FunctionPolicies? Policies { get; init; }

    /// <summary>The route's handler. The work is a pooled-state-machine ValueTask, so an invocation that waits for
    /// its function (almost all do) costs a small Task wrapper instead of a heap-allocated state machine.</summary>
    public Task HandleAsync(HttpContext context) => HandleAsync(context, context.GetRouteValue("FunctionName") as string ?? "");

    /// <summary>The same, for a request recognized ahead of routing (<see cref="InvokePath"/>): the name segment given.</summary>
    public Task HandleAsync(HttpContext context, string rawName)
    {
        var handling = HandleCoreAsync(context, rawName, InvokeOperation.Invoke);
        return handling.IsCompletedSuccessfully ? Task.CompletedTask : handling.AsTask();
    }

    /// <summary><c>POST /2021-11-15/functions/{FunctionName}/response-streaming-invocations</c> (InvokeWithResponseStream):
    /// the same path, with the function's streamed response forwarded as event-stream PayloadChunk events.</summary>
    public Task HandleStreamAsync(HttpContext context) => HandleCoreAsync(context, context.GetRouteValue("FunctionName") as string ?? "", InvokeOperation.InvokeWithResponseStream).AsTask();

    /// <summary><c>POST /2014-11-13/functions/{FunctionName}/invoke-async/</c> (the deprecated InvokeAsync): an Event
    /// invocation whatever the headers say, answered 202 with <c>{"Status":202}</c>.</summary>
    public Task HandleInvokeAsyncAsync(HttpContext context) => HandleCoreAsync(context, context.GetRouteValue("FunctionName") as string ?? "", InvokeOperation.InvokeAsync).AsTask();

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask HandleCoreAsync(HttpContext context, string rawName, InvokeOperation operation)
    {
        bool streaming = operation == InvokeOperation.InvokeWithResponseStream;
        var request = context.Request;
        var response = context.Response;
        // Tracing off (no OTLP endpoint): one field read, no timestamp.
        long received = Tracing.InvocationTracing.IsEnabled ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
        var requestId = RequestIds.NewV4(); // no /dev/urandom read per invocation (RequestIds.cs)
        var requestIdText = requestId.ToString();
        response.Headers["x-amzn-RequestId"] = requestIdText;

        // 1. Which function and version (before reading any of the body).
        // Only look at the query when there is one: request.Query builds a feature object per request.
        string? queryQualifier = request.QueryString.HasValue && request.Query.TryGetValue("Qualifier", out var qualifierValues) ? qualifierValues.ToString() : null;
        if (!SyncDispatch.TryResolve(resolver, host, rawName, queryQualifier, out var reference, out var target, out var function, out var pool, out var nameError))
        {
            await LambdaErrors.WriteAsync(context, Security.Policies.FunctionPolicies.ForeignArn(context, options, reference, nameError!)).ConfigureAwait(false);
            return;
        }
        if (Policies?.CheckInvoke(context, target) is { } denied)
        {
            await LambdaErrors.WriteAsync(context, denied).ConfigureAwait(false); // a caller of another account, no policy allows it
            return;
        }

        // 2. Headers.
        var headers = request.Headers;
        InvocationType type = InvocationType.Event;
        bool tail = false;
        string? clientContext = null;
        if (operation != InvokeOperation.InvokeAsync) // InvokeAsync has none of these headers: always an Event
        {
            if (!InvokeRequestHeaders.TryParseInvocationType(headers["X-Amz-Invocation-Type"], out type, out var typeError))
            {
                await LambdaErrors.Validation(context, typeError!).ConfigureAwait(false);
                return;
            }
            if (!InvokeRequestHeaders.TryParseLogType(headers["X-Amz-Log-Type"], out tail, out var logTypeError))
            {
                await LambdaErrors.Validation(context, logTypeError!).ConfigureAwait(false);
                return;
            }
            if (!InvokeRequestHeaders.TryDecodeClientContext(headers["X-Amz-Client-Context"], out clientContext))
            {
                await LambdaErrors.InvalidRequestContent(context, InvokeRequestHeaders.ClientContextError).ConfigureAwait(false);
                return;
            }
        }
        if (streaming && type == InvocationType.Event)
        {
            // InvokeWithResponseStream's InvocationType is RequestResponse or DryRun only (ResponseStreamingInvocationType).
            await LambdaErrors.Validation(context, "1 validation error detected: Value 'Event' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [RequestResponse, DryRun]").ConfigureAwait(false);
            return;
        }
        if (type == InvocationType.DryRun)
        {
            // A 204 is an answer too: not before the body's signature is decided (error answers wait in LambdaErrors).
            if (!await Security.Signing.UnreadBody.DecideAsync(context).ConfigureAwait(false))
            {
                return;
            }
            response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        // 3. The body, limited while it streams in.
        long limit = type == InvocationType.Event ? options.AsyncPayloadLimit : options.SyncPayloadLimit;
        if (request.ContentLength is long declared && declared > limit)
        {
            await TooLarge(context, type, declared, limit).ConfigureAwait(false);
            return;
        }
        // The body's share of the gateway's request-body budget, taken before a byte of it is read: all of it when
        // the length is known, else the most it may be (the rest is given back once it is in). While the budget is
        // spent this waits, and the body stays unread in the client's socket: back-pressure, not buffering.
        long share = request.ContentLength ?? limit;
        if (share > 0)
        {
            try
            {
                await bodyBudget.TakeAsync(share, context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return; // the client gave up while waiting
            }
        }
        var invocation = invocations.Rent();
        bool handedToQueue = false;
        try
        {
            if (request.ContentLength is long length and > 0)
            {
                invocation.Request.Reserve((int)length);
            }
            bool fits, json;
            long seen;
            try
            {
                // Limited and checked for JSON in one pass as it streams in (Invoke/JsonPayloadValidator.cs).
                (fits, seen, json) = await LimitedBodyReader.ReadJsonAsync(request.BodyReader, invocation.Request, limit, context.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is BadHttpRequestException or IOException or OperationCanceledException)
            {
                UnreadableBody.Answer(context, ex); // a 400/408 if the client is still there; else nobody is left to answer
                return;
            }
            if (!fits)
            {
                await TooLarge(context, type, seen, limit).ConfigureAwait(false);
                return;
            }
            if (!json)
            {
                // The message is worked out only now, from the refused payload (cold path).
                await LambdaErrors.InvalidRequestContent(context, JsonParseError.Describe(invocation.Request.ToArray())).ConfigureAwait(false);
                return;
            }
            if (request.ContentLength is null)
            {
                bodyBudget.Return(share - invocation.Request.Length);
                share = invocation.Request.Length;
            }
            NoPayload.BecomesEmptyObject(invocation.Request); // no payload: the function gets {}, as on AWS

            invocation.RequestId = requestIdText;
            invocation.AcceptedTimestamp = time.GetTimestamp();
            System.Text.Encoding.ASCII.GetBytes(requestIdText, invocation.RequestIdBytes); // the text's bytes: no second Guid formatting
            invocation.Type = type;
            invocation.InvokedFunctionArn = target.InvokedArn;
            SyncDispatch.AssignTrace(invocation, pool, target, headers, received, type == InvocationType.Event, time);
            invocation.WantsLogTail = tail && type == InvocationType.RequestResponse;
            invocation.ClientContext = type == InvocationType.RequestResponse ? clientContext : null; // sync only, as on AWS
            var stream = streaming ? new Streaming.EventStreamResponse(response, invocation) : null;
            invocation.Stream = stream;

            // 4. Admission and dispatch.
            if (type == InvocationType.Event)
            {
                // A function with reserved concurrency 0 still gets its events (AWS hands them to the on-failure
                // destination or DLQ); otherwise an Event is charged the request rate like any invoke.
                var accepted = function.Admission.ReservedConcurrentExecutions == 0 ? default
                    : _remoteAdmission ? await host.Admission.AcceptRequestRemoteAsync(function.Admission).ConfigureAwait(false)
                    : host.Admission.TryAcceptRequest(function.Admission);
                if (accepted.IsThrottled)
                {
                    function.Metrics.RecordThrottle(accepted.Reason);
                    Tracing.InvocationTracing.Refused(invocation, "TooManyRequestsException", accepted.ReasonName);
                    await LambdaErrors.TooManyRequests(context, accepted.ReasonName, options.ThrottleRetryAfter ? accepted.RetryAfterSeconds : 0).ConfigureAwait(false);
                    return;
                }
                // Durable (fsync'd) before the 202: a crash from here on cannot lose it. The qualifier is kept, so an
                // alias is resolved when the event runs.
                var (status, storeError) = await events.AcceptAsync(function, target.Qualifier ?? FunctionVersions.Latest, invocation).ConfigureAwait(false);
                if (status == Async.AcceptStatus.Unavailable)
                {
                    Tracing.InvocationTracing.Refused(invocation, "ServiceUnavailable", null);
                    await LambdaErrors.ServiceUnavailable(context, storeError!).ConfigureAwait(false);
                    return;
                }
                if (status == Async.AcceptStatus.Failed)
                {
                    Tracing.InvocationTracing.Refused(invocation, "ServiceException", null);
                    await LambdaErrors.ServiceException(context, storeError!).ConfigureAwait(false);
                    return;
                }
                handedToQueue = status == Async.AcceptStatus.Queued;
                response.StatusCode = StatusCodes.Status202Accepted;
                if (operation == InvokeOperation.InvokeAsync)
                {
                    response.ContentType = "application/json";
                    await response.Body.WriteAsync(InvokeAsyncAccepted).ConfigureAwait(false);
                    return;
                }
                response.Headers["x-amzn-Remapped-Content-Length"] = "0";
                return;
            }
            // The response is written on the thread that reads the runtime's answer (no thread-pool hop) when asked to.
            invocation.CompleteInline = options.InlineScheduling && stream is null;
            DispatchResult dispatch;
            DispatchLease lease;
            ThrottleDecision throttle;
            if (_remoteAdmission)
            {
                (dispatch, lease, throttle) = await SyncDispatch.TryDispatchRemoteAsync(resolver, host, reference, target, pool, invocation).ConfigureAwait(false);
            }
            else
            {
                dispatch = SyncDispatch.TryDispatch(resolver, host, reference, ref target, ref pool, invocation, out lease, out throttle);
            }
            if (dispatch == DispatchResult.Throttled)
            {
                function.Metrics.RecordThrottle(throttle.Reason);
                Tracing.InvocationTracing.Refused(invocation, "TooManyRequestsException", throttle.ReasonName);
                await LambdaErrors.TooManyRequests(context, throttle.ReasonName, options.ThrottleRetryAfter ? throttle.RetryAfterSeconds : 0).ConfigureAwait(false);
                return;
            }
            if (dispatch == DispatchResult.Stopping)
            {
                Tracing.InvocationTracing.Refused(invocation, "ServiceException", null);
                await LambdaErrors.ServiceException(context, "The gateway is shutting down, or the function was deleted while this request was being read.").ConfigureAwait(false);
                return;
            }
            await lease.RunAsync().ConfigureAwait(false);
            Tracing.InvocationTracing.RunEnded(invocation);

            // 5. The response, straight from the pooled buffers (or the end of the event stream).
            if (stream is not null)
            {
                await stream.CompleteAsync().ConfigureAwait(false);
                return;
            }
            await WriteResultAsync(response, invocation).ConfigureAwait(false);
        }
        finally
        {
            if (!handedToQueue)
            {
                Tracing.InvocationTracing.End(invocation); // an Event's span goes on in its queue, until its run ends
                invocations.Return(invocation);
            }
            // An Event's payload lives on in its function's queue (bounded by Gateway:AsyncEventsInMemory), outside
            // this budget, which covers bodies being read and synchronous invocations in flight.
            bodyBudget.Return(share);
        }
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask WriteResultAsync(HttpResponse response, Invocation invocation)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        var headers = response.Headers;
        headers["X-Amz-Executed-Version"] = invocation.ExecutedVersion;
        headers["x-amzn-Remapped-Content-Length"] = "0";
        if (invocation.FunctionError is { } functionError)
        {
            headers["X-Amz-Function-Error"] = functionError;
        }
        if (invocation.LogTail is { } logTail)
        {
            headers["X-Amz-Log-Result"] = logTail;
        }
        response.ContentLength = invocation.Response.Length;
        var writer = response.BodyWriter;
        foreach (var segment in invocation.Response.Segments)
        {
            await writer.WriteAsync(segment).ConfigureAwait(false);
        }
    }

    private static Task TooLarge(HttpContext context, InvocationType type, long size, long limit) => type == InvocationType.Event
        ? LambdaErrors.RequestEntityTooLarge(context, $"{size} byte payload is too large for the Event invocation type (limit {limit} bytes)")
        : LambdaErrors.RequestEntityTooLarge(context, $"Request must be smaller than {limit} bytes for the InvokeFunction operation");
}
