using Gateway.Environments.Sandbox;
using Gateway.Extensions;
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
internal sealed partial class ExecutionEnvironment
{
    private readonly object _lock = new();
    private readonly EnvironmentServices _services;
    private readonly IEnvironmentOwner _owner;
    private readonly EnvironmentStateMachine _machine;
    private readonly WorkerProcess _process;
    private readonly InvocationReport _report;
    private readonly InvocationEndings _endings;
    private readonly Containment.EnvironmentContainment _containment;
    private readonly HashSet<IRuntimeApiConnection> _connections = [];
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly DateTime _createdUtc;
    private IRuntimeApiConnection? _parked;
    private RuntimeApiListener? _listener;
    private TmpVolume? _tmp; // the host side of its /tmp, handed on after a reset (HandOverTmpAtReset)
    private TaskCompletionSource? _tmpFreed; // completed when this environment's processes are gone, once its /tmp is handed on
    private int _endedOnPurpose; // 1 once Stop("spindown"): not a reset, so its /tmp goes with it
    private string[]? _bootstrapCandidates;

    /// <summary>How long a new environment waits for the reset one whose /tmp it takes to end: its shutdown's 2 s,
    /// the telemetry flush's 1 s, and room.</summary>
    private static readonly TimeSpan FreeWaitLimit = TimeSpan.FromSeconds(5);

    public ExecutionEnvironment(EnvironmentServices services, IEnvironmentOwner owner, FunctionDefinition function, bool provisioned)
    {
        _services = services;
        _owner = owner;
        Function = function;
        Provisioned = provisioned;
        Id = Guid.NewGuid().ToString("N");
        _createdUtc = services.Time.GetUtcNow().UtcDateTime;
        // On demand, init has the init phase's limit and then goes on in the invoke phase; provisioned, it has
        // AWS's "130 seconds or the configured function timeout …, whichever is higher" (lambda-runtime-environment).
        double initTimeoutSeconds = provisioned
            ? Math.Max(services.Options.ProvisionedInitTimeoutSeconds, function.TimeoutSeconds)
            : services.Options.InitTimeoutSeconds;
        _machine = new EnvironmentStateMachine(services.Time, TimeSpan.FromSeconds(initTimeoutSeconds),
            TimeSpan.FromSeconds(function.TimeoutSeconds), OnDeadline, initGoesOnInInvoke: !provisioned);
        _process = new WorkerProcess(services, Id, $"environment {Id} of {function.Name}",
            measureChild: services.Sandbox.Mode == SandboxMode.MountNamespace)
        {
            OwnPeakMemoryKb = () => _containment!.PeakMemoryKb(), // (made below; read only at an exit)
        };
        // An on-demand environment's first invocation is a cold start and reports Init Duration.
        _report = new InvocationReport(services.Time, function.Version, function.MemorySizeMb, owner.Metrics, _process.ReadPeakMemoryMb, coldStart: !provisioned);
        _endings = new InvocationEndings(_report, function, services.Time, initTimeoutSeconds);
        _containment = services.Containment.ForEnvironment(Id, function);
        ExtensionSet = new ExtensionSet(new(function.Name, function.Version, function.Handler, services.Options.AccountId));
    }

    /// <summary>The files of the function's /opt/extensions, started before the runtime. Found in <see cref="StartAsync"/>
    /// (not here: environments are made under the pool's lock, and this reads a folder).</summary>
    private string[] _externalExtensions = [];

    /// <summary>Owned by the pool, under the pool's lock: a dispatcher took this environment from the pool's starting
    /// ones and has not yet assigned it (or given it back). The pool leaves such an environment to that dispatcher.</summary>
    internal bool ReservedByPool { get; set; }

    public string Id { get; }

    public FunctionDefinition Function { get; }

    /// <summary>Runtime API heads past 64 KB this environment's connections may buffer at once.</summary>
    public RuntimeApi.LargeHeadBudget LargeHeads { get; } = new();

