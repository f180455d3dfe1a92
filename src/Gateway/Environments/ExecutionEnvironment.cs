using Gateway.Functions;
using Gateway.Invocations;
using Gateway.Logs;
using Gateway.Native;
using Gateway.RuntimeApi;

namespace Gateway.Environments;

/// <summary>
/// One execution environment: a <c>bootstrap</c> process, its Runtime API endpoint and its log stream, running one
/// invocation at a time. It coordinates: <see cref="EnvironmentStateMachine"/> decides, under this object's lock;
/// <see cref="WorkerProcess"/>, <see cref="InvocationReport"/> and the Runtime API connections carry the decisions out.
/// </summary>
/// <remarks>
/// Side effects that must stay in order with the state (a START line before the event reaches the runtime, the parked
/// /next a new invocation goes to) happen under the lock; completions, kills and calls into the owner happen after it.
/// </remarks>
internal sealed class ExecutionEnvironment
{
    private readonly object _lock = new();
    private readonly EnvironmentServices _services;
    private readonly IEnvironmentOwner _owner;
    private readonly EnvironmentStateMachine _machine;
    private readonly WorkerProcess _process;
    private readonly InvocationReport _report;
    private readonly HashSet<RuntimeApiConnection> _connections = [];
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly DateTime _createdUtc;
    private RuntimeApiConnection? _parked;
    private RuntimeApiListener? _listener;

    public ExecutionEnvironment(EnvironmentServices services, IEnvironmentOwner owner, FunctionDefinition function, bool provisioned)
    {
        _services = services;
        _owner = owner;
        Function = function;
        Provisioned = provisioned;
        Id = Guid.NewGuid().ToString("N");
        _createdUtc = services.Time.GetUtcNow().UtcDateTime;
        _machine = new EnvironmentStateMachine(services.Time, TimeSpan.FromSeconds(services.Options.InitTimeoutSeconds),
            TimeSpan.FromSeconds(function.TimeoutSeconds), OnDeadline);
        _process = new WorkerProcess(services, Id, $"environment {Id} of {function.Name}");
        // An on-demand environment's first invocation is a cold start and reports Init Duration.
        _report = new InvocationReport(services.Time, function.Version, function.MemorySizeMb, owner.Metrics, _process.ReadPeakMemoryMb, coldStart: !provisioned);
    }

    public string Id { get; }

    public FunctionDefinition Function { get; }

    /// <summary>Pre-forked (provisioned) rather than started on demand for an invocation.</summary>
    public bool Provisioned { get; }

    public int ResponseLimit => _services.Options.ResponsePayloadLimit;

    public EnvironmentState State => Locked(static m => m.State);

    public int? ProcessId => _process.Pid;

    /// <summary>The runtime reached its first /next (init succeeded) at some point.</summary>
    public bool EverReady => Locked(static m => m.EverReady);

    /// <summary>CloudWatch-style stream name: <c>2026/11/22/[$LATEST]{id}</c> (the function's version in brackets).</summary>
    public string LogStreamName => $"{_createdUtc:yyyy'/'MM'/'dd}/[{Function.Version}]{Id}";

    /// <summary>Completes when the process has exited and everything it held has been released.</summary>
    public Task Exited => _exited.Task;

