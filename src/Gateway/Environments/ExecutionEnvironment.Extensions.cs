using Gateway.Extensions;

namespace Gateway.Environments;

// Lambda extensions in this environment: what the Extensions API's routes call (through the Runtime API connection),
// and how the environment's lifecycle waits for them: init ends when every extension waits in /event/next, the
// environment takes its next invocation only when each INVOKE subscriber is back there, an extension's exit resets
// the environment, and a normal end (spindown, a timeout) gives the runtime a SIGTERM, then SHUTDOWN subscribers the
// rest of 2 s, before the kill.
internal sealed partial class ExecutionEnvironment
{
    /// <summary>The shutdown phase's limit with an external extension. AWS (runtimes-extensions-api, "Shutdown phase"):
    /// "0 ms – A function with no registered extensions; 500 ms – A function with a registered internal extension;
    /// 2,000 ms – A function with one or more registered external extensions".</summary>
    private static readonly TimeSpan ShutdownLimit = TimeSpan.FromMilliseconds(2000);

    /// <summary>How long the telemetry subscribers' queued events may take to go out before SHUTDOWN is sent (AWS's
    /// runtime flushes them first, waiting up to a second: rapid/shutdown.go, then the events API's Flush).</summary>
    private static readonly TimeSpan TelemetryFlushLimit = TimeSpan.FromSeconds(1);

    /// <summary>The Telemetry and Logs APIs, for an environment with extensions (Extensions/Telemetry/); else null.</summary>
    private Extensions.Telemetry.EnvironmentTelemetry? _telemetry;

    /// <summary>The shutdown phase's limit with internal extensions only (the same list).</summary>
    private static readonly TimeSpan InternalOnlyShutdownLimit = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long the runtime has after its SIGTERM before its SIGKILL, within the phase's limit. RAPID gives it 30 % of
    /// the phase (rapid/shutdown.go: runtimeDeadlineShare = 0.3, "1. SIGTERM and wait until deadline 2. SIGKILL on
    /// deadline"), 600 ms of the 2,000 ms its standalone reset allows; the managed-instances RAPID has the same 600 ms
    /// as defaultRuntimeShutdownTimeout. With internal extensions only the phase's 500 ms bound it, as AWS's sample
    /// says ("500 ms for a runtime with an internal extension"). Its README's "up to 300 ms" with external extensions
    /// is not what either RAPID does: the code wins.
    /// </summary>
    private static readonly TimeSpan RuntimeShutdownLimit = TimeSpan.FromMilliseconds(600);

    /// <summary>The graceful shutdown under way, if any: set before the runtime's SIGTERM, so its exit is known as
    /// the shutdown's own (<see cref="OnExit"/>).</summary>
    private GracefulShutdown? _graceful;

    private (string Type, string Reason)? _extensionFailure;
    private Logs.InvocationReport.DeferredReport? _deferredReport;
    private ITimer? _extensionsOverdue;
    private int _shutdownBegun;

    /// <summary>
    /// The unit of concurrency of an invocation answered while its extensions still work (<see cref="AnswerBeforeExtensions"/>):
    /// taken over from the invocation, so the caller's answer does not give it back. AWS: "The Invoke phase ends after the
    /// runtime and all extensions signal that they are done by sending a Next API request" (runtimes-extensions-api), and
    /// until then the environment is busy, so it counts toward the function's concurrency: with reserved concurrency 1 a
    /// call in that window is throttled, not given a second environment. Given back once the environment is offered
    /// again (<see cref="OnExtensionNextAsync"/>), or at its end (<see cref="ReleaseExtensionsHold"/>, a reset).
    /// </summary>
    private Admission.AdmissionTicket _extensionsHold;

    /// <summary>This environment's extensions (none registered for most functions).</summary>
    public ExtensionSet ExtensionSet { get; }