    /// <summary>Pre-forked (provisioned) rather than started on demand for an invocation.</summary>
    public bool Provisioned { get; }

    public int ResponseLimit => _services.Options.ResponsePayloadLimit;

    /// <summary>The streamed-response limit and bandwidth rule (GatewayOptions.Stream*).</summary>
    public GatewayOptions Options => _services.Options;

    public EnvironmentState State => Locked(static m => m.State);

    public int? ProcessId => _process.Pid;

    /// <summary>The runtime reached its first /next (init succeeded) at some point.</summary>
    public bool EverReady => Locked(static m => m.EverReady);

    /// <summary>Waiting for an invocation (or about to, its answer in) with none assigned.</summary>
    public bool CanTakeInvocation
    {
        get
        {
            lock (_lock)
            {
                // INVOKE subscribers back in /event/next too, and the last invocation's REPORT written.
                return _machine.CanTakeInvocation && ExtensionsAllowInvocationLocked();
            }
        }
    }

    /// <summary>CloudWatch-style stream name: <c>2026/11/22/[$LATEST]{id}</c> (the function's version in brackets; the
    /// function's name before it in a custom log group).</summary>
    public string LogStreamName => Function.Logging.StreamPrefix(_createdUtc, Function.Name, Function.Version) + Id;

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
        string[]? bootstrapCandidates = null;
        bool spawning = false;
        bool keptForRetry = false;
        InitRetry? retry = null;
        try
        {
            Directory.CreateDirectory(_services.RunDirectory);
            var sandbox = _services.Sandbox;
            // The /tmp a reset left behind for this code (AWS keeps it), else a new one; none of the gateway's in a
            // namespace where it may not mount (bwrap's own tmpfs then).
            _tmp = _owner.TakeSpareTmp(Function)
                ?? (sandbox.UsesHostTmp ? TmpVolume.Folder(_services.TmpDirectory, Id, Function)
                    : sandbox.MountsTmp ? TmpVolume.Mount(_services.TmpDirectory, Id, Function, _containment.Uid) : null);
            if (_tmp is { Free.IsCompleted: false } kept)
            {
                // The reset environment that left it is still ending (its SIGTERM, its extensions' SHUTDOWN): start
                // after it, as Lambda does, but not later than its limits (2 s, and 1 s of telemetry) allow.
                await Task.WhenAny(kept.Free, Task.Delay(FreeWaitLimit, _services.Time)).ConfigureAwait(false);
            }
            var tmpDirectory = sandbox.UsesHostTmp ? _tmp!.HostPath : null;
            _externalExtensions = ExternalExtensions.Find(Function);
            ExtensionSet.Launching(_externalExtensions); // before the listener accepts an extension's call
            _listener = new RuntimeApiListener(this, Path.Combine(_services.RunDirectory, Id + ".sock"), _services.Options.RuntimeApiOverTcp, _services.RuntimeApiServer);
            // External extensions can run (TCP and the builtin server): they may subscribe to the Telemetry API, which
            // replays what was logged from the start. Without extensions there is none, and no event is ever made.
            bool launchable = _listener.TcpEndpoint is not null && _services.RuntimeApiServer is BuiltinRuntimeApiServer;
            if (_externalExtensions.Length > 0 && launchable)
            {
                _telemetry = new Extensions.Telemetry.EnvironmentTelemetry(_services.Time);
            }
            output = OutputChannel.Create();
            _report.Log = _services.Logs.Open(Function, LogStreamName, $"{_createdUtc:yyyy-MM-dd}-{Id}.log", Provisioned, output.Reader, _telemetry);
            _report.Log.MarksExtensionLines = _telemetry is not null; // the launcher runs: its marked lines are extensions
            _listener.Start();
            if (_externalExtensions.Length > ExtensionSet.MaxExtensions)
            {
                // Logged like a bootstrap that cannot start: INIT_REPORT, START, the error, END and REPORT.
                FailToStart("Extension.LaunchError", $"Extension limit ({ExtensionSet.MaxExtensions}) reached: {_externalExtensions.Length} files in /opt/extensions", 0);
                return;
            }

            // Where the process sees its code, layers, runtime and /tmp: Lambda's paths in a mount namespace, else the host's.
            var layout = sandbox.Layout(Function, tmpDirectory);
            bootstrapCandidates = Runtimes.RuntimeCatalog.BootstrapCandidates(Function, layout);
            _bootstrapCandidates = bootstrapCandidates;
            var environment = WorkerEnvironment.Build(Function, layout, _services.Options, Id, LogStreamName, Provisioned,
                sandbox.SeenSocketPath(_listener.SocketPath), _listener.TcpEndpoint, _services.Runtimes.InterpreterOf(Function.Runtime));
            // The function's bootstrap (provided.*) or the managed runtime's (nodejs*, python3.*), as the process sees it,
            // behind the extensions launcher when its layers have extensions (which reach the gateway over TCP only).
            var launcher = _externalExtensions.Length > 0 && launchable
                ? ExternalExtensions.Launcher(layout.OptDirectory, _externalExtensions, environment)
                : null;
            if (_externalExtensions.Length > 0 && launcher is null)
            {
                Console.Error.WriteLine($"[gateway] {Function.Name}: the extensions in /opt/extensions are not started (they need AWS_LAMBDA_RUNTIME_API, --runtime-api-over-tcp, and the builtin --runtime-api-server)");
                ExtensionSet.End();
            }
            var listener = _listener;
            var writerFd = output.WriterFd;
            // The sandbox checks the executable here (a bootstrap that cannot start throws); then its cgroup and its
            // user, which the shim applies before the exec.
            SpawnSpec BuildSpec() => _containment.Prepare(
                sandbox.Wrap(
                    new SpawnSpec(Runtimes.RuntimeCatalog.Executable(Function, layout), [], environment, layout.TaskRoot, writerFd),
                    Function, listener.SocketPath, _containment.Uid, tmpDirectory, launcher, sandbox.UsesHostTmp ? null : _tmp?.HostPath),
                listener.SocketPath, tmpDirectory, _services.Runtimes.HostDirectory(Function));
            if (!Provisioned && launcher is null)
            {
                // A failed init may be retried with the same process spec (built again only if the first build failed),
                // writing to the same log stream: the writer end stays open until no retry can come (CloseRetryOutput).
                // With external extensions the launcher's processes would have to be relaunched and re-registered too:
                // those keep the one init (README).
                retry = new InitRetry(BuildSpec, output);
                Volatile.Write(ref _retry, retry);
                keptForRetry = true;
            }
            var spec = BuildSpec();
            if (retry is not null)
            {
                retry.Spec = spec;
            }
            lock (_lock)
            {
                _machine.Spawning();
            }
            spawning = true;
            await _process.SpawnAsync(spec).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Could not even start (missing or non-executable bootstrap, no socket): as an init failure without /init/error.
            FailToStart(InvalidEntrypoint.ErrorType, InvalidEntrypoint.Message(ex, bootstrapCandidates), spawning ? InitDurationForReport() : 0);
            return;
        }
        finally
        {
            if (!keptForRetry)
            {
                output?.CloseWriter(); // the worker has its copy; the log stream now ends when the worker does
            }
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
    public bool TryAssign(Invocation invocation, out IRuntimeApiConnection? deliverTo)
    {
        deliverTo = null;
        bool reInit = false;
        lock (_lock)
        {
            if (!ExtensionsAllowInvocationLocked())
            {
                return false; // an INVOKE subscriber still works on the last invocation, or the environment is ending
            }
            var result = _machine.TryAssign(invocation, runtimeWaiting: _parked is not null);
            if (result == AssignResult.DeliverNow)
            {
                _process.Thaw(); // frozen while idle (ExecutionEnvironment.Freeze.cs): running before the event is written
                deliverTo = _parked;
                _parked = null;
                _report.Begin(invocation);
                ExtensionSet.BeginInvoke(invocation);
            }
            else if (result == AssignResult.Pending)
            {
                reInit = ReInitDueLocked(); // a reset environment: this invocation's re-init starts now
            }
            if (result == AssignResult.Refused)
            {
                return false;
            }
        }
        if (reInit)
        {
            _ = ReInitAsync();
        }
        return true;
    }

    /// <summary>The state machine's timer: an init or invocation deadline may have passed.</summary>
    private void OnDeadline()
    {
        DeadlineStep step;
        double initReportMs;
        InitPhase phase;
        long initStart;
        int generation;
        lock (_lock)
        {
            step = _machine.OnDeadline(MayResetLocked());
            initReportMs = _machine.InitReportMs;
            phase = _machine.InitPhase;
            initStart = _machine.SpawnTimestamp;
            // The process this deadline ends. The kills below run outside the lock, after the environment is offered
            // again: if the old process exits by itself in between, the reset settles and a re-init may already have
            // spawned the next generation, which a plain kill would take down with it.
            generation = _process.Generation;
            if (step.Reset)
            {
                BeginResetLocked(ResetProgress.Exiting); // the kill below; its exit settles the reset
            }
            if (step.Expired == DeadlineKind.InitMovedToInvoke)
            {
                // Nothing ends: init goes on in the invoke phase, within the function's timeout (EnvironmentStateMachine).
                // Written under the lock, so it precedes the START a /next right after it writes (also under it).
                _report.WriteInitReport(initReportMs, "timeout", null);
                return;
            }
        }
        if (step.Expired == DeadlineKind.Init)
        {
            if (step.Reset)
            {
                OfferAfterReset(); // a re-init that ran out of the timeout: the next invocation tries again (the doom loop)
            }
            else
            {
                HandOverTmpAtReset();
            }
            // In the invoke phase the init had the function's timeout (AWS's retried init ran that long).
            _endings.InitTimedOut(step.Invocation, phase == InitPhase.Invoke ? Math.Min(initReportMs, Function.TimeoutSeconds * 1000.0) : initReportMs,
                InitDuration(), phase, initStart);
            _process.Kill(generation);
        }
        else if (step.Expired == DeadlineKind.Invocation)
        {
            _report.SamplePeakMemory(); // while the process still exists
            if (step.Reset)
            {
                // AWS resets the environment: the runtime goes, the environment (its /tmp, log stream and endpoint)
                // stays for the next invocation, which re-initializes it.
                OfferAfterReset();
                if (step.Invocation is { } timedOutHere)
                {
                    _endings.TimedOut(timedOutHere, InitDuration());
                }
                _process.Kill(generation); // its exit settles the reset (OnExit)
                return;
            }
            HandOverTmpAtReset();
            if (step.Invocation is { } timedOut)
            {
                _endings.TimedOut(timedOut, InitDuration());
            }
            Stop("timeout"); // a reset that replaces the environment: SHUTDOWN subscribers hear why (at once a kill without them)
        }
    }

    private void OnExit(ChildExit exit)
    {
        // First: from now on a kill reaches the process group only. Whether the gateway asked for the kill does not
        // matter when the init is retried: that kill (StopAfterInitError's) was of the failed attempt, which is over.
        bool killedByGateway = _process.MarkExited();
        ExitStep step;
        (string Type, string Reason)? extensionFailure = null;
        lock (_lock)
        {
            step = _machine.OnExit(MayRetryInitLocked(), MayResetLocked());
            if (step.Reset)
            {
                _report.RaisePeakMemory(exit.MaxRssMb); // the crash's REPORT (a reset's kill already wrote its own)
                _parked = null;
                BeginResetLocked(ResetProgress.Cleaning);
            }
            else if (step.RetryInit)
            {
                if (step.InitFailedNow)
                {
                    // The first init's end, in the init phase; the retry's output follows it (no second INIT_START).
                    bool outOfMemory = _containment.RanOutOfMemory();
                    _report.WriteInitReport(_machine.InitReportMs, "error", outOfMemory ? "Runtime.OutOfMemory" : "Runtime.ExitError");
                    SuppressExitLocked(exit, outOfMemory);
                }
            }
            else
            {
                // Not when the init is retried: the failed attempt's peak is not the retry's (RetryInit resets it).
                _report.RaisePeakMemory(exit.MaxRssMb); // before any REPORT the exit ends (a deferred one included) is written
                _parked = null;
                extensionFailure = _extensionFailure;
                // Answered, but an extension was still working when the environment ended.
                FinishDeferredReportLocked("error", extensionFailure?.Type ?? "Runtime.ExitError");
            }
        }
        if (step.RetryInit)
        {
            RetryInit();
            return;
        }
        if (step.Reset)
        {
            if (step.Current is not null || step.Pending is not null)
            {
                // A crash mid-invocation, or a re-init that exited: offered first, then answered (see OfferAfterReset).
                OfferAfterReset();
                _endings.Exited(step, _services.Sandbox.SeenExit(exit), InitDurationForReport(), InitDuration(), _containment.RanOutOfMemory(), CurrentInitPhase(),
                    null, Locked(static m => m.SpawnTimestamp));
            }
            _ = SettleResetAsync();
            return;
        }
        CloseRetryOutput(); // no retry now: the log stream ends with this process's output
        exit = _services.Sandbox.SeenExit(exit);
        HandOverTmpAtReset(); // a crash, or the end of a reset: the next environment gets this /tmp (not after a spindown)
        if (step.RetryCancelled && step.Pending is { } waiting)
        {
            // Stopped after an /init/error decided the retry: that error is the answer, as it was before retries.
            AnswerSuppressedFailure(waiting);
            step = step with { Pending = null };
        }
        _endings.Exited(step, exit, InitDurationForReport(), InitDuration(), _containment.RanOutOfMemory(), CurrentInitPhase(), extensionFailure,
            Locked(static m => m.SpawnTimestamp));
        if (Volatile.Read(ref _graceful) is { } graceful)
        {
            // The exit a shutdown's SIGTERM (or its SIGKILL) caused: no failure, no SHUTDOWN "failure", no log line
            // (RAPID's watchEvents reports an exit only "If we are not shutting down"). The extensions' part of the
            // shutdown follows; the environment ends after it.
            graceful.RuntimeExited.TrySetResult();
            _ = AfterShutdownAsync(graceful.Done.Task, End);
            return;
        }
        // The runtime died on its own (a crash, an OOM kill): a reset, which SHUTDOWN subscribers hear about ("failure")
        // before the kill, as on AWS. When the gateway killed it (a Stop after its shutdown, a timeout), the extensions
        // died with it: nothing to wait for. Telemetry subscribers get their queued events (the crash's REPORT) first.
        if (!killedByGateway && FlushTelemetryFirst(ShutDownAfterCrash))
        {
            return;
        }
        if (killedByGateway)
        {
            End();
            return;
        }
        ShutDownAfterCrash();
    }

    /// <summary>The runtime died on its own: SHUTDOWN ("failure") to its subscribers, then the end.</summary>
    private void ShutDownAfterCrash()
    {
        var deadline = _services.Time.GetUtcNow() + ShutdownLimit;
        if (ExtensionSet.Shutdown("failure", deadline.ToUnixTimeMilliseconds()) is { } shutdown && !shutdown.IsCompleted)
        {
            _ = AfterShutdownAsync(shutdown, End);
            return;
        }
        End();
    }

    /// <summary>After the exit (and the extensions' shutdown): what is left of the process group goes, the connections
    /// close, and the environment cleans up.</summary>
    private void End()
    {
        ExtensionSet.End(); // first: no connection is accepted after the copy below
        ReleaseExtensionsHold();
        IRuntimeApiConnection[] connections;
        lock (_lock)
        {
            connections = [.. _connections];
        }
        if (_externalExtensions.Length > 0)
        {
            Kill(); // the extensions the runtime leaves behind share its group (the group only: the pid was reaped)
        }
        _telemetry?.Stop();
        foreach (var connection in connections)
        {
            connection.Close();
        }
        Volatile.Read(ref _tmpFreed)?.TrySetResult(); // the runtime has exited (its extensions killed with the group)
        _ = CleanUpAsync();
    }

    private void FailToStart(string errorType, string message, double initReportMs)
    {
        Invocation? pending;
        bool retry;
        InitPhase phase;
        long initStart;
        lock (_lock)
        {
            phase = _machine.InitPhase;
            initStart = _machine.SpawnTimestamp;
            pending = _machine.OnFailedToStart(MayRetryInitLocked(), out retry);
            if (retry)
            {
                // AWS's recorded log of a bootstrap that cannot start: INIT_REPORT … Phase: init, then the retry's
                // INIT_REPORT … Phase: invoke, START, the error, END, REPORT.
                _report.WriteInitReport(initReportMs, "error", errorType);
                _suppressedAnswer = waiting => _endings.FailedToStartLogged(waiting, errorType, message, initReportMs, initReported: true);
            }
        }
        if (retry)
        {
            _ = RetryInitAsync();
            return;
        }
        CloseRetryOutput();
        ExtensionSet.End();
        if (pending is not null)
        {
            if (_report.Log is not null)
            {
                _endings.FailedToStartLogged(pending, errorType, message, initReportMs, phase, initStart);
            }
            else
            {
                InvocationEndings.FailedToStart(pending, errorType, message);
            }
        }
        _ = CleanUpAsync();
    }

    private async Task CleanUpAsync()
    {
        CloseRetryOutput(); // (closed already on every path that ends an environment; here in case)
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
            _containment.Remove();
            Interlocked.Exchange(ref _tmp, null)?.Release(); // not handed on at a reset (HandOverTmpAtReset)
            Volatile.Read(ref _tmpFreed)?.TrySetResult(); // (End did already, unless the process never started)
            _owner.OnExited(this);
            _exited.TrySetResult();
        }
    }

