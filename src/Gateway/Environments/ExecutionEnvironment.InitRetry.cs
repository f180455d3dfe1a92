using Gateway.Invocations;
using Gateway.Native;
using Gateway.RuntimeApi;

namespace Gateway.Environments;

// The init retry (AWS's "suppressed init"): a failed on-demand init is run again, once, in the same environment, before
// the invocation that waited for it is answered. EnvironmentStateMachine decides it; this carries it out.
internal sealed partial class ExecutionEnvironment
{
    /// <summary>What a retry needs, held only while one may come: the first attempt's spec (null when its build threw:
    /// built again then) and its stdout's writer end, which must stay open for the retry's process to inherit.</summary>
    private sealed class InitRetry(Func<SpawnSpec> build, OutputChannel output)
    {
        public Func<SpawnSpec> Build { get; } = build;

        public OutputChannel Output { get; } = output;

        public SpawnSpec? Spec { get; set; }
    }

    /// <summary>Set in <see cref="StartAsync"/> (on demand, without external extensions) and kept for the init retry and
    /// the re-inits after a reset; null once the writer end is closed (<see cref="CloseRetryOutput"/>: the environment
    /// ends, or an extension registered), so a closed fd number is never handed to a spawn.</summary>
    private InitRetry? _retry;

    /// <summary>Answers the waiting invocation with the failure the retry suppressed (its INIT_REPORT written) when the
    /// retry is called off by a stop; set under the lock when the retry is decided.</summary>
    private Action<Invocation>? _suppressedAnswer;

    /// <summary>The process generation (<see cref="WorkerProcess.Generation"/>) whose /init/error was accepted last:
    /// the one <see cref="StopAfterInitError"/> stops.</summary>
    private int _initErrorGeneration;

    /// <summary>The first attempt's Runtime API connections were closed for the retry: a request that still arrives on
    /// one of them (parsed before the close) is refused.</summary>
    private bool _connectionsRetired;

    /// <summary>Under the lock: a failed init may be retried now (<see cref="EnvironmentStateMachine"/> decides whether it
    /// is): the process spec and the open output are kept for it (on demand, no external extensions), no extension
    /// registered (its process and registration would outlive the respawn), and the environment is not being stopped.</summary>
    private bool MayRetryInitLocked() =>
        Volatile.Read(ref _retry) is not null && Volatile.Read(ref _shutdownBegun) == 0 && !ExtensionSet.AnyRegistered;

    /// <summary>Under the lock, the exit that decided the retry: if a stop calls it off, the waiting invocation gets
    /// that exit's error.</summary>
    private void SuppressExitLocked(ChildExit exit, bool outOfMemory)
    {
        var seen = _services.Sandbox.SeenExit(exit);
        double? initDurationMs = _machine.InitDurationMs;
        _suppressedAnswer = waiting => _endings.Exited(new ExitStep(null, waiting), seen, 0, initDurationMs, outOfMemory, initReported: true);
    }

    /// <summary>Under the lock, the /init/error that decided the retry: its body is kept as the answer if a stop calls
    /// the retry off (as it was the answer before retries).</summary>
    private void SuppressInitErrorLocked(string? errorType, Func<PooledPayload, PooledPayload> takeBody)
    {
        var body = takeBody(new PooledPayload());
        double? initDurationMs = _machine.InitDurationMs;
        _suppressedAnswer = waiting => _ = _endings.InitFailedAsync(waiting, _ => body, errorType, 0, initDurationMs, Logs.InitPhase.Init, initReported: true);
    }

    private void AnswerSuppressedFailure(Invocation waiting)
    {
        Action<Invocation>? answer;
        lock (_lock)
        {
            answer = _suppressedAnswer;
            _suppressedAnswer = null;
        }
        if (answer is not null)
        {
            answer(waiting);
        }
        else
        {
            InvocationEndings.FailedToStart(waiting, "Runtime.ExitError", "Runtime exited with error: signal: killed"); // (not reached)
        }
    }