    /// <summary>GET /event/next. When it brings the last INVOKE subscriber back, the environment is free again.</summary>
    public async Task<byte[]> OnExtensionNextAsync(string? identifier)
    {
        var next = ExtensionSet.Next(identifier, out bool becameIdle);
        if (becameIdle)
        {
            Admission.AdmissionTicket held = default;
            lock (_lock)
            {
                // Still idle under the lock (no later invocation began meanwhile), and before the environment can be
                // offered again: END and REPORT precede the next START.
                if (ExtensionSet.Idle)
                {
                    FinishDeferredReportLocked();
                    held = TakeExtensionsHoldLocked();
                    if (_parked is not null && _machine.State == EnvironmentState.Idle)
                    {
                        _telemetry?.Freeze(); // the runtime was already waiting in /next: every process waits now
                        ScheduleFreezeLocked();
                    }
                }
            }
            _owner.OnIdle(this); // listed only if the runtime has answered too (CanTakeInvocation)
            // Then the concurrency, as an invocation without extensions gives it back after its environment is offered
            // (ExecutionEnvironment.OnResultAsync, then DispatchLease): a call in between is throttled, it does not fork.
            if (held.IsHeld)
            {
                _owner.ReleaseAdmission(ref held);
            }
        }
        return await next.ConfigureAwait(false);
    }

    /// <summary>Under the lock: the extensions let this environment take an invocation (every INVOKE subscriber back in
    /// /event/next, the last REPORT written, no extension failed, no shutdown begun).</summary>
    private bool ExtensionsAllowInvocationLocked() =>
        ExtensionSet.Idle && _deferredReport is null && _extensionFailure is null && Volatile.Read(ref _shutdownBegun) == 0;

    /// <summary>
    /// The runtime answered while INVOKE subscribers still work: the caller gets the answer now (AWS: "Lambda returns
    /// the response to the client, even if extensions are still running"), and END and REPORT wait for the last one's
    /// /event/next, so Duration counts their time, as AWS's does. False when none is working (the usual case).
    /// </summary>
    private bool AnswerBeforeExtensions(Invocations.Invocation invocation, Func<Invocations.PooledPayload, Invocations.PooledPayload> takeBody, bool isError, string? errorType)
    {
        if (ExtensionSet.Idle)
        {
            return false;
        }
        long deadline = invocation.DeadlineUnixMs;
        lock (_lock)
        {
            // Decided under the lock: a subscriber that comes back now finds the deferred report (OnExtensionNextAsync).
            if (ExtensionSet.Idle)
            {
                return false;
            }
            // The environment keeps the invocation's concurrency until its extensions are done (the caller's answer,
            // published when OnResultAsync ends its hold, no longer gives it back: DispatchLease finds the ticket empty).
            System.Diagnostics.Debug.Assert(!_extensionsHold.IsHeld, "A second invocation answered before the extensions finished the first.");
            _extensionsHold = invocation.Admission;
            invocation.Admission = default;
            var deferred = _endings.AnsweredBeforeExtensions(invocation, takeBody(invocation.Response), isError, errorType, InitDuration());
            _deferredReport = deferred;
            // The function's timeout bounds the whole invoke phase, extensions included: a subscriber not back by the
            // deadline resets the environment. The timer is this report's: it acts only while the report is still pending.
            var left = TimeSpan.FromMilliseconds(Math.Max(1, deadline - _services.Time.GetUtcNow().ToUnixTimeMilliseconds()));
            _extensionsOverdue = _services.Time.CreateTimer(static s => ((OverdueWatch)s!).Fire(), new OverdueWatch(this, deferred), left, Timeout.InfiniteTimeSpan);
        }
        return true;
    }

    /// <summary>The deadline of one deferred report (see <see cref="AnswerBeforeExtensions"/>).</summary>
    private sealed record OverdueWatch(ExecutionEnvironment Environment, Logs.InvocationReport.DeferredReport Report)
    {
        public void Fire() => Environment.OnExtensionsOverdue(Report);
    }

    /// <summary>At the environment's end: the concurrency it kept for an invocation its extensions never finished (an
    /// extension crashed, overran the timeout, or the environment was stopped meanwhile). Held until then, as the
    /// environment is busy with its reset until it is gone.</summary>
    private void ReleaseExtensionsHold()
    {
        Admission.AdmissionTicket held;
        lock (_lock)
        {
            held = TakeExtensionsHoldLocked();
        }
        if (held.IsHeld)
        {
            _owner.ReleaseAdmission(ref held);
        }
    }