    /// <summary>
    /// A reset that ends the environment — a timeout, a crash or a failed init of one that is not reset in place
    /// (provisioned, an extension registered, an init that never succeeded: see <see cref="MayResetLocked"/>), rather than
    /// an end on purpose (<see cref="Stop"/>'s "spindown": scale-down, new code, the gateway stopping): its /tmp goes to
    /// the pool for the next environment of this code, as Lambda keeps /tmp across a reset. Called before the failed invocation is answered, so a caller's
    /// next invocation, however quick, takes it; that environment's process starts once this one's are gone
    /// (<see cref="TmpVolume.Free"/>, completed by <see cref="End"/>). What the pool does not keep is released; an
    /// environment ended on purpose keeps its /tmp until its clean-up releases it.
    /// </summary>
    private void HandOverTmpAtReset()
    {
        if (Volatile.Read(ref _endedOnPurpose) == 1 || Interlocked.Exchange(ref _tmp, null) is not { } tmp)
        {
            return;
        }
        Volatile.Write(ref _tmpFreed, tmp.InUseUntilFreed()); // the successor starts once this one's processes are gone (End)
        if (!_owner.KeepSpareTmp(tmp))
        {
            tmp.Release();
        }
    }

    /// <summary>The phase an init that ends now ends in: <c>invoke</c> once it went past the init phase's limit.</summary>
    private InitPhase CurrentInitPhase() => Locked(static m => m.InitPhase);

    /// <summary>Init's duration once known (a cold start's first REPORT carries it).</summary>
    private double? InitDuration() => Locked(static m => m.InitDurationMs);

    /// <summary>INIT_REPORT's duration: init's, or (init timed out) the time since the spawn.</summary>
    private double InitDurationForReport() => Locked(static m => m.InitReportMs);

    private T Locked<T>(Func<EnvironmentStateMachine, T> read)
    {
        lock (_lock)
        {
            return read(_machine);
        }
    }
}
