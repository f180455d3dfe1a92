using System.Threading.Tasks.Sources;

namespace Gateway.Invocations;

internal enum InvocationType
{
    RequestResponse,
    Event,
    DryRun,
}

/// <summary>
/// One invocation, from the invoke request to the response written back: its id, request payload, deadline,
/// and an awaitable completion. Pooled: rented by the invoke endpoint, returned exactly once when the response
/// (or, for Event, the outcome) has been dealt with.
/// </summary>
/// <remarks>
/// Completion is claimed with an interlocked flag, so the three things that can end an invocation — the
/// runtime's /response or /error, the deadline timer, and the process exiting — race safely: the first wins,
/// the others see <see cref="TryClaimCompletion"/> return false.
/// </remarks>
internal sealed class Invocation : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _completion = new() { RunContinuationsAsynchronously = true };
    private int _claimed;

    public string RequestId { get; set; } = "";

    /// <summary>The id as ASCII bytes, compared against ids in Runtime API paths without allocating.</summary>
    public byte[] RequestIdBytes { get; } = new byte[36];

    public InvocationType Type { get; set; }

    /// <summary>The ARN the caller used (with its qualifier), sent to the runtime as Lambda-Runtime-Invoked-Function-Arn.</summary>
    public string InvokedFunctionArn { get; set; } = "";

    /// <summary>The X-Ray trace header sent to the runtime as Lambda-Runtime-Trace-Id. A generated one
    /// (<see cref="NewTraceId"/>) becomes a string only when read; the /next head is written with
    /// <see cref="WriteTraceId"/>, which needs no string.</summary>
    public string TraceId
    {
        get => _traceId ??= Invoke.TraceIds.Format(_traceSeconds, _traceRandom, _traceSampled);
        set => _traceId = value;
    }

    private string? _traceId = "";
    private uint _traceSeconds;
    private bool _traceSampled;
    private readonly byte[] _traceRandom = new byte[Invoke.TraceIds.RandomBytes];

    /// <summary>Gives the invocation a new trace header (the caller named no trace), sampled or not as the function's
    /// TracingConfig decided.</summary>
    public void NewTraceId(uint epochSeconds, bool sampled)
    {
        Random.Shared.NextBytes(_traceRandom);
        _traceSeconds = epochSeconds;
        _traceSampled = sampled;
        _traceId = null;
    }

    /// <summary>An Event that starts its run without a caller's trace (it came back from the store, or a function
    /// destination sent it): its new trace's sampling is decided by the version it runs on, when it is first
    /// dispatched (Async/EventQueue), as the queue only then knows that version.</summary>
    public bool TraceUndecided { get; set; }

    /// <summary>Writes the trace header as UTF-8 (ASCII) into <paramref name="destination"/>; returns the bytes written.</summary>
    public int WriteTraceId(Span<byte> destination)
    {
        if (_traceId is null)
        {
            return Invoke.TraceIds.FormatUtf8(_traceSeconds, _traceRandom, _traceSampled, destination);
        }
        System.Text.Unicode.Utf8.FromUtf16(_traceId, destination, out _, out int written);
        return written;
    }

    /// <summary>The decoded X-Amz-Client-Context JSON, or null.</summary>
    public string? ClientContext { get; set; }

    public bool WantsLogTail { get; set; }

    /// <summary>Where a streamed response goes as it arrives (InvokeWithResponseStream, RESPONSE_STREAM URLs); null for
    /// Invoke, which gets a streaming function's body buffered (up to the response limit) like any other.</summary>
    public Streaming.IResponseStreamSink? Stream { get; set; }

    /// <summary>Unix epoch ms when it times out (Lambda-Runtime-Deadline-Ms), set when it is delivered; a repeated
    /// /next re-sends the same deadline.</summary>
    public long DeadlineUnixMs { get; set; }

    /// <summary>When the invocation was accepted (TimeProvider timestamp): an Event's age is measured from here.</summary>
    public long AcceptedTimestamp { get; set; }

    public PooledPayload Request { get; } = new();

    /// <summary>The version that ran it (X-Amz-Executed-Version): set when an environment of that version takes it.</summary>
    public string ExecutedVersion { get; set; } = Functions.FunctionVersions.Latest;

    /// <summary>The unit of concurrency this invocation holds while it runs (a field, so it can be released by ref).</summary>
    public Admission.AdmissionTicket Admission;

    /// <summary>Its span and phase timestamps when tracing is on (Tracing/InvocationTracing.cs); a field, written by ref.</summary>
    public Tracing.InvocationTrace Trace;

    // ---- outcome ----

    /// <summary>The function's response bytes, or the error document when <see cref="FunctionError"/> is set.</summary>
    public PooledPayload Response { get; private set; } = new();

    /// <summary>Takes a payload object the runtime's body was read into (no copy); the old one goes back to the reader.</summary>
    public void ReplaceResponse(PooledPayload response) => Response = response;

    /// <summary>"Unhandled" when the function failed (X-Amz-Function-Error), otherwise null.</summary>
    public string? FunctionError { get; private set; }

    /// <summary>The error type (runtime-reported or platform, e.g. Sandbox.Timedout), for logs and metrics.</summary>
    public string? ErrorType { get; private set; }

    /// <summary>Base64 of the last 4 KB of this invocation's log, when the caller asked for it.</summary>
    public string? LogTail { get; set; }

    /// <summary>Claims the right to complete this invocation; only the first caller gets true.</summary>
    public bool TryClaimCompletion() => Interlocked.Exchange(ref _claimed, 1) == 0;

    public void SetError(string errorType)
    {
        FunctionError = "Unhandled";
        ErrorType = errorType;
    }

    /// <summary>Publishes the outcome; call once, after a successful <see cref="TryClaimCompletion"/>. While the
    /// completion is held (<see cref="HoldCompletion"/>) it is only recorded, and published by <see cref="ReleaseCompletion"/>.</summary>
    public void Complete()
    {
        if (_hold == HoldState.Held)
        {
            _hold = HoldState.CompletedWhileHeld;
            return;
        }
        _completion.SetResult(true);
    }

    /// <summary>
    /// The waiter's continuation (the caller's response) runs on the thread that completes the invocation — the one
    /// that read the runtime's answer — instead of being queued to the thread pool: one thread hop and one wake-up
    /// less per invocation. Only for a waiter whose continuation never blocks (the sync Invoke endpoint).
    /// </summary>
    public bool CompleteInline
    {
        get => !_completion.RunContinuationsAsynchronously;
        set => _completion.RunContinuationsAsynchronously = !value;
    }

    /// <summary>Keeps a <see cref="Complete"/> from publishing until <see cref="ReleaseCompletion"/>: the environment
    /// is offered back to its pool between the two, so a caller completed inline, whose next request may arrive at
    /// once, finds it idle instead of forking another.</summary>
    public void HoldCompletion() => _hold = HoldState.Held;

    /// <summary>Publishes a completion recorded while held (and ends the hold).</summary>
    public void ReleaseCompletion()
    {
        var state = _hold;
        _hold = HoldState.None;
        if (state == HoldState.CompletedWhileHeld)
        {
            _completion.SetResult(true);
        }
    }

    private enum HoldState : byte
    {
        None,
        Held,
        CompletedWhileHeld,
    }

    private HoldState _hold;

    public ValueTask WaitAsync() => new(this, _completion.Version);

    public void Reset()
    {
        _completion.Reset();
        _completion.RunContinuationsAsynchronously = true;
        _hold = HoldState.None;
        _claimed = 0;
        RequestId = "";
        InvokedFunctionArn = "";
        ExecutedVersion = Functions.FunctionVersions.Latest;
        _traceId = "";
        TraceUndecided = false;
        ClientContext = null;
        WantsLogTail = false;
        Stream = null;
        DeadlineUnixMs = 0;
        FunctionError = null;
        ErrorType = null;
        LogTail = null;
        Request.Reset();
        Response.Reset();
        System.Diagnostics.Debug.Assert(!Admission.IsHeld, "An invocation went back to the pool still holding concurrency.");
        Admission = default;
        // A span nobody ended (an Event dropped, given up or abandoned at shutdown) ends here, as it was.
        Trace.Span?.Stop();
        Trace = default;
    }

    void IValueTaskSource.GetResult(short token) => _completion.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _completion.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _completion.OnCompleted(continuation, state, token, flags);
}