    /// <summary>Opens the Runtime API endpoint and the log stream, then starts the bootstrap process. Init continues
    /// in the background.</summary>
    /// <remarks>
    /// Everything a Runtime API call touches (the listener, the log stream) exists and the listener is accepting
    /// before the process does, so the runtime's first /next is served the moment it arrives; what needs the pid
    /// (pid file, /proc status, exit watch) follows the spawn, off that path.
    /// </remarks>
    public async Task StartAsync()
    {
        OutputChannel? output = null;
        try
        {
            Directory.CreateDirectory(_services.RunDirectory);
            var tmpDirectory = _process.CreateTmpDirectory();
            _listener = new RuntimeApiListener(this, Path.Combine(_services.RunDirectory, Id + ".sock"), _services.Options.RuntimeApiOverTcp);
            output = OutputChannel.Create();
            _report.Log = _services.Logs.Open(Function.Name, $"{_createdUtc:yyyy-MM-dd}-{Id}.log", output.Reader);
            _listener.Start();

            var environment = WorkerEnvironment.Build(Function, _services.Options, Id, LogStreamName, Provisioned,
                _listener.SocketPath, _listener.TcpEndpoint, tmpDirectory);
            var spec = new SpawnSpec(Function.Bootstrap, [], environment, Function.CodeDirectory, output.WriterFd);
            lock (_lock)
            {
                _machine.Spawning();
            }
            await _process.SpawnAsync(spec).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Could not even start (missing or non-executable bootstrap, no socket): as an init failure without /init/error.
            FailToStart(InvalidEntrypoint.ErrorType, InvalidEntrypoint.Message(ex));
            return;
        }
        finally
        {
            output?.CloseWriter(); // the worker has its copy; the log stream now ends when the worker does
            if (_report.Log is null)
            {
                output?.Reader.Dispose(); // otherwise the log stream owns it
            }
        }
        _process.Watch(OnExit);
    }

    /// <summary>Kills the process group (the bootstrap and anything it started); its exit ends the rest.</summary>
    public void Kill() => _process.Kill();

    /// <summary>
    /// Gives <paramref name="invocation"/> to this environment. When the runtime is already waiting in /next,
    /// <paramref name="deliverTo"/> is its connection and the caller writes the event to it; otherwise the
    /// event is delivered on the runtime's next /next. False when the environment can no longer take it.
    /// </summary>
    public bool TryAssign(Invocation invocation, out RuntimeApiConnection? deliverTo)
    {
        deliverTo = null;
        lock (_lock)
        {
            var result = _machine.TryAssign(invocation, runtimeWaiting: _parked is not null);
            if (result == AssignResult.DeliverNow)
            {
                deliverTo = _parked;
                _parked = null;
                _report.Begin(invocation);
            }
            return result != AssignResult.Refused;
        }
    }

    public void OnConnectionOpened(RuntimeApiConnection connection)
    {
        lock (_lock)
        {
            if (_machine.State != EnvironmentState.Dead)
            {
                _connections.Add(connection);
                return;
            }
        }
        connection.Close();
    }

    public void OnConnectionClosed(RuntimeApiConnection connection)
    {
        lock (_lock)
        {
            _connections.Remove(connection);
            if (_parked == connection)
            {
                _parked = null;
            }
        }
    }

    public NextDecision OnNext(RuntimeApiConnection connection, out Invocation? deliver, out byte[]? rejection)
    {
        NextStep step;
        RuntimeApiConnection? abandoned = null;
        lock (_lock)
        {
            step = _machine.OnNext();
            if (step.FirstReady)
            {
                _owner.Metrics.RecordEnvironmentReady(_machine.InitDurationMs.GetValueOrDefault());
                _report.SamplePeakMemory();
            }
            if (step.Began)
            {
                _report.Begin(step.Invocation!);
            }
            if (step.Decision == NextDecision.Parked)
            {
                if (_parked is not null && _parked != connection)
                {
                    abandoned = _parked; // the runtime gave up on its earlier /next
                }
                _parked = connection;
                connection.MarkParked();
            }
        }
        deliver = step.Invocation;
        rejection = step.Rejection;
        abandoned?.Abandon();
        if (step.BecameIdle)
        {
            _owner.OnIdle(this);
        }
        return step.Decision;
    }

    /// <summary>Refuses a /response or /error before its body is read; null when the call is acceptable.</summary>
    public byte[]? CheckResult(ReadOnlySpan<byte> requestId, bool isError)
    {
        lock (_lock)
        {
            return _machine.CheckResult(requestId, isError);
        }
    }

