using System.Text;
using System.Text.Unicode;
using Gateway.Functions;
using Gateway.Invocations;
using Gateway.Logs;
using Gateway.Native;
using Gateway.RuntimeApi;

namespace Gateway.Environments;

internal enum EnvironmentState
{
    /// <summary>Spawned; the runtime has not called /next yet (init in progress).</summary>
    Starting,

    /// <summary>Ready for an invocation: the runtime waits in /next (or is about to).</summary>
    Idle,

    /// <summary>An invocation has been delivered and not yet answered.</summary>
    Busy,

    /// <summary>The runtime answered; it becomes Idle again when it calls /next.</summary>
    AwaitingNext,

    /// <summary>The runtime reported /init/error; it is being stopped.</summary>
    InitFailed,

    /// <summary>The process is being killed or has exited.</summary>
    Dead,
}

internal enum NextDecision
{
    Deliver,
    Parked,
    Rejected,
}

/// <summary>
/// One execution environment: a <c>bootstrap</c> process, its Runtime API endpoint and its log stream,
/// running one invocation at a time.
/// </summary>
/// <remarks>
/// All state changes happen under one small lock per environment. An invocation ends in exactly one of four
/// ways — the runtime's /response or /error, the deadline, an init failure, or the process exiting — and the
/// one that takes it out of <c>_current</c> / <c>_pending</c> under the lock is the one that completes it.
/// </remarks>
internal sealed class ExecutionEnvironment
{
    private static readonly CompositeFormat TimedOutMessage = CompositeFormat.Parse("RequestId: {0} Error: Task timed out after {1:F2} seconds");

    private readonly object _lock = new();
    private readonly EnvironmentServices _services;
    private readonly EnvironmentPool _pool;
    private readonly HashSet<RuntimeApiConnection> _connections = [];
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ITimer _timer;
    private readonly DateTime _createdUtc;

    private EnvironmentState _state = EnvironmentState.Starting;
    private Invocation? _current;
    private Invocation? _pending;
    private RuntimeApiConnection? _parked;
    private string? _lastCompletedId;
    private int _timerGeneration;
    private bool _timerIsInit;
    private long _spawnTimestamp;
    private long _deliveredTimestamp;
    private double? _initDurationMs;
    private bool _reportInitDuration;
    private int _maxMemoryMb;
    private bool _everReady;
    private bool _killRequested;
    private readonly List<Task> _finishing = [];

    private SpawnedProcess? _process;
    private EnvironmentLog? _log;
    private RuntimeApiListener? _listener;
    private Microsoft.Win32.SafeHandles.SafeFileHandle? _procStatus;
    private string? _tmpDirectory;
    private string? _pidFile;

