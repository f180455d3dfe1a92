using Gateway.Environments;
using Gateway.FunctionUrls.Http;
using Gateway.Functions;
using Gateway.Invocations;
using Gateway.Invoke;
using Microsoft.AspNetCore.Http;

namespace Gateway.FunctionUrls;

/// <summary>
/// One request to a function URL, once the router has found the URL and the authorizer has let it through:
/// CORS preflight → body (limited) → payload-2.0 event → the same resolve/dispatch path as Invoke → response mapping.
/// </summary>
/// <remarks>
/// The raw body is read into the invocation's (still empty) response payload, the event is written from it into the
/// request payload, and the response payload is emptied again before dispatch: no buffer beyond the invocation's own.
/// After the run the function's output is in the response payload; a mapped body is written into the (by then spent)
/// request payload. So a URL request rents nothing the Invoke API's path does not.
/// </remarks>
internal sealed class FunctionUrlInvoker(FunctionResolver resolver, Hosting.FunctionHost host, InvocationPool invocations, RequestBodyBudget bodyBudget, GatewayOptions options, TimeProvider time)
{
    /// <summary>Cluster mode: admission is awaited before the dispatch (as in InvokeEndpoint).</summary>
    private readonly bool _remoteAdmission = host.Admission.IsRemote;

    [ThreadStatic] private static UrlResponseHead? t_head;