    /// <summary>Refuses an /init/error before its body is read; null when the call is acceptable.</summary>
    public byte[]? CheckInitError() => Locked(static m => m.CheckInitError());

    /// <summary>/response or /error: completes the current invocation with the body the connection read.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<byte[]> OnResultAsync(ReadOnlyMemory<byte> requestId, bool isError, string? errorType, Func<PooledPayload, PooledPayload> takeBody)
    {
        var invocation = TakeResult(requestId.Span, isError, out var refusal);
        if (invocation is null)
        {
            return refusal!;
        }
        var body = takeBody(invocation.Response);
        invocation.ReplaceResponse(body);
        if (isError)
        {
            var type = ErrorTypes.Sanitize(errorType);
            if (body.Length == 0)
            {
                PlatformError.Write(body, type, null);
            }
            invocation.SetError(type);
        }
        await FinishAsync(invocation, null, null).ConfigureAwait(false);
        ReturnToPool();
        return RuntimeReplies.Accepted;
    }

    /// <summary>A /response body over the limit: the caller gets Function.ResponseSizeTooLarge.</summary>
    public async ValueTask<byte[]> OnResponseTooLargeAsync(ReadOnlyMemory<byte> requestId)
    {
        var invocation = TakeResult(requestId.Span, isError: false, out var refusal);
        if (invocation is null)
        {
            return refusal!;
        }
        PlatformEndings.Fail(invocation, PlatformEndings.ResponseTooLargeType, PlatformEndings.ResponseTooLarge(ResponseLimit), typeFirst: false);
        await FinishAsync(invocation, null, "error").ConfigureAwait(false);
        ReturnToPool();
        return RuntimeReplies.Accepted;
    }

    /// <summary>/init/error: the invocation waiting for this environment's init gets the runtime's error document verbatim.</summary>
    public async ValueTask<byte[]> OnInitErrorAsync(string? errorType, Func<PooledPayload, PooledPayload> takeBody)
    {
        InitErrorStep step;
        lock (_lock)
        {
            step = _machine.OnInitError();
        }
        if (step.Refusal is { } refusal)
        {
            return refusal;
        }
        var type = ErrorTypes.Sanitize(errorType);
        _report.WriteInitReport(InitDurationForReport(), "error", type);
        if (step.Waiting is { } waiting)
        {
            var body = takeBody(waiting.Response);
            waiting.ReplaceResponse(body);
            if (body.Length == 0)
            {
                PlatformError.Write(body, type, null);
            }
            waiting.SetError(type);
            _report.Begin(waiting); // it never reached the runtime, but still gets its START line
            await FinishAsync(waiting, null, "error").ConfigureAwait(false);
        }
        Kill(); // AWS stops an environment whose init failed; the next invocation starts a new one.
        return RuntimeReplies.Accepted;
    }

    private Invocation? TakeResult(ReadOnlySpan<byte> requestId, bool isError, out byte[]? refusal)
    {
        lock (_lock)
        {
            return _machine.TakeResult(requestId, isError, out refusal);
        }
    }

    /// <summary>
    /// Offers this environment for the next invocation as soon as its answer is in, without waiting for the
    /// runtime's next /next: a caller that fires its next request the moment it gets a response would otherwise
    /// race the runtime and start a needless cold environment. An invocation assigned now is delivered on /next.
    /// </summary>
    private void ReturnToPool()
    {
        if (Locked(static m => m.CanTakeInvocation))
        {
            _owner.OnIdle(this);
        }
    }

