using Gateway.Invocations;

namespace Gateway.Environments;

// The reset after an invoke-phase failure: AWS keeps the execution environment and re-initializes it with the next
// invocation. EnvironmentStateMachine decides it (EnvironmentState.Reset); this carries it out with the init retry's
// machinery (ExecutionEnvironment.InitRetry.cs): the same spec, the same stdout, a new process generation.
internal sealed partial class ExecutionEnvironment
{
    /// <summary>Where a reset is, under the lock. The process the reset shut down must be gone, and what it left killed,
    /// before the re-init's process starts in the same cgroup.</summary>
    private enum ResetProgress
    {
        None,

        /// <summary>The reset's kill is sent (or the /init/error's process is about to be stopped): its exit comes.</summary>
        Exiting,

        /// <summary>The process has exited: what it left is being killed and its connections closed.</summary>
        Cleaning,

        /// <summary>Nothing of the old process is left: the next invocation assigned starts the re-init.</summary>
        Settled,

        /// <summary>The re-init's process is being spawned.</summary>
        Respawning,
    }

    private ResetProgress _resetProgress;

    /// <summary>Read by the pool without this environment's lock: an idle environment that needs a re-init (a warm
    /// one is picked before it).</summary>
    private volatile bool _needsReInit;

    /// <summary>Reset after a failure in the invoke phase: idle, but the invocation it takes first runs a new init.</summary>
    public bool NeedsReInit => _needsReInit;

    /// <summary>
    /// Under the lock: an invoke-phase failure may reset this environment instead of ending it. On demand and without
    /// external extensions (the process spec and the log stream's writer are kept for a respawn, as for the init retry:
    /// <see cref="_retry"/>), no extension registered (their processes and registrations would have to be relaunched and
    /// registered again: those environments are replaced, as before), and the environment is not being stopped.
    /// </summary>
    private bool MayResetLocked() =>
        Volatile.Read(ref _retry) is not null && Volatile.Read(ref _shutdownBegun) == 0 && !ExtensionSet.AnyRegistered;

    /// <summary>Under the lock: the state machine reset the environment and the process still runs (a timeout, an
    /// /init/error): its exit (<see cref="OnExit"/>) settles the reset.</summary>
    private void BeginResetLocked(ResetProgress progress)
    {
        _resetProgress = progress;
        _needsReInit = true;
    }

    /// <summary>
    /// The reset environment goes back to the pool as an idle one before the failed invocation is answered, so the
    /// caller's next invocation, however quick, finds it (and runs its re-init) rather than starting a new environment.
    /// </summary>
    private void OfferAfterReset() => _owner.OnIdle(this);

    /// <summary>
    /// After the exit of the process a reset shut down: what it left goes (the whole cgroup, as the init retry does:
    /// AWS resets the sandbox), its Runtime API connections close, and a new process generation is prepared; then the
    /// re-init starts if an invocation was assigned meanwhile, else the environment waits for one (<see cref="TryAssign"/>).
    /// The environment keeps its log stream, its AWS_LAMBDA_LOG_STREAM_NAME, its Runtime API endpoint and its /tmp.
    /// </summary>
    private async Task SettleResetAsync()
    {
        _process.Kill(); // the group only: the pid was reaped
        _process.ResetForRetry(); // a new generation: a late kill of the old process does not reach the re-init's
        await Task.Run(_containment.ResetForRetry).ConfigureAwait(false); // blocks while the processes exit (best effort)
        CloseFirstAttemptConnections();
        bool respawn = false;
        bool end = false;
        Invocation? waiting = null;
        lock (_lock)
        {
            if (Volatile.Read(ref _shutdownBegun) == 1)
            {
                waiting = _machine.EndReset(); // stopped meanwhile: no re-init
                _resetProgress = ResetProgress.None;
                end = true;
            }
            else if (_machine.Pending is not null)
            {
                StartReInitLocked();
                respawn = true;
            }
            else
            {
                _resetProgress = ResetProgress.Settled;
            }
        }
        if (end)
        {
            EndAfterReset(waiting);
        }
        else if (respawn)
        {
            await ReInitAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Under the lock, with an invocation assigned to the settled reset environment: its re-init starts.</summary>
    private void StartReInitLocked()
    {
        _resetProgress = ResetProgress.Respawning;
        _needsReInit = false;
        _report.ResetPeakMemory(); // the old process's peak is not the new one's
        _machine.Spawning(); // init in the invoke phase, on the invocation's clock, from now
    }

    /// <summary>
    /// The re-init: a new bootstrap process in the same environment, with the first one's spec and stdout. Its output
    /// comes before the invocation's START (written at its first /next); no INIT_START, no INIT_REPORT when it succeeds.
    /// </summary>
    private async Task ReInitAsync()
    {
        var retry = Volatile.Read(ref _retry); // kept for the environment's life once a reset may come (CloseRetryOutput at its end)
        try
        {
            await _process.SpawnAsync(retry!.Spec ??= retry.Build()).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            lock (_lock)
            {
                _resetProgress = ResetProgress.None;
            }
            FailToStart(InvalidEntrypoint.ErrorType, InvalidEntrypoint.Message(ex, _bootstrapCandidates), InitDurationForReport());
            return;
        }
        lock (_lock)
        {
            _resetProgress = ResetProgress.None;
        }
        if (Volatile.Read(ref _shutdownBegun) == 1)
        {
            Kill(); // stopped while the re-init spawned: its kill may have come before the process was there
        }
        _process.Watch(OnExit);
    }

    /// <summary>Called after the state machine took <paramref name="invocation"/>: a reset environment that has settled
    /// starts its re-init now (otherwise <see cref="SettleResetAsync"/> starts it when it has).</summary>
    private bool ReInitDueLocked()
    {
        if (_machine.State != EnvironmentState.Reset || _resetProgress != ResetProgress.Settled)
        {
            return false;
        }
        StartReInitLocked();
        return true;
    }

    /// <summary>
    /// <see cref="Stop"/> of a reset environment with no process (settled, nothing assigned): it ends now, as nothing
    /// else would (an exit ends the others). False when a process is still there or coming: its exit, or the end of the
    /// settling or the spawn, sees the stop.
    /// </summary>
    private bool TryEndSettledReset()
    {
        Invocation? waiting;
        lock (_lock)
        {
            if (_machine.State != EnvironmentState.Reset || _resetProgress != ResetProgress.Settled)
            {
                return false;
            }
            _resetProgress = ResetProgress.None;
            waiting = _machine.EndReset();
        }
        EndAfterReset(waiting);
        return true;
    }

    /// <summary>A reset environment ends (stopped with no process): the invocation that waited for its re-init, if any,
    /// fails as one whose runtime was killed, and the environment cleans up.</summary>
    private void EndAfterReset(Invocation? waiting)
    {
        if (waiting is not null)
        {
            InvocationEndings.FailedToStart(waiting, "Runtime.ExitError", "Runtime exited with error: signal: killed");
        }
        CloseRetryOutput();
        End();
    }
}
