using Gateway.Extensions;

namespace Gateway.Environments;

// Lambda extensions in this environment: what the Extensions API's routes call (through the Runtime API connection),
// and how the environment's lifecycle waits for them: init ends when every extension waits in /event/next, the
// environment takes its next invocation only when each INVOKE subscriber is back there, an extension's exit resets
// the environment, and a normal end (spindown, a timeout) gives SHUTDOWN subscribers up to 2 s before the kill.
internal sealed partial class ExecutionEnvironment
{
    /// <summary>How long SHUTDOWN subscribers have before the kill (AWS: 2,000 ms with an external extension).</summary>
    private static readonly TimeSpan ShutdownLimit = TimeSpan.FromMilliseconds(2000);

    /// <summary>How long the telemetry subscribers' queued events may take to go out before SHUTDOWN is sent (AWS's
    /// runtime flushes them first, waiting up to a second: rapid/shutdown.go, then the events API's Flush).</summary>
    private static readonly TimeSpan TelemetryFlushLimit = TimeSpan.FromSeconds(1);

    /// <summary>The Telemetry and Logs APIs, for an environment with extensions (Extensions/Telemetry/); else null.</summary>
    private Extensions.Telemetry.EnvironmentTelemetry? _telemetry;

    private (string Type, string Reason)? _extensionFailure;
    private Logs.InvocationReport.DeferredReport? _deferredReport;
    private ITimer? _extensionsOverdue;
    private int _shutdownBegun;

    /// <summary>This environment's extensions (none registered for most functions).</summary>
    public ExtensionSet ExtensionSet { get; }

    /// <summary>GET /event/next. When it brings the last INVOKE subscriber back, the environment is free again.</summary>
    public async Task<byte[]> OnExtensionNextAsync(string? identifier)
    {
        var next = ExtensionSet.Next(identifier, out bool becameIdle);
        if (becameIdle)
        {
            lock (_lock)
            {
                // Still idle under the lock (no later invocation began meanwhile), and before the environment can be
                // offered again: END and REPORT precede the next START.
                if (ExtensionSet.Idle)
                {
                    FinishDeferredReportLocked();
                }
            }
            _owner.OnIdle(this); // listed only if the runtime has answered too (CanTakeInvocation)
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
    /// Ends an environment that holds no invocation (scaled down, replaced by new code, the gateway stopping): SHUTDOWN
    /// subscribers get the event with <paramref name="reason"/> and up to <see cref="ShutdownLimit"/> to exit, then the
    /// process group is killed. Without a subscriber that is at once, as before extensions existed.
    /// </summary>
    public void Stop(string reason = "spindown")
    {
        if (Interlocked.Exchange(ref _shutdownBegun, 1) == 1)
        {
            return; // asked again (the gateway stopping during a spindown): the first one's kill comes within the limit
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
        if (FlushTelemetryFirst(() => ShutDownExtensions(reason)))
        {
            return;
        }
        ShutDownExtensions(reason);
    }

    private void ShutDownExtensions(string reason)
    {
        var deadline = _services.Time.GetUtcNow() + ShutdownLimit;
        if (ExtensionSet.Shutdown(reason, deadline.ToUnixTimeMilliseconds()) is not { } exited)
        {
            Kill();
            return;
        }
        _ = AfterShutdownAsync(exited, Kill);
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