    /// <summary>The state machine's timer: an init or invocation deadline may have passed.</summary>
    private void OnDeadline()
    {
        DeadlineStep step;
        lock (_lock)
        {
            step = _machine.OnDeadline();
        }
        if (step.Expired == DeadlineKind.Init)
        {
            _report.WriteInitReport(InitDurationForReport(), "timeout", null);
            if (step.Invocation is { } waiting)
            {
                CompleteWithPlatformError(waiting, PlatformEndings.TimedOutType,
                    PlatformEndings.TimedOut(waiting.RequestId, _services.Options.InitTimeoutSeconds), undelivered: true, status: "timeout");
            }
            Kill();
        }
        else if (step.Expired == DeadlineKind.Invocation)
        {
            _report.SamplePeakMemory(); // while the process still exists
            if (step.Invocation is { } timedOut)
            {
                CompleteWithPlatformError(timedOut, PlatformEndings.TimedOutType, PlatformEndings.TimedOut(timedOut.RequestId, Function.TimeoutSeconds),
                    undelivered: false, status: "timeout",
                    platformLines: PlatformEndings.TimedOutLogLine(_services.Time.GetUtcNow(), timedOut.RequestId, Function.TimeoutSeconds));
            }
            Kill();
        }
    }

    private void OnExit(ChildExit exit)
    {
        ExitStep step;
        RuntimeApiConnection[] connections;
        lock (_lock)
        {
            step = _machine.OnExit();
            _parked = null;
            connections = [.. _connections];
        }
        var reason = PlatformEndings.ExitReason(exit);
        if (step.Pending is { } pending)
        {
            _report.WriteInitReport(InitDurationForReport(), "error", PlatformEndings.ExitErrorType);
            CompleteWithPlatformError(pending, PlatformEndings.ExitErrorType, $"RequestId: {pending.RequestId} Error: {reason}", undelivered: true, status: "error");
        }
        if (step.Current is { } current)
        {
            CompleteWithPlatformError(current, PlatformEndings.ExitErrorType, $"RequestId: {current.RequestId} Error: {reason}", undelivered: false, status: "error",
                platformLines: $"RequestId: {current.RequestId} Error: {reason}\n{PlatformEndings.ExitErrorType}");
        }
        foreach (var connection in connections)
        {
            connection.Close();
        }
        _ = CleanUpAsync();
    }

    private void FailToStart(string errorType, string message)
    {
        Invocation? pending;
        lock (_lock)
        {
            pending = _machine.OnFailedToStart();
        }
        if (pending is not null)
        {
            PlatformEndings.Fail(pending, errorType, $"RequestId: {pending.RequestId} Error: {message}");
            pending.Complete();
        }
        _ = CleanUpAsync();
    }

    private async Task CleanUpAsync()
    {
        try
        {
            await _report.WhenFinished().ConfigureAwait(false); // the log stream must outlive the last END/REPORT
            if (_report.Log is { } log)
            {
                await log.DrainAsync().ConfigureAwait(false);
                _services.Logs.Close(log);
            }
            _listener?.Dispose();
            _machine.Dispose();
            _process.CleanUp();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: leftovers are removed at the next start.
        }
        finally
        {
            _owner.OnExited(this);
            _exited.TrySetResult();
        }
    }

    private void CompleteWithPlatformError(Invocation invocation, string errorType, string message, bool undelivered, string status, string? platformLines = null)
    {
        PlatformEndings.Fail(invocation, errorType, message);
        if (undelivered)
        {
            _report.Begin(invocation); // it never reached the runtime, but still gets its START line
        }
        _ = FinishAsync(invocation, platformLines, status); // not awaited (timer and exit callbacks), but tracked by the report
    }

    private Task FinishAsync(Invocation invocation, string? platformLines, string? status)
        => _report.FinishAsync(invocation, Locked(static m => m.InitDurationMs), platformLines, status);

    /// <summary>INIT_REPORT's duration: init's, or (init timed out) the time since the spawn.</summary>
    private double InitDurationForReport() => Locked(static m => m.InitDurationMs ?? m.MillisecondsSinceSpawn);

    private T Locked<T>(Func<EnvironmentStateMachine, T> read)
    {
        lock (_lock)
        {
            return read(_machine);
        }
    }
}
