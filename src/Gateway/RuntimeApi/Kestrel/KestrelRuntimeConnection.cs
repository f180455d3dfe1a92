using System.Globalization;
using System.Threading.Tasks.Sources;
using Gateway.Environments;
using Gateway.Invocations;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;

namespace Gateway.RuntimeApi.Kestrel;

/// <summary>
/// One runtime connection served by Kestrel (--runtime-api-server kestrel): the counterpart of
/// <see cref="RuntimeApiConnection"/>, with Kestrel parsing the requests and writing the responses. It talks to its
/// <see cref="ExecutionEnvironment"/> exactly as the hand-written connection does (OnNext, CheckResult, OnResultAsync…),
/// so admission, logs, deadlines and REPORT lines do not know which server ran.
/// </summary>
/// <remarks>
/// A parked /next is an ASP.NET Core request awaiting <see cref="DeliverAsync"/>. The dispatcher's delivery resumes that
/// request on the dispatcher's thread when the gateway runs inline (as the hand-written server writes the event from
/// that thread), else on the thread pool. Kestrel serves requests on a connection one at a time, so at most one /next
/// waits here.
/// </remarks>
internal sealed partial class KestrelRuntimeConnection : IRuntimeApiConnection, IValueTaskSource<Invocation?>
{
    /// <summary>A body up to this size is copied into Kestrel's output in one synchronous write (flushed when the request
    /// ends); a larger one is written segment by segment with flushes, so Kestrel's output pipe applies back-pressure.</summary>
    private const int SyncWriteBytes = 16 * 1024;

    private readonly ExecutionEnvironment _environment;
    private readonly ConnectionContext _connection;
    private readonly byte[] _id = new byte[64];
    private readonly Func<PooledPayload, PooledPayload> _swapScratch;
    private PooledPayload _scratch = new();
    private ManualResetValueTaskSourceCore<Invocation?> _delivered;
    private int _parked;
    private int _closed;