    /// <summary>The kept unit of concurrency, taken (at most one caller gets it); released by the caller outside the lock.</summary>
    private Admission.AdmissionTicket TakeExtensionsHoldLocked()
    {
        var held = _extensionsHold;
        _extensionsHold = default;
        return held;
    }

    /// <summary>END and REPORT of the deferred report, if one is pending; its deadline's timer goes with it.</summary>
    private void FinishDeferredReportLocked(string? status = null, string? errorType = null)
    {
        _extensionsOverdue?.Dispose();
        _extensionsOverdue = null;
        if (_deferredReport is { } deferred)
        {
            _deferredReport = null;
            _report.FinishAfterExtensions(deferred, status, errorType);
        }
    }

    /// <summary>The launcher says an extension exited with <paramref name="statusBody"/> (its exit status, as bash gives
    /// it: 128 + n for signal n). Outside a shutdown that is the environment's end: the invocation in progress (if the
    /// runtime has not answered yet) or waiting for init fails with the extension's error, as on AWS.</summary>
    public byte[] OnExtensionExited(string? name, byte[] statusBody)
    {
        int status = LaunchFailed;
        if (name is null || (!statusBody.AsSpan().SequenceEqual("launch"u8)
            && !int.TryParse(statusBody, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out status)))
        {
            return RuntimeApi.RuntimeReplies.BadRequest;
        }
        string? errorType;
        string reason = Describe(status, name);
        ExitStep step = default;
        lock (_lock)
        {
            // Recorded under the lock with the exit itself, so no invocation is assigned in between (ExtensionsAllowInvocationLocked).
            errorType = status == LaunchFailed ? ExtensionSet.FailedToLaunch(name) : ExtensionSet.Exited(name);
            if (errorType is not null && _extensionFailure is null)
            {
                _extensionFailure = (errorType, reason);
                FinishDeferredReportLocked("error", errorType); // answered, but the extension died before it was done
                // The invocation the runtime has not answered (or the one waiting for init) fails now, as AWS answers it
                // when the extension dies, not when the environment is finally gone.
                step = _machine.OnExit();
                _parked = null;
            }
        }
        if (errorType is null)
        {
            return ExtensionReplies.LauncherOk;
        }
        Console.Error.WriteLine($"[gateway] extension {name} of {Function.Name}: {reason}; environment {Id} ends ({errorType})");
        // An OOM kill of the extension (status 137) is the function's memory, as it is when the runtime is killed.
        _endings.Exited(step, default, InitDurationForReport(), InitDuration(), _containment.RanOutOfMemory(), CurrentInitPhase(), (errorType, reason));
        Stop("failure"); // the other extensions hear of the reset (SHUTDOWN) before the kill
        return ExtensionReplies.LauncherOk;
    }

    /// <summary>An extension file the launcher could not execute (it reports "launch", never an exit status).</summary>
    private const int LaunchFailed = -1;

    /// <summary>RAPID's words for how an extension ended (rapid/handlers.go watchEvents): "exit code 0" for a clean exit,
    /// else Go's exec error text. bash reports a signal as 128 + n, so an extension that itself exits 129–159 reads as
    /// killed by a signal.</summary>
    private static string Describe(int status, string name) => status switch
    {
        LaunchFailed => $"fork/exec /opt/extensions/{name}: permission denied",
        0 => "exit code 0",
        > 128 and < 160 => new Native.ChildExit(true, status - 128).Describe(),
        _ => new Native.ChildExit(false, status).Describe(),
    };

    /// <summary>
    /// Ends an environment that holds no invocation (scaled down, replaced by new code, the gateway stopping) or resets
    /// one (a timeout, a failure). With a registered extension the runtime gets SIGTERM, then the SHUTDOWN subscribers
    /// get the event with <paramref name="reason"/>, within the phase's limit (<see cref="ShutDownGracefullyAsync"/>);
    /// then the process group is killed. Without one that is at once, as before extensions existed.
    /// </summary>
    public void Stop(string reason = "spindown")
    {
        if (reason == "spindown")
        {
            Volatile.Write(ref _endedOnPurpose, 1); // even when a reset began first: the environment is not wanted again
        }
        if (Interlocked.Exchange(ref _shutdownBegun, 1) == 1)
        {
            return; // asked again (the gateway stopping during a spindown): the first one's kill comes within the limit
        }
        lock (_lock)
        {
            // A freeze in progress (ExecutionEnvironment.Freeze.cs) completes first, and none follows (it checks the
            // flag): the SIGTERM of a graceful shutdown continues the group and finds it running. No thaw here: a
            // shutdown without extensions is a SIGKILL, and a frozen environment's leftover work is not woken for it.
        }
        if (TryEndSettledReset())
        {
            return; // reset, with no process to shut down
        }
        ShutDown(reason);
    }