    public Task HandleAsync(HttpContext context, FunctionUrlRoute route, string rawPath)
    {
        var handling = HandleCoreAsync(context, route, rawPath);
        return handling.IsCompletedSuccessfully ? Task.CompletedTask : handling.AsTask();
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask HandleCoreAsync(HttpContext context, FunctionUrlRoute route, string rawPath)
    {
        var request = context.Request;
        var response = context.Response;
        long received = Tracing.InvocationTracing.IsEnabled ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
        var requestId = Invoke.RequestIds.NewV4(); // no /dev/urandom read per invocation
        var requestIdText = requestId.ToString();
        response.Headers["x-amzn-RequestId"] = requestIdText;

        // 1. CORS preflight: the platform's answer, the function is not invoked.
        if (UrlCors.IsPreflight(request, route.Cors))
        {
            UrlCors.WritePreflight(request, response, route.Cors!);
            return;
        }
        // "Lambda automatically adds the CORS headers to all responses through the function URL" (urls-configuration):
        // the router set them before authorizing, so the 403, 413, 429 and 502 carry them and a browser sees the
        // status rather than a CORS failure. A function's own answer (mapped, or a stream's prelude) sets them again
        // after its headers: the configured win.

        // 2. The function behind the URL ($LATEST or the URL's alias).
        if (!SyncDispatch.TryResolve(resolver, host, route.FunctionName, route.Qualifier, out var reference, out var target, out var function, out var pool, out var error))
        {
            if (error!.Status == StatusCodes.Status404NotFound)
            {
                await UrlErrors.ForbiddenAsync(response).ConfigureAwait(false);
            }
            else
            {
                await UrlErrors.BadGatewayAsync(response).ConfigureAwait(false);
            }
            return;
        }

        // 3. The body, limited while it streams in (the event must fit Lambda's synchronous payload limit).
        long limit = options.SyncPayloadLimit;
        if (request.ContentLength is long declared && declared > limit)
        {
            await UrlErrors.TooLargeAsync(response, limit).ConfigureAwait(false);
            return;
        }
        long share = request.ContentLength ?? limit;
        if (share > 0)
        {
            try
            {
                await bodyBudget.TakeAsync(share, context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        var invocation = invocations.Rent();
        try
        {
            var body = invocation.Response; // scratch until dispatch: see the remarks
            if (request.ContentLength is long length and > 0)
            {
                body.Reserve((int)length);
            }
            bool fits;
            try
            {
                (fits, _) = await LimitedBodyReader.ReadAsync(request.BodyReader, body, limit, context.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is BadHttpRequestException or IOException or OperationCanceledException)
            {
                UnreadableBody.Answer(context, ex); // or the client hung up mid-body
                return;
            }
            if (!fits)
            {
                await UrlErrors.TooLargeAsync(response, limit).ConfigureAwait(false);
                return;
            }

            invocation.RequestId = requestIdText;
            invocation.AcceptedTimestamp = time.GetTimestamp();
            requestId.TryFormat(invocation.RequestIdBytes, out _);
            invocation.Type = InvocationType.RequestResponse;
            invocation.InvokedFunctionArn = target.InvokedArn;
            SyncDispatch.AssignTrace(invocation, pool, target, request.Headers, received, isEvent: false, time);

            var caller = route.AuthType == FunctionUrlAuthType.AwsIam ? Security.CallerIdentityExtensions.CallerOf(context, options) : null;
            var eventContext = new UrlEventContext(route, rawPath, requestIdText, invocation.TraceId, time.GetUtcNow(), caller is { Verified: true } ? caller : null);
            UrlEventWriter.Write(invocation.Request, request, context.Connection, eventContext, body);
            body.Reset();
            if (invocation.Request.Length > limit)
            {
                // base64 makes a body a third larger: the event, not the body, is what must fit.
                await UrlErrors.TooLargeAsync(response, limit).ConfigureAwait(false);
                return;
            }
            if (request.ContentLength is null)
            {
                bodyBudget.Return(share - invocation.Request.Length);
                share = invocation.Request.Length;
            }
            response.Headers["X-Amzn-Trace-Id"] = invocation.TraceId;

            var stream = FunctionUrlStreaming.Begin(context, route, invocation); // RESPONSE_STREAM only

            // 4. Admission and dispatch: the Invoke API's own path.
            DispatchResult dispatch;
            DispatchLease lease;
            Admission.ThrottleDecision throttle;
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
                await UrlErrors.TooManyRequestsAsync(response).ConfigureAwait(false);
                return;
            }
            if (dispatch == DispatchResult.Stopping)
            {
                Tracing.InvocationTracing.Refused(invocation, "ServiceException", null);
                await UrlErrors.BadGatewayAsync(response).ConfigureAwait(false);
                return;
            }
            await lease.RunAsync().ConfigureAwait(false);
            Tracing.InvocationTracing.RunEnded(invocation);

            // 5. The function's result as an HTTP response: streamed already (RESPONSE_STREAM), else mapped (BUFFERED).
            if (stream is not null)
            {
                await FunctionUrlStreaming.EndAsync(stream).ConfigureAwait(false);
                return;
            }
            await WriteResponseAsync(context, route, invocation).ConfigureAwait(false);
        }
        finally
        {
            Tracing.InvocationTracing.End(invocation);
            invocations.Return(invocation);
            bodyBudget.Return(share);
        }
    }

    private static Task WriteResponseAsync(HttpContext context, FunctionUrlRoute route, Invocation invocation)
    {
        var response = context.Response;
        if (invocation.FunctionError is not null)
        {
            return UrlErrors.BadGatewayAsync(response);
        }
        var output = invocation.Response;
        var mapped = invocation.Request;
        mapped.Reset();
        var head = t_head ??= new UrlResponseHead();
        UrlResponseKind kind = MapOutput(output, head, mapped);
        if (kind == UrlResponseKind.Malformed)
        {
            return UrlErrors.BadGatewayAsync(response);
        }
        response.StatusCode = head.StatusCode;
        var headers = response.Headers;
        foreach (var (name, value) in head.Headers)
        {
            if (FramingHeaders.Contains(name))
            {
                continue; // the gateway frames the body itself
            }
            headers[name] = value;
        }
        foreach (var cookie in head.Cookies)
        {
            headers.Append("Set-Cookie", cookie);
        }
        if (!head.HasContentType)
        {
            response.ContentType = "application/json";
        }
        UrlCors.AddToResponse(context.Request, response, route.Cors);
        var body = kind == UrlResponseKind.Output ? output : mapped;
        if (!MayHaveBody(context.Request, head.StatusCode))
        {
            return Task.CompletedTask;
        }
        response.ContentLength = body.Length;
        return WriteBodyAsync(response, body);
    }

    /// <summary>Maps from one contiguous span: the output as it is when it is one segment (almost always),
    /// else a copy in a rented array.</summary>
    private static UrlResponseKind MapOutput(PooledPayload output, UrlResponseHead head, PooledPayload mapped)
    {
        var segments = output.Segments;
        if (segments.Count <= 1)
        {
            return UrlResponseMapper.Map(segments.Count == 0 ? default : segments[0], head, mapped);
        }
        byte[] rented = System.Buffers.ArrayPool<byte>.Shared.Rent((int)output.Length);
        try
        {
            output.CopyTo(rented.AsSpan(0, (int)output.Length));
            return UrlResponseMapper.Map(rented.AsSpan(0, (int)output.Length), head, mapped);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask WriteBodyCoreAsync(HttpResponse response, PooledPayload body)
    {
        var writer = response.BodyWriter;
        foreach (var segment in body.Segments)
        {
            await writer.WriteAsync(segment).ConfigureAwait(false);
        }
    }

    private static Task WriteBodyAsync(HttpResponse response, PooledPayload body)
    {
        var writing = WriteBodyCoreAsync(response, body);
        return writing.IsCompletedSuccessfully ? Task.CompletedTask : writing.AsTask();
    }

    private static bool MayHaveBody(HttpRequest request, int status) =>
        !HttpMethods.IsHead(request.Method) && status is not (204 or 304) && status >= 200;
}