    public KestrelRuntimeConnection(ExecutionEnvironment environment, ConnectionContext connection)
    {
        _environment = environment;
        _connection = connection;
        _swapScratch = SwapScratch;
        _delivered.RunContinuationsAsynchronously = !environment.Options.InlineScheduling;
    }

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>One request (Kestrel calls this for each, in order).</summary>
    public Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var route = KestrelRuntimeRoutes.Parse(request.Path.Value, out var id);
        bool get = HttpMethods.IsGet(request.Method);
        bool post = !get && HttpMethods.IsPost(request.Method);
        switch (route)
        {
            case RuntimeRoute.Next when get:
                return HandleNextAsync(context);
            case RuntimeRoute.Response or RuntimeRoute.Error when post:
                return HandleResultAsync(context, route, CopyId(id));
            case RuntimeRoute.InitError when post:
                return HandleResultAsync(context, route, 0);
            case RuntimeRoute.Ping when get:
                KestrelReplies.WritePong(context.Response);
                return Task.CompletedTask;
            case RuntimeRoute.Unknown:
                KestrelReplies.Write(context.Response, RuntimeReplies.NotFound);
                return Task.CompletedTask;
            default:
                KestrelReplies.Write(context.Response, RuntimeReplies.MethodNotAllowed);
                return Task.CompletedTask;
        }
    }

    private async Task HandleNextAsync(HttpContext context)
    {
        var decision = _environment.OnNext(this, out var invocation, out var rejection);
        switch (decision)
        {
            case NextDecision.Deliver:
                await WriteInvocationAsync(context.Response, invocation!).ConfigureAwait(false);
                return;
            case NextDecision.Parked:
                invocation = await new ValueTask<Invocation?>(this, _delivered.Version).ConfigureAwait(false);
                if (invocation is null)
                {
                    context.Abort(); // abandoned: a newer /next replaced this one, or the environment is ending
                    return;
                }
                await WriteInvocationAsync(context.Response, invocation).ConfigureAwait(false);
                return;
            default:
                KestrelReplies.Write(context.Response, rejection!);
                return;
        }
    }

    /// <summary>The /next response: the headers of the hand-written server's head (RuntimeApiConnection.FormatNextHead)
    /// and the event's bytes.</summary>
    private static ValueTask WriteInvocationAsync(HttpResponse response, Invocation invocation)
    {
        if (invocation.Trace.Span is not null && invocation.Trace.Delivered == 0)
        {
            invocation.Trace.Delivered = System.Diagnostics.Stopwatch.GetTimestamp(); // the "run" phase begins
        }
        response.ContentType = "application/json";
        var headers = response.Headers;
        headers["Lambda-Runtime-Aws-Request-Id"] = invocation.RequestId;
        headers["Lambda-Runtime-Deadline-Ms"] = invocation.DeadlineUnixMs.ToString(CultureInfo.InvariantCulture);
        headers["Lambda-Runtime-Invoked-Function-Arn"] = invocation.InvokedFunctionArn;
        headers["Lambda-Runtime-Trace-Id"] = invocation.TraceId;
        if (invocation.ClientContext is { } clientContext)
        {
            headers["Lambda-Runtime-Client-Context"] = clientContext;
        }
        var payload = invocation.Request;
        response.ContentLength = payload.Length;
        var segments = payload.Segments;
        if (payload.Length <= SyncWriteBytes)
        {
            var writer = response.BodyWriter;
            for (int i = 0; i < segments.Count; i++)
            {
                var segment = segments[i].AsSpan();
                segment.CopyTo(writer.GetSpan(segment.Length));
                writer.Advance(segment.Length);
            }
            return ValueTask.CompletedTask; // Kestrel flushes when the request ends: one write
        }
        return WriteLargeAsync(response, segments);
    }

    private static async ValueTask WriteLargeAsync(HttpResponse response, PayloadSegments segments)
    {
        for (int i = 0; i < segments.Count; i++)
        {
            await response.BodyWriter.WriteAsync(segments[i]).ConfigureAwait(false);
        }
    }

    /// <summary>Copies the request id of the path into the id buffer; -1 when it cannot be an id (too long, not ASCII).</summary>
    private int CopyId(ReadOnlySpan<char> id)
    {
        if (id.Length > _id.Length || !System.Text.Ascii.IsValid(id))
        {
            return -1;
        }
        return System.Text.Encoding.ASCII.GetBytes(id, _id);
    }

    private PooledPayload SwapScratch(PooledPayload emptyFromInvocation)
    {
        var body = _scratch;
        _scratch = emptyFromInvocation;
        return body;
    }

    // ---- parking: the environment's side ----

    public void MarkParked()
    {
        _delivered.Reset();
        Volatile.Write(ref _parked, 1);
    }

    public ValueTask DeliverAsync(Invocation invocation)
    {
        Release(invocation);
        return ValueTask.CompletedTask;
    }

    public void Abandon() => Release(null);

    /// <summary>Completes the parked /next once, whoever comes first (a delivery, an abandon, the connection closing).</summary>
    private void Release(Invocation? invocation)
    {
        if (Interlocked.Exchange(ref _parked, 0) == 1)
        {
            _delivered.SetResult(invocation);
        }
    }

    public void Close()
    {
        Volatile.Write(ref _closed, 1);
        Abandon();
        _connection.Abort(new ConnectionAbortedException("The execution environment has ended."));
    }

    /// <summary>Kestrel closed the connection (the runtime hung up, or <see cref="Close"/>).</summary>
    public void OnClosed()
    {
        Volatile.Write(ref _closed, 1);
        _environment.OnConnectionClosed(this);
        Abandon();
    }

    Invocation? IValueTaskSource<Invocation?>.GetResult(short token) => _delivered.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<Invocation?>.GetStatus(short token) => _delivered.GetStatus(token);

    void IValueTaskSource<Invocation?>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _delivered.OnCompleted(continuation, state, token, flags);
}
