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

    private (string Type, string Reason)? _extensionFailure;
    private Logs.InvocationReport.DeferredReport? _deferredReport;
    private ITimer? _extensionsOverdue;
    private int _stopping;

    public ExtensionSet Extensions { get; }

    /// <summary>GET /event/next. When it brings the last INVOKE subscriber back, the environment is free again.</summary>
    public async Task<byte[]> OnExtensionNextAsync(string? identifier)
    {
        var next = Extensions.Next(identifier, out bool becameIdle);
        if (becameIdle)
        {
            lock (_lock)
            {
                _extensionsOverdue?.Dispose();
                _extensionsOverdue = null;
                // Under the lock, before the environment can be offered again: END and REPORT precede the next START.
                FinishDeferredReportLocked();
            }
            _owner.OnIdle(this); // listed only if the runtime has answered too (CanTakeInvocation)
        }
        return await next.ConfigureAwait(false);
    }

    /// <summary>
    /// The runtime answered while INVOKE subscribers still work: the caller gets the answer now (AWS: "Lambda returns
    /// the response to the client, even if extensions are still running"), and END and REPORT wait for the last one's
    /// /event/next, so Duration counts their time, as AWS's does. False when none is working (the usual case).
    /// </summary>
    private bool AnswerBeforeExtensions(Invocations.Invocation invocation, Func<Invocations.PooledPayload, Invocations.PooledPayload> takeBody, bool isError, string? errorType)
    {
        if (Extensions.Idle)
        {
            return false;
        }
        long deadline = invocation.DeadlineUnixMs;
        lock (_lock)
        {
            // Decided under the lock: a subscriber that comes back now finds the deferred report (OnExtensionNextAsync).
            if (Extensions.Idle)
            {
                return false;
            }
            _deferredReport = _endings.AnsweredBeforeExtensions(invocation, takeBody(invocation.Response), isError, errorType, InitDuration());
        }
        WatchExtensionsAfterAnswer(deadline);
        return true;
    }

    private void FinishDeferredReportLocked(string? status = null, string? errorType = null)
    {
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
        if (name is null || !int.TryParse(statusBody, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int status))
        {
            return RuntimeApi.RuntimeReplies.BadRequest;
        }
        if (Extensions.Exited(name) is { } errorType)
        {
            // RAPID's words (rapid/handlers.go watchEvents): "exit code 0" for a clean exit, else Go's exec error text.
            var reason = status == 0 ? "exit code 0" : (status > 128 ? new Native.ChildExit(true, status - 128) : new Native.ChildExit(false, status)).Describe();
            lock (_lock)
            {
                _extensionFailure ??= (errorType, reason);
            }
            Console.Error.WriteLine($"[gateway] extension {name} of {Function.Name} exited ({reason}): environment {Id} ends ({errorType})");
            Kill();
        }
        return ExtensionReplies.LauncherOk;
    }

    /// <summary>
    /// Ends an environment that holds no invocation (scaled down, replaced by new code, the gateway stopping): SHUTDOWN
    /// subscribers get the event with <paramref name="reason"/> and up to <see cref="ShutdownLimit"/> to exit, then the
    /// process group is killed. Without a subscriber that is at once, as before extensions existed.
    /// </summary>
    public void Stop(string reason = "spindown")
    {
        if (Interlocked.Exchange(ref _stopping, 1) == 1)
        {
            Kill();
            return;
        }
        var deadline = _services.Time.GetUtcNow() + ShutdownLimit;
        if (Extensions.Shutdown(reason, deadline.ToUnixTimeMilliseconds()) is not { } exited)
        {
            Kill();
            return;
        }
        _ = KillWhenShutDownAsync(exited);
    }

    private async Task KillWhenShutDownAsync(Task exited)
    {
        try
        {
            await Task.WhenAny(exited, Task.Delay(ShutdownLimit, _services.Time)).ConfigureAwait(false);
        }
        finally
        {
            Kill();
        }
    }

    /// <summary>The runtime has answered while INVOKE subscribers still work: they have until the invocation's deadline
    /// (the function's timeout bounds the whole invoke phase, extensions included), then the environment is reset.</summary>
    private void WatchExtensionsAfterAnswer(long deadlineUnixMs)
    {
        if (Extensions.Idle)
        {
            return;
        }
        var left = TimeSpan.FromMilliseconds(Math.Max(1, deadlineUnixMs - _services.Time.GetUtcNow().ToUnixTimeMilliseconds()));
        lock (_lock)
        {
            _extensionsOverdue?.Dispose();
            _extensionsOverdue = _services.Time.CreateTimer(static s => ((ExecutionEnvironment)s!).OnExtensionsOverdue(), this, left, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnExtensionsOverdue()
    {
        if (!Extensions.Idle)
        {
            lock (_lock)
            {
                FinishDeferredReportLocked("timeout");
            }
            Console.Error.WriteLine($"[gateway] an extension of {Function.Name} did not finish its INVOKE within the timeout: environment {Id} is reset");
            Stop("timeout");
        }
    }

    /// <summary>The runtime's first /next waits here until every registered extension waits in /event/next (init's end,
    /// as Lambda defines it); then the EXTENSION lines are written.</summary>
    private async ValueTask WhenExtensionsReadyAsync()
    {
        await Extensions.WhenInitReady().ConfigureAwait(false);
        foreach (var (name, state, events) in Extensions.Describe())
        {
            _report.Log?.WriteExtension(name, state, events);
        }
    }

    /// <summary>Called by the runtime's connection before it handles a /next: completes at once once init is done.</summary>
    public ValueTask ExtensionsInitAsync() => Extensions.InitDone ? ValueTask.CompletedTask : WhenExtensionsReadyAsync();
}