    /// <summary>PUT /2022-07-01/telemetry or /2020-08-15/logs from the extension <paramref name="identifier"/> names.</summary>
    public byte[] OnTelemetrySubscribe(string? identifier, Extensions.Telemetry.SubscriptionApi api, byte[] body)
    {
        if (ExtensionSet.Identify(identifier, out var name) is { } refusal)
        {
            return refusal;
        }
        var telemetry = _telemetry;
        if (telemetry is null)
        {
            // Only internal extensions here (the runtime's own process registered them): events from now on.
            lock (_lock)
            {
                telemetry = _telemetry ??= new Extensions.Telemetry.EnvironmentTelemetry(_services.Time);
                if (ExtensionSet.InitDone)
                {
                    telemetry.CloseSubscriptions();
                }
                if (_machine.State == EnvironmentState.Dead || Volatile.Read(ref _shutdownBegun) == 1)
                {
                    telemetry.Stop(); // ending (End may already have passed _telemetry by): refused as closed
                }
            }
            if (_report.Log is { } log)
            {
                log.Telemetry ??= telemetry;
            }
        }
        return telemetry.Subscribe(name, api, body);
    }

    /// <summary>Runs <paramref name="then"/> once the telemetry subscribers have their queued events (at most
    /// <see cref="TelemetryFlushLimit"/>); at once when nobody subscribed (the usual case).</summary>
    private bool FlushTelemetryFirst(Action then)
    {
        if (_telemetry is not { HasSubscribers: true } telemetry)
        {
            return false;
        }
        _ = FlushThenAsync(telemetry, then);
        return true;
    }

    private async Task FlushThenAsync(Extensions.Telemetry.EnvironmentTelemetry telemetry, Action then)
    {
        try
        {
            await telemetry.FlushAsync(TelemetryFlushLimit).ConfigureAwait(false);
        }
        finally
        {
            then();
        }
    }

    private void ShutDown(string reason)
    {
        var registered = ExtensionSet.BeginShutdown();
        if (registered == RegisteredExtensions.None)
        {
            Kill(); // most functions: "0 ms – A function with no registered extensions", RAPID's SIGKILL at once
            return;
        }
        var limit = registered == RegisteredExtensions.External ? ShutdownLimit : InternalOnlyShutdownLimit;
        var shutdown = new GracefulShutdown();
        Volatile.Write(ref _graceful, shutdown); // before the signal: the exit it causes must find it
        // The runtime alone gets SIGTERM (RAPID: supervisor.Terminate of the runtime's process; the extensions, in
        // process groups of their own there, get SHUTDOWN instead). AWS's sample: "it sends a SIGTERM signal to the
        // runtime and then a SHUTDOWN event to each registered external extension".
        if (!_process.SignalRuntime(Native.LibC.SIGTERM))
        {
            shutdown.RuntimeExited.TrySetResult(); // gone already (its own exit's OnExit did not see this shutdown)
        }
        _ = ShutDownGracefullyAsync(shutdown, reason, limit);
    }