    /// <summary>The failed init's process has exited (or never started): what is left of its group goes, and the
    /// retry's process starts in this environment.</summary>
    private void RetryInit()
    {
        _process.Kill(); // the group only: the pid was reaped (children the bootstrap left, as a new init would not see them on AWS)
        _process.ResetForRetry(); // a new generation: a late StopAfterInitError of the failed one does not reach the retry
        _report.ResetPeakMemory(); // the failed attempt's peak is not the retry's
        _ = RetryInitAsync();
    }

    /// <summary>
    /// The init retry (AWS's "suppressed init"): a new bootstrap process in the same environment — same log stream and
    /// AWS_LAMBDA_LOG_STREAM_NAME, same Runtime API endpoint, same /tmp, no second INIT_START — whose init runs in the
    /// invoke phase within the waiting invocation's timeout (<see cref="EnvironmentStateMachine.Spawning"/>). Recorded
    /// CloudWatch logs of a Python ImportModuleError, a Node exit during init and a provided.al2023 bootstrap that cannot
    /// start all show it: the first INIT_REPORT says Phase: init, the second Phase: invoke.
    /// </summary>
    /// <remarks>
    /// AWS resets the sandbox before a suppressed init; here the environment stays, so nothing of the first attempt may
    /// reach the retry: every process left in the environment's cgroup is killed (a daemon that called setsid escapes
    /// the group kill, and could hold a lock the retry needs or post /init/error into it), and the first attempt's
    /// Runtime API connections are closed. Without a cgroup (<c>--containment none</c>) only the process group goes.
    /// </remarks>
    private async Task RetryInitAsync()
    {
        // Not taken: the state machine allows one retry, and the spec and the writer stay for a later reset's re-init
        // (ExecutionEnvironment.Reset.cs); CloseRetryOutput closes the writer when the environment ends.
        var retry = Volatile.Read(ref _retry);
        await Task.Run(_containment.ResetForRetry).ConfigureAwait(false); // blocks while the processes exit (best effort)
        CloseFirstAttemptConnections();
        bool cancelled;
        Invocation? waiting = null;
        lock (_lock)
        {
            cancelled = retry is null || Volatile.Read(ref _shutdownBegun) == 1;
            if (cancelled)
            {
                waiting = _machine.CancelRetry(); // stopped while the retry was being decided: none is spawned
            }
            else
            {
                _machine.Spawning();
            }
        }
        if (cancelled)
        {
            CloseRetryOutput();
            HandOverTmpAtReset();
            if (waiting is not null)
            {
                AnswerSuppressedFailure(waiting);
            }
            End();
            return;
        }
        Volatile.Write(ref _suppressedAnswer, null);
        try
        {
            // The first attempt's spec, or (its build failed: the sandbox's check of the executable) built now. Only the
            // spawn is a start failure: anything else failing here is not the bootstrap's.
            await _process.SpawnAsync(retry!.Spec ??= retry.Build()).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            FailToStart(InvalidEntrypoint.ErrorType, InvalidEntrypoint.Message(ex, _bootstrapCandidates), InitDurationForReport());
            return;
        }
        if (Volatile.Read(ref _shutdownBegun) == 1)
        {
            Kill(); // stopped while the retry spawned: its kill may have come before the process was there
        }
        _process.Watch(OnExit);
    }

    /// <summary>Closes the Runtime API connections the first attempt opened (its process and whatever it left are dead):
    /// a request of theirs parsed before the close is refused (<see cref="IsRetiredLocked"/>).</summary>
    private void CloseFirstAttemptConnections()
    {
        IRuntimeApiConnection[] connections;
        lock (_lock)
        {
            connections = [.. _connections];
            _connections.Clear();
            _parked = null;
            _connectionsRetired = true;
        }
        foreach (var connection in connections)
        {
            connection.Close();
        }
    }

    /// <summary>Under the lock: <paramref name="connection"/> belongs to a failed init attempt (closed for the retry).
    /// One bool read on the usual path.</summary>
    private bool IsRetiredLocked(IRuntimeApiConnection connection) => _connectionsRetired && !_connections.Contains(connection);

    /// <summary>Closes the gateway's copy of the worker's stdout once no init retry or re-init can come (the environment
    /// ends, or an extension registered): the log stream ends when its last writer closes. Once only.</summary>
    private void CloseRetryOutput() => Interlocked.Exchange(ref _retry, null)?.Output.CloseWriter();
}
