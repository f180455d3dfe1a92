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
/// The freeze comes <see cref="EnvironmentServices.FreezeIdleAfter"/> (20 ms by default) after the environment went idle,
/// not at once: an environment that gets its next invocation sooner (a load test's) is never stopped and started, which
/// would cost two signals and two wake-ups per invocation. Every path that needs the processes running thaws first:
/// a dispatch (<see cref="TryAssign"/>), a shutdown's SIGTERM (<see cref="WorkerProcess.SignalRuntime"/>, which
/// continues the whole group, so the extensions get their SHUTDOWN too); a kill needs no thaw (a stopped process dies of
/// SIGKILL), so an environment stopped without extensions is killed frozen, as AWS does not wake it either.
/// </remarks>
internal sealed partial class ExecutionEnvironment
{
    private ITimer? _freezeTimer; // made at the first idle; disposed with the environment

    /// <summary>Under the lock, when every process of the environment waits (the runtime in /next, each extension in
    /// /event/next): the freeze is due after the configured time, unless an invocation comes first.</summary>
    private void ScheduleFreezeLocked()
    {
        if (_services.FreezeIdleAfter is not { } after || Volatile.Read(ref _shutdownBegun) == 1)
        {
            return;
        }
        if (after <= TimeSpan.Zero)
        {
            _process.Freeze();
            return;
        }
        _freezeTimer ??= _services.Time.CreateTimer(static state => ((ExecutionEnvironment)state!).FreezeIfStillIdle(), this,
            Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _freezeTimer.Change(after, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The timer: freezes only if the environment is still idle (an invocation may have come and gone meanwhile,
    /// re-arming the timer; then this call is early and the next one freezes). While a Telemetry or Logs API batch is
    /// on its way to an extension's listener the freeze waits (again the configured time): a stopped listener would
    /// answer only in the next invocation, after the post had timed out and been sent again.</summary>
    private void FreezeIfStillIdle()
    {
        lock (_lock)
        {
            if (_parked is null || _machine.State != EnvironmentState.Idle || !ExtensionSet.Idle || Volatile.Read(ref _shutdownBegun) != 0)
            {
                return;
            }
            if (_telemetry is { Sending: true })
            {
                ScheduleFreezeLocked();
                return;
            }
            _process.Freeze();
        }
    }

    private void DisposeFreezeTimer()
    {
        ITimer? timer;
        lock (_lock)
        {
            timer = _freezeTimer;
            _freezeTimer = null;
        }
        timer?.Dispose();
    }
}