    /// <summary>
    /// RAPID's order (rapid/shutdown.go shutdown: shutdownRuntime, then shutdownAgents): the runtime has until its
    /// share of the phase to exit after its SIGTERM, else it is killed; only then do the SHUTDOWN subscribers get the
    /// event, whose deadlineMs is the phase's end, and they have until then; then what is left of the process group
    /// is killed and the environment ends (<see cref="OnExit"/> waits for this). A reset (timeout, failure) is the same,
    /// as AWS says (runtimes-extensions-api, "Failure handling"): "The reset behaves like a Shutdown event. First, Lambda
    /// shuts down the runtime, then it sends a Shutdown event to each registered external extension."
    /// </summary>
    private async Task ShutDownGracefullyAsync(GracefulShutdown shutdown, string reason, TimeSpan limit)
    {
        try
        {
            var time = _services.Time;
            var deadline = time.GetUtcNow() + limit;
            var runtimeLimit = limit < RuntimeShutdownLimit ? limit : RuntimeShutdownLimit;
            var runtimeExited = shutdown.RuntimeExited.Task;
            await Task.WhenAny(runtimeExited, Task.Delay(runtimeLimit, time)).ConfigureAwait(false);
            if (!runtimeExited.IsCompleted)
            {
                // "Deadline: The runtime did not exit after deadline …; Killing it." RAPID's Kill returns once the exit
                // is collected: the extensions hear of the shutdown after the runtime is gone.
                _process.SignalRuntime(Native.LibC.SIGKILL);
                await Task.WhenAny(runtimeExited, Task.Delay(Remaining(deadline), time)).ConfigureAwait(false);
            }
            // Then the telemetry subscribers get what is queued (the last REPORT), before their SHUTDOWN: the
            // managed-instances RAPID's shutdown flushes the events API (up to a second) between the two.
            if (_telemetry is { HasSubscribers: true } telemetry)
            {
                var flushLimit = Remaining(deadline);
                await telemetry.FlushAsync(flushLimit < TelemetryFlushLimit ? flushLimit : TelemetryFlushLimit).ConfigureAwait(false);
            }
            if (ExtensionSet.Shutdown(reason, deadline.ToUnixTimeMilliseconds()) is { IsCompleted: false } extensionsExited)
            {
                await Task.WhenAny(extensionsExited, Task.Delay(Remaining(deadline), time)).ConfigureAwait(false);
            }
        }
        finally
        {
            Kill(); // the subscribers that did not exit in time, the rest of the group (the group only once the runtime exited)
            shutdown.Done.TrySetResult();
        }
    }

    private TimeSpan Remaining(DateTimeOffset deadline)
    {
        var left = deadline - _services.Time.GetUtcNow();
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    /// <summary>A graceful shutdown's two moments: the runtime's exit, and its end (the extensions done, the group killed).</summary>
    private sealed class GracefulShutdown
    {
        public TaskCompletionSource RuntimeExited { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Runs <paramref name="then"/> once the SHUTDOWN subscribers have exited or <see cref="ShutdownLimit"/> has passed.</summary>
    private async Task AfterShutdownAsync(Task exited, Action then)
    {
        try
        {
            await Task.WhenAny(exited, Task.Delay(ShutdownLimit, _services.Time)).ConfigureAwait(false);
        }
        finally
        {
            then();
        }
    }

    /// <summary>A deferred report's deadline passed: if that report is still pending (its extensions still working), the
    /// invocation's REPORT says timeout and the environment is reset (AWS: the function's timeout bounds the invoke phase).</summary>
    private void OnExtensionsOverdue(Logs.InvocationReport.DeferredReport report)
    {
        lock (_lock)
        {
            if (!ReferenceEquals(_deferredReport, report))
            {
                return; // the extensions came back in time, or the environment ended
            }
            FinishDeferredReportLocked("timeout");
            // Begun under the lock: a subscriber that comes back now cannot make it take another invocation.
            if (Interlocked.Exchange(ref _shutdownBegun, 1) == 1)
            {
                return; // already shutting down
            }
        }
        Console.Error.WriteLine($"[gateway] an extension of {Function.Name} did not finish its INVOKE within the timeout: environment {Id} is reset");
        ShutDown("timeout");
    }

    /// <summary>The runtime's first /next waits here until every registered extension waits in /event/next (init's end,
    /// as Lambda defines it); then the EXTENSION lines are written.</summary>
    private async ValueTask WhenExtensionsReadyAsync()
    {
        await ExtensionSet.WhenInitReady().ConfigureAwait(false);
        foreach (var (name, state, events) in ExtensionSet.Describe())
        {
            _report.Log?.WriteExtension(name, state, events);
        }
    }

    /// <summary>Called by the runtime's connection before it handles a /next: completes at once once init is done.</summary>
    public ValueTask ExtensionsInitAsync() => ExtensionSet.InitDone ? ValueTask.CompletedTask : WhenExtensionsReadyAsync();
}