    public ExecutionEnvironment(EnvironmentServices services, EnvironmentPool pool, FunctionDefinition function, bool provisioned)
    {
        _services = services;
        _pool = pool;
        Function = function;
        Provisioned = provisioned;
        Id = Guid.NewGuid().ToString("N");
        _createdUtc = services.Time.GetUtcNow().UtcDateTime;
        _timer = services.Time.CreateTimer(static s => ((ExecutionEnvironment)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        // An on-demand environment's first invocation is a cold start and reports Init Duration.
        _reportInitDuration = !provisioned;
    }

    public string Id { get; }

    public FunctionDefinition Function { get; }

    /// <summary>Pre-forked (provisioned) rather than started on demand for an invocation.</summary>
    public bool Provisioned { get; }

    public int ResponseLimit => _services.Options.ResponsePayloadLimit;

    public EnvironmentState State
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
    }

    public int? ProcessId => _process?.Pid;

    /// <summary>The runtime reached its first /next (init succeeded) at some point.</summary>
    public bool EverReady
    {
        get
        {
            lock (_lock)
            {
                return _everReady;
            }
        }
    }

    /// <summary>CloudWatch-style stream name: <c>2026/11/22/[$LATEST]{id}</c>.</summary>
    public string LogStreamName => $"{_createdUtc:yyyy'/'MM'/'dd}/[$LATEST]{Id}";

    /// <summary>Completes when the process has exited and everything it held has been released.</summary>
    public Task Exited => _exited.Task;

    // ------------------------------------------------------------------ lifecycle

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
        bool watched = false;
        try
        {
            Directory.CreateDirectory(_services.RunDirectory);
            _tmpDirectory = Path.Combine(_services.TmpDirectory, Id);
            Directory.CreateDirectory(_tmpDirectory);
            _listener = new RuntimeApiListener(this, Path.Combine(_services.RunDirectory, Id + ".sock"), _services.Options.RuntimeApiOverTcp);
            output = OutputChannel.Create();
            _log = _services.Logs.Open(Function.Name, $"{_createdUtc:yyyy-MM-dd}-{Id}.log", output.Reader);
            _listener.Start();

            var environment = WorkerEnvironment.Build(Function, _services.Options, Id, LogStreamName, Provisioned,
                _listener.SocketPath, _listener.TcpEndpoint, _tmpDirectory);
            var spec = new SpawnSpec(Function.Bootstrap, [], environment, Function.CodeDirectory, output.WriterFd);
            _spawnTimestamp = _services.Time.GetTimestamp();
            lock (_lock)
            {
                ArmTimerLocked(TimeSpan.FromSeconds(_services.Options.InitTimeoutSeconds), init: true);
            }
            _process = await _services.Spawner.SpawnAsync(spec).ConfigureAwait(false);
            output.CloseWriter(); // the worker has its copy; the log stream now ends when the worker does
            if (_killRequested)
            {
                Kill(); // stopped while the spawn was in flight
            }
            // Synchronous and small: the pid file lets the next start kill this worker if the gateway dies uncleanly.
            _pidFile = Path.Combine(_services.RunDirectory, Id + ".pid");
            File.WriteAllText(_pidFile, _process.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            _procStatus = OpenProcStatus(_process.Pid);
            _services.Reaper.Watch(_process.PidFd, OnExit);
            watched = true;
        }
        catch (Exception ex) when (_process is not null && !watched)
        {
            // Started, but the gateway could not set up its side (pid file): stop it; its exit ends the rest.
            Console.Error.WriteLine($"[gateway] environment {Id} of {Function.Name} could not be set up: {ex.Message}");
            Kill();
            _services.Reaper.Watch(_process.PidFd, OnExit);
        }
        catch (Exception ex)
        {
            // Could not even start (missing or non-executable bootstrap, no socket): as an init failure without /init/error.
            FailToStart(InvalidEntrypoint.ErrorType, InvalidEntrypoint.Message(ex));
        }
        finally
        {
            output?.CloseWriter();
            if (_log is null)
            {
                output?.Reader.Dispose(); // otherwise the log stream owns it
            }
        }
    }

    /// <summary>Kills the process group (the bootstrap and anything it started).</summary>
    public void Kill()
    {
        _killRequested = true;
        if (_process is { } process)
        {
            if (LibC.kill(-process.Pid, LibC.SIGKILL) != 0)
            {
                LibC.kill(process.Pid, LibC.SIGKILL);
            }
        }
    }

    // ------------------------------------------------------------------ dispatch (called by the pool)

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
            if (_pending is not null)
            {
                return false;
            }
            switch (_state)
            {
                case EnvironmentState.Starting:
                    _pending = invocation;
                    return true;
                case EnvironmentState.Idle when _parked is not null:
                    deliverTo = _parked;
                    _parked = null;
                    BeginInvocationLocked(invocation);
                    return true;
                case EnvironmentState.Idle or EnvironmentState.AwaitingNext:
                    _pending = invocation;
                    return true;
                default:
                    return false;
            }
        }
    }


    // ------------------------------------------------------------------ Runtime API (called by connections)

    public void OnConnectionOpened(RuntimeApiConnection connection)
    {
        lock (_lock)
        {
            if (_state == EnvironmentState.Dead)
            {
                connection.Close();
                return;
            }
            _connections.Add(connection);
        }
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
        deliver = null;
        rejection = null;
        RuntimeApiConnection? abandoned = null;
        bool becameIdle = false;
        lock (_lock)
        {
            bool wasStarting = _state == EnvironmentState.Starting;
            switch (_state)
            {
                case EnvironmentState.Starting:
                    _initDurationMs = _services.Time.GetElapsedTime(_spawnTimestamp).TotalMilliseconds;
                    _pool.Metrics.RecordEnvironmentReady(_initDurationMs.Value);
                    _everReady = true;
                    DisarmTimerLocked();
                    // Seed Max Memory Used: a runtime that dies mid-invocation can no longer be measured.
                    _maxMemoryMb = ReadPeakMemoryMb();
                    goto case EnvironmentState.AwaitingNext;
                case EnvironmentState.AwaitingNext:
                case EnvironmentState.Idle:
                    if (_pending is { } pending)
                    {
                        _pending = null;
                        BeginInvocationLocked(pending);
                        deliver = pending;
                        return NextDecision.Deliver;
                    }
                    // A warm environment was already offered when its runtime answered (ReturnToPool); only the first
                    // /next after init makes it available.
                    becameIdle = wasStarting;
                    _state = EnvironmentState.Idle;
                    if (_parked is not null && _parked != connection)
                    {
                        abandoned = _parked; // the runtime gave up on its earlier /next
                    }
                    _parked = connection;
                    connection.MarkParked();
                    break;
                case EnvironmentState.Busy:
                    // The emulator re-delivers the same event on a repeated /next; so do we.
                    deliver = _current;
                    return NextDecision.Deliver;
                case EnvironmentState.InitFailed:
                    rejection = RuntimeReplies.InvalidStateTransition("InitError", "Ready");
                    return NextDecision.Rejected;
                default:
                    rejection = RuntimeReplies.ContainerError;
                    return NextDecision.Rejected;
            }
        }
        abandoned?.Abandon();
        if (becameIdle)
        {
            _pool.OnIdle(this);
        }
        return NextDecision.Parked;
    }

    /// <summary>Refuses a /response or /error before its body is read; null when the call is acceptable.</summary>
    public byte[]? CheckResult(ReadOnlySpan<byte> requestId, bool isError)
    {
        var target = isError ? "InvocationErrorResponse" : "InvocationResponse";
        lock (_lock)
        {
            if (_state == EnvironmentState.Busy && _current is { } current && requestId.SequenceEqual(current.RequestIdBytes))
            {
                return null;
            }
            if (_lastCompletedId is not null && Encoding.ASCII.GetByteCount(_lastCompletedId) == requestId.Length && Ascii.Equals(requestId, _lastCompletedId))
            {
                return RuntimeReplies.InvalidStateTransition("RuntimeResponseSentState", target);
            }
            return _state switch
            {
                EnvironmentState.Starting => RuntimeReplies.InvalidStateTransition("Started", target),
                EnvironmentState.InitFailed => RuntimeReplies.InvalidStateTransition("InitError", target),
                EnvironmentState.Dead => RuntimeReplies.ContainerError,
                _ => RuntimeReplies.InvalidRequestId,
            };
        }
    }

    /// <summary>/response or /error: completes the current invocation with the body the connection read.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<byte[]> OnResultAsync(ReadOnlyMemory<byte> requestId, bool isError, string? errorType, Func<PooledPayload, PooledPayload> takeBody)
    {
        var invocation = TakeCurrent(requestId.Span, isError, out var refusal);
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
        var invocation = TakeCurrent(requestId.Span, isError: false, out var refusal);
        if (invocation is null)
        {
            return refusal!;
        }
        invocation.Response.Reset();
        PlatformError.Write(invocation.Response, "Function.ResponseSizeTooLarge",
            $"Response payload size exceeded maximum allowed payload size ({ResponseLimit} bytes).", typeFirst: false);
        invocation.SetError("Function.ResponseSizeTooLarge");
        await FinishAsync(invocation, null, "error").ConfigureAwait(false);
        ReturnToPool();
        return RuntimeReplies.Accepted;
    }

    public byte[]? CheckInitError()
    {
        lock (_lock)
        {
            return _state switch
            {
                EnvironmentState.Starting => null,
                EnvironmentState.InitFailed => RuntimeReplies.InvalidStateTransition("InitError", "InitError"),
                EnvironmentState.Busy => RuntimeReplies.InvalidStateTransition("Running", "InitError"),
                EnvironmentState.Idle => RuntimeReplies.InvalidStateTransition("Ready", "InitError"),
                EnvironmentState.AwaitingNext => RuntimeReplies.InvalidStateTransition("RuntimeResponseSentState", "InitError"),
                _ => RuntimeReplies.ContainerError,
            };
        }
    }

    /// <summary>/init/error: the invocation waiting for this environment's init gets the runtime's error document verbatim.</summary>
    public async ValueTask<byte[]> OnInitErrorAsync(string? errorType, Func<PooledPayload, PooledPayload> takeBody)
    {
        Invocation? waiting;
        lock (_lock)
        {
            if (_state != EnvironmentState.Starting)
            {
                return CheckInitError() ?? RuntimeReplies.ContainerError;
            }
            _state = EnvironmentState.InitFailed;
            _initDurationMs = _services.Time.GetElapsedTime(_spawnTimestamp).TotalMilliseconds;
            DisarmTimerLocked();
            waiting = _pending;
            _pending = null;
        }
        var type = ErrorTypes.Sanitize(errorType);
        WriteInitReport("error", type);
        if (waiting is not null)
        {
            var body = takeBody(waiting.Response);
            waiting.ReplaceResponse(body);
            if (body.Length == 0)
            {
                PlatformError.Write(body, type, null);
            }
            waiting.SetError(type);
            BeginLogForUndelivered(waiting);
            await FinishAsync(waiting, null, "error").ConfigureAwait(false);
        }
        Kill(); // AWS stops an environment whose init failed; the next invocation starts a new one.
        return RuntimeReplies.Accepted;
    }

    // ------------------------------------------------------------------ endings

    /// <summary>
    /// Offers this environment for the next invocation as soon as its answer is in, without waiting for the
    /// runtime's next /next: a caller that fires its next request the moment it gets a response would otherwise
    /// race the runtime and start a needless cold environment. An invocation assigned now is delivered on /next.
    /// </summary>
    private void ReturnToPool()
    {
        bool available;
        lock (_lock)
        {
            // Idle too: a runtime may call /next (on another connection) before its answer has been processed.
            available = _state is EnvironmentState.AwaitingNext or EnvironmentState.Idle && _pending is null;
        }
        if (available)
        {
            _pool.OnIdle(this);
        }
    }

    private Invocation? TakeCurrent(ReadOnlySpan<byte> requestId, bool isError, out byte[]? refusal)
    {
        refusal = null;
        lock (_lock)
        {
            if (_state == EnvironmentState.Busy && _current is { } invocation && requestId.SequenceEqual(invocation.RequestIdBytes))
            {
                _current = null;
                _state = EnvironmentState.AwaitingNext;
                _lastCompletedId = invocation.RequestId;
                DisarmTimerLocked();
                // Every ending takes the invocation out of _current under this lock first, so this claim cannot fail.
                invocation.TryClaimCompletion();
                return invocation;
            }
        }
        refusal = CheckResult(requestId, isError) ?? RuntimeReplies.InvalidRequestId;
        return null;
    }

    private void OnTimer()
    {
        Invocation? timedOut = null;
        Invocation? waitingForInit = null;
        bool initTimedOut;
        lock (_lock)
        {
            if (_timerIsInit && _state == EnvironmentState.Starting)
            {
                initTimedOut = true;
                _state = EnvironmentState.Dead;
                waitingForInit = _pending;
                _pending = null;
            }
            else if (!_timerIsInit && _state == EnvironmentState.Busy && _current is not null)
            {
                initTimedOut = false;
                timedOut = _current;
                _current = null;
                _state = EnvironmentState.Dead;
            }
            else
            {
                return; // a stale timer: the invocation ended first
            }
        }

        if (initTimedOut)
        {
            WriteInitReport("timeout", null);
            if (waitingForInit is not null && waitingForInit.TryClaimCompletion())
            {
                CompleteWithPlatformError(waitingForInit, "Sandbox.Timedout",
                    string.Format(System.Globalization.CultureInfo.InvariantCulture, TimedOutMessage, waitingForInit.RequestId, _services.Options.InitTimeoutSeconds),
                    undelivered: true, status: "timeout");
            }
            Kill();
            return;
        }

        // Read the peak memory while the process still exists, report the timeout, then kill the environment.
        _maxMemoryMb = Math.Max(_maxMemoryMb, ReadPeakMemoryMb());
        if (timedOut!.TryClaimCompletion())
        {
            var message = string.Format(System.Globalization.CultureInfo.InvariantCulture, TimedOutMessage, timedOut.RequestId, (double)Function.TimeoutSeconds);
            CompleteWithPlatformError(timedOut, "Sandbox.Timedout", message, undelivered: false, status: "timeout",
                platformLine: $"{_services.Time.GetUtcNow():yyyy-MM-ddTHH:mm:ss.fffZ} {timedOut.RequestId} Task timed out after {Function.TimeoutSeconds:F2} seconds");
        }
        Kill();
    }

    private void OnExit(ChildExit exit)
    {
        Invocation? current, pending;
        RuntimeApiConnection[] connections;
        lock (_lock)
        {
            bool initFailed = _state is EnvironmentState.InitFailed;
            bool wasStarting = _state is EnvironmentState.Starting;
            _state = EnvironmentState.Dead;
            current = _current;
            pending = _pending;
            _current = null;
            _pending = null;
            _parked = null;
            connections = [.. _connections];
            DisarmTimerLocked();
            if (wasStarting && !initFailed)
            {
                _initDurationMs ??= _services.Time.GetElapsedTime(_spawnTimestamp).TotalMilliseconds;
            }
        }

        var reason = exit is { Signaled: false, Code: 0 } ? "Runtime exited without providing a reason" : "Runtime exited with error: " + exit.Describe();
        if (pending is not null && pending.TryClaimCompletion())
        {
            WriteInitReport("error", "Runtime.ExitError");
            CompleteWithPlatformError(pending, "Runtime.ExitError", $"RequestId: {pending.RequestId} Error: {reason}", undelivered: true, status: "error");
        }
        if (current is not null && current.TryClaimCompletion())
        {
            CompleteWithPlatformError(current, "Runtime.ExitError", $"RequestId: {current.RequestId} Error: {reason}", undelivered: false, status: "error",
                platformLine: $"RequestId: {current.RequestId} Error: {reason}\nRuntime.ExitError");
        }

        foreach (var connection in connections)
        {
            connection.Close();
        }
        _ = CleanUpAsync();
    }

    private async Task CleanUpAsync()
    {
        try
        {
            Task[] finishing;
            lock (_lock)
            {
                finishing = [.. _finishing];
            }
            await Task.WhenAll(finishing).ConfigureAwait(false);
            if (_log is not null)
            {
                await _log.DrainAsync().ConfigureAwait(false);
                _services.Logs.Close(_log);
            }
            _listener?.Dispose();
            _procStatus?.Dispose();
            _timer.Dispose();
            if (_pidFile is not null)
            {
                File.Delete(_pidFile);
            }
            if (_tmpDirectory is not null && Directory.Exists(_tmpDirectory))
            {
                Directory.Delete(_tmpDirectory, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: leftovers are removed at the next start.
        }
        finally
        {
            _pool.OnExited(this);
            _exited.TrySetResult();
        }
    }

    private void FailToStart(string errorType, string message)
    {
        Invocation? pending;
        lock (_lock)
        {
            _state = EnvironmentState.Dead;
            pending = _pending;
            _pending = null;
            DisarmTimerLocked();
        }
        if (pending is not null && pending.TryClaimCompletion())
        {
            pending.Response.Reset();
            PlatformError.Write(pending.Response, errorType, $"RequestId: {pending.RequestId} Error: {message}");
            pending.SetError(errorType);
            pending.Complete();
        }
        _ = CleanUpAsync();
    }

    // ------------------------------------------------------------------ helpers

    private void BeginInvocationLocked(Invocation invocation)
    {
        _state = EnvironmentState.Busy;
        _current = invocation;
        _deliveredTimestamp = _services.Time.GetTimestamp();
        invocation.DeadlineUnixMs = _services.Time.GetUtcNow().ToUnixTimeMilliseconds() + Function.TimeoutSeconds * 1000L;
        ArmTimerLocked(TimeSpan.FromSeconds(Function.TimeoutSeconds), init: false);
        _log?.Begin(invocation.RequestId, "$LATEST");
    }

    /// <summary>An invocation that failed before it reached the runtime still gets its START line.</summary>
    private void BeginLogForUndelivered(Invocation invocation)
    {
        lock (_lock)
        {
            _deliveredTimestamp = _services.Time.GetTimestamp();
        }
        _log?.Begin(invocation.RequestId, "$LATEST");
    }

    private void CompleteWithPlatformError(Invocation invocation, string errorType, string message, bool undelivered, string status, string? platformLine = null)
    {
        invocation.Response.Reset();
        PlatformError.Write(invocation.Response, errorType, message);
        invocation.SetError(errorType);
        if (undelivered)
        {
            BeginLogForUndelivered(invocation);
        }
        _ = FinishAsync(invocation, platformLine, status); // not awaited (timer and exit callbacks), but tracked
    }

    /// <summary>Logs END and REPORT (after the worker's own output), fills the log tail, and completes.</summary>
    private Task FinishAsync(Invocation invocation, string? platformLine, string? status)
    {
        var finishing = FinishCoreAsync(invocation, platformLine, status);
        if (!finishing.IsCompleted)
        {
            // The environment's cleanup waits for these: its log stream must outlive the last END/REPORT.
            lock (_lock)
            {
                _finishing.RemoveAll(t => t.IsCompleted);
                _finishing.Add(finishing);
            }
        }
        return finishing;
    }

    private async Task FinishCoreAsync(Invocation invocation, string? platformLine, string? status)
    {
        try
        {
            double duration = _services.Time.GetElapsedTime(_deliveredTimestamp).TotalMilliseconds;
            double? init = null;
            lock (_lock)
            {
                if (_reportInitDuration && _initDurationMs is not null)
                {
                    init = _initDurationMs;
                    _reportInitDuration = false;
                }
            }
            if (_log is { } log)
            {
                await log.DrainAsync().ConfigureAwait(false);
                if (platformLine is not null)
                {
                    foreach (var line in platformLine.Split('\n'))
                    {
                        log.WritePlatformLine(Encoding.UTF8.GetBytes(line));
                    }
                }
                RefreshPeakMemory(duration);
                var report = new ReportLine(invocation.RequestId, duration, init, Function.MemorySizeMb, _maxMemoryMb, status);
                invocation.LogTail = log.End(report, invocation.WantsLogTail);
            }
            _pool.Metrics.RecordInvocation(duration, invocation.FunctionError is not null);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The log could not be written (disk full, environment torn down): the caller still gets its answer.
            Console.Error.WriteLine($"[gateway] could not write the log of {invocation.RequestId}: {ex.Message}");
        }
        finally
        {
            invocation.Complete();
        }
    }

    private void WriteInitReport(string status, string? errorType)
    {
        if (_log is null)
        {
            return;
        }
        Span<byte> line = stackalloc byte[256];
        double init = _initDurationMs ?? _services.Time.GetElapsedTime(_spawnTimestamp).TotalMilliseconds;
        Utf8.TryWrite(line, $"INIT_REPORT Init Duration: {init:F2} ms\tPhase: init\tStatus: {status}", out int n);
        if (errorType is not null)
        {
            Utf8.TryWrite(line[n..], $"\tError Type: {errorType}", out int m);
            n += m;
        }
        _log.WritePlatformLine(line[..n]);
    }

    private void ArmTimerLocked(TimeSpan due, bool init)
    {
        _timerGeneration++;
        _timerIsInit = init;
        _timer.Change(due, Timeout.InfiniteTimeSpan);
    }

    private void DisarmTimerLocked()
    {
        _timerGeneration++;
        _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    private static Microsoft.Win32.SafeHandles.SafeFileHandle? OpenProcStatus(int pid)
    {
        try
        {
            return File.OpenHandle($"/proc/{pid}/status");
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// Keeps Max Memory Used current without reading /proc on every invocation (it was ~10% of the gateway's CPU under
    /// load). VmHWM is a high-water mark, so a later read still sees an earlier peak; it is re-read when 50 ms have
    /// passed since the last read or the invocation itself ran that long (long enough to have grown).
    /// </summary>
    private void RefreshPeakMemory(double invocationMs)
    {
        long now = _services.Time.GetTimestamp();
        if (_lastMemoryRead != 0 && invocationMs < 50 && _services.Time.GetElapsedTime(_lastMemoryRead, now).TotalMilliseconds < 50)
        {
            return;
        }
        _lastMemoryRead = now;
        _maxMemoryMb = Math.Max(_maxMemoryMb, ReadPeakMemoryMb());
    }

    private long _lastMemoryRead;

    /// <summary>Peak resident set size (VmHWM) of the bootstrap process, in MB, rounded up.</summary>
    private int ReadPeakMemoryMb()
    {
        if (_procStatus is null || _procStatus.IsClosed)
        {
            return _maxMemoryMb;
        }
        try
        {
            Span<byte> buffer = stackalloc byte[2048];
            int n = RandomAccess.Read(_procStatus, buffer, 0);
            return ProcStatus.TryReadPeakKb(buffer[..n], out long kb) ? (int)((kb + 1023) / 1024) : _maxMemoryMb;
        }
        catch (IOException)
        {
            return _maxMemoryMb; // the process is gone
        }
    }
}
