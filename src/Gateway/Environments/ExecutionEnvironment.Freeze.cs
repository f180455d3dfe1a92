namespace Gateway.Environments;

/// <summary>
/// Freezing between invocations. AWS: "After the function and all extensions have completed, Lambda maintains the
/// execution environment for some time in anticipation of another function invocation. In effect, Lambda freezes the
/// execution environment", and "Background processes or callbacks that were initiated by your Lambda function that did
/// not complete when the function ended resume if Lambda reuses the execution environment" (lambda-runtime-environment).
/// So a timer the handler set, or a thread it left, runs here only during the next invocation, as there: a function that
/// relies on work after its return finishing while idle fails here as it would on AWS.
/// </summary>
/// <remarks>
/// The freeze comes once the environment has been idle, and its function has given none of its environments an
/// invocation, for <see cref="IdleFreezer.After"/> (<c>--freeze-idle-ms</c>, 20 ms by default), not at once. Measured
/// (docs/performance.md, 2026-12-08): a timer per environment that froze it 20 ms after its own last invocation cost a
/// closed-loop load test ~10 µs of gateway CPU per invocation (the least-used environments of the pool were stopped and
/// continued between bursts, and their timers woke every 20 ms); with the function's quiet as the condition and one
/// thread for the gateway (<see cref="IdleFreezer"/>), a function under steady traffic is never frozen (its environments'
/// gaps are short anyway) and one that pauses is,
/// every idle environment of it. Every path that needs the processes running thaws first:
/// a dispatch (<see cref="TryAssign"/>), a shutdown's SIGTERM (<see cref="WorkerProcess.SignalRuntime"/>, which
/// continues the whole group, so the extensions get their SHUTDOWN too); a kill needs no thaw (a stopped process dies of
/// SIGKILL), so an environment stopped without extensions is killed frozen, as AWS does not wake it either.
/// </remarks>
internal sealed partial class ExecutionEnvironment
{
    private long _idleSince; // when the environment last went idle (a TimeProvider timestamp)
    private bool _freezeQueued; // in the IdleFreezer's queue (under the lock)

    /// <summary>Under the lock, when every process of the environment waits (the runtime in /next, each extension in
    /// /event/next): the freeze is due once the environment and its function have been quiet long enough.</summary>
    private void ScheduleFreezeLocked()
    {
        if (Volatile.Read(ref _shutdownBegun) == 1)
        {
            return;
        }
        if (_services.FreezeAtOnce && _telemetry is not { Sending: true })
        {
            _process.Freeze();
        }
        else if (_services.Freezer is { } freezer)
        {
            // Due after the quiet time, or (at once) as soon as a Telemetry or Logs API batch is no longer on its way:
            // FreezeIfQuiet.
            _idleSince = _services.Time.GetTimestamp();
            if (!_freezeQueued)
            {
                _freezeQueued = true;
                freezer.Enqueue(this);
            }
        }
    }

    /// <summary>
    /// The <see cref="IdleFreezer"/>'s look: true when this environment is done with (frozen now, no longer idle, or
    /// ending: a later idle queues it again), false to be looked at again (idle, but it or its function has not been
    /// quiet for <paramref name="after"/>, or a Telemetry or Logs API batch is on its way to an extension's listener: a
    /// stopped listener would answer only in the next invocation, after the post had timed out and been sent again).
    /// </summary>
    public bool FreezeIfQuiet(TimeSpan after)
    {
        lock (_lock)
        {
            if (_parked is null || _machine.State != EnvironmentState.Idle || !ExtensionSet.Idle || Volatile.Read(ref _shutdownBegun) != 0)
            {
                _freezeQueued = false;
                return true;
            }
            if (_services.Time.GetElapsedTime(_idleSince) < after || _telemetry is { Sending: true }
                || (_owner.LastAssignedTimestamp is var assigned and not 0 && _services.Time.GetElapsedTime(assigned) < after))
            {
                return false;
            }
            _process.Freeze();
            _freezeQueued = false;
            return true;
        }
    }
}
