using Gateway.Admission;
using Gateway.Functions;
using Gateway.Invocations;
using Gateway.RuntimeApi;

namespace Gateway.Environments;

internal enum DispatchResult
{
    /// <summary>The invocation has an environment; await its completion.</summary>
    Assigned,

    /// <summary>No idle environment and no room to start one (MaxEnvironments): a throttle.</summary>
    NoCapacity,

    /// <summary>Lambda's admission rules refused it (concurrency, request rate, burst): see the ThrottleDecision.</summary>
    Throttled,

    /// <summary>The gateway is shutting down.</summary>
    Stopping,
}

/// <summary>
/// The execution environments of one function: the pre-forked (provisioned) ones started before the first
/// invocation and kept at that count, plus on-demand ones started when every environment is busy, up to the
/// function's MaxEnvironments.
/// </summary>
/// <remarks>
/// Idle environments are a stack, so the most recently used (warmest) one is picked first. A sync invocation
/// never waits for a busy environment: with none idle and no room to start one, it is a throttle, as on Lambda.
/// The lock is per function and held only for list operations.
/// </remarks>
internal sealed class EnvironmentPool : IEnvironmentOwner
{
    private readonly EnvironmentServices _services;
    private readonly AdmissionController _admission;
    private readonly object _lock = new();
    private readonly List<ExecutionEnvironment> _all = [];
    private readonly List<ExecutionEnvironment> _idle = [];
    private readonly List<ExecutionEnvironment> _startingUnclaimed = [];
    private TaskCompletionSource _capacityChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _capacityWatched;
    private readonly Dictionary<ExecutionEnvironment, long> _idleSince = [];
    private int _consecutiveInitFailures;
    private bool _stopping;
    private ITimer? _scaleDownTimer;

    public EnvironmentPool(EnvironmentServices services, FunctionDefinition function, AdmissionController admission, FunctionAdmission functionAdmission)
    {
        _services = services;
        _admission = admission;
        Function = function;
        Admission = functionAdmission;
    }

    public FunctionDefinition Function { get; }

    /// <summary>This function's concurrency accounting in the account-wide admission controller.</summary>
    public FunctionAdmission Admission { get; }

    /// <summary>Invocations, errors, throttles and durations, for /metrics.</summary>
    public Metrics.FunctionMetrics Metrics { get; } = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _all.Count;
            }
        }
    }

    public int IdleCount
    {
        get
        {
            lock (_lock)
            {
                return _idle.Count;
            }
        }
    }

    /// <summary>A snapshot of the environments (for tests and diagnostics).</summary>
    public IReadOnlyList<ExecutionEnvironment> Snapshot()
    {
        lock (_lock)
        {
            return [.. _all];
        }
    }

    /// <summary>Starts the pre-forked environments; they initialise in the background.</summary>
    public void StartProvisioned()
    {
        for (int i = 0; i < Function.ProvisionedEnvironments; i++)
        {
            ExecutionEnvironment environment;
            lock (_lock)
            {
                environment = AddLocked(provisioned: true, claimed: false);
            }
            _ = environment.StartAsync();
        }
    }

    /// <summary>
    /// Admits <paramref name="invocation"/> (Lambda's concurrency, request-rate and burst rules) and finds it an
    /// environment: the warmest idle one, else one still starting that nobody claimed, else a new on-demand one if the
    /// function has room. When the chosen runtime is already waiting in /next, <paramref name="deliverTo"/> is set and
    /// the caller writes the event to it. On success the invocation holds a unit of concurrency
    /// (<see cref="Invocation.Admission"/>) that the caller releases when the invocation ends.
    /// </summary>
    /// <param name="chargeRequest">True for an invoke request (sync); false for a queued Event, whose request was
    /// charged when it was accepted.</param>
    public DispatchResult TryDispatch(Invocation invocation, bool chargeRequest, out RuntimeApiConnection? deliverTo, out ThrottleDecision throttle)
    {
        deliverTo = null;
        throttle = ThrottleDecision.Admitted;
        bool burstTokenHeld = false;
        for (int attempt = 0; attempt < 16; attempt++)
        {
            ExecutionEnvironment? environment = null;
            bool isNew = false;
            lock (_lock)
            {
                if (_stopping)
                {
                    _admission.Release(ref invocation.Admission);
                    return DispatchResult.Stopping;
                }
                bool needsNew = _idle.Count == 0 && _startingUnclaimed.Count == 0;
                if (needsNew && _all.Count >= Function.MaxEnvironments)
                {
                    _admission.Release(ref invocation.Admission);
                    return DispatchResult.NoCapacity;
                }
                // Admission is a few CAS operations (no allocation, no lock of its own), so it can run here, where
                // "does this invocation need a new environment" is known.
                if (attempt == 0)
                {
                    throttle = chargeRequest
                        ? _admission.TryAdmit(Admission, needsNew, out invocation.Admission)
                        : _admission.TryAdmitQueued(Admission, needsNew, out invocation.Admission);
                    if (throttle.IsThrottled)
                    {
                        return DispatchResult.Throttled;
                    }
                    burstTokenHeld = needsNew;
                }
                else if (needsNew && !burstTokenHeld)
                {
                    // The idle environment picked before died: starting a new one needs a burst token after all.
                    throttle = _admission.TryStartEnvironment(Admission);
                    if (throttle.IsThrottled)
                    {
                        _admission.Release(ref invocation.Admission);
                        return DispatchResult.Throttled;
                    }
                    burstTokenHeld = true;
                }
                if (_idle.Count > 0)
                {
                    environment = _idle[^1];
                    _idle.RemoveAt(_idle.Count - 1);
                    _idleSince.Remove(environment);
                }
                else if (_startingUnclaimed.Count > 0)
                {
                    environment = _startingUnclaimed[0];
                    _startingUnclaimed.RemoveAt(0);
                }
                else
                {
                    environment = AddLocked(provisioned: false, claimed: true);
                    isNew = true;
                }
            }
            if (environment.TryAssign(invocation, out deliverTo))
            {
                if (isNew)
                {
                    _ = environment.StartAsync();
                }
                return DispatchResult.Assigned;
            }
            // It died (or was taken) between the pick and the assignment: pick again.
        }
        _admission.Release(ref invocation.Admission);
        return DispatchResult.NoCapacity;
    }

    /// <summary>Gives back the unit of concurrency a finished invocation held.</summary>
    public void Release(Invocation invocation) => _admission.Release(ref invocation.Admission);

    /// <summary>The request-rate check an Event invoke passes before its 202 (concurrency is checked when it runs).</summary>
    public ThrottleDecision TryAcceptEvent() => _admission.TryAcceptRequest(Admission);

    /// <summary>Completes when an environment becomes idle or leaves the pool (for queued Event invocations).</summary>
    public Task CapacityChanged
    {
        get
        {
            lock (_lock)
            {
                _capacityWatched = true;
                return _capacityChanged.Task;
            }
        }
    }

    /// <summary>The environment's runtime is waiting in /next with nothing to do.</summary>
    public void OnIdle(ExecutionEnvironment environment)
    {
        TaskCompletionSource? signal;
        lock (_lock)
        {
            if (!_all.Contains(environment))
            {
                return;
            }
            _startingUnclaimed.Remove(environment);
            if (!_idle.Contains(environment))
            {
                _idle.Add(environment);
                _idleSince[environment] = _services.Time.GetTimestamp();
            }
            signal = SwapSignalLocked();
            if (environment.Provisioned)
            {
                _consecutiveInitFailures = 0;
            }
        }
        signal?.TrySetResult();
    }

    public void OnExited(ExecutionEnvironment environment)
    {
        TaskCompletionSource? signal;
        TimeSpan? replaceAfter = null;
        lock (_lock)
        {
            if (!_all.Remove(environment))
            {
                return;
            }
            _idle.Remove(environment);
            _idleSince.Remove(environment);
            _startingUnclaimed.Remove(environment);
            signal = SwapSignalLocked();
            int provisionedAlive = _all.Count(e => e.Provisioned);
            if (environment.Provisioned && !_stopping && provisionedAlive < Function.ProvisionedEnvironments)
            {
                // Replace a lost warm environment; back off while inits keep failing, so a broken function
                // does not become a fork loop.
                if (environment.EverReady)
                {
                    _consecutiveInitFailures = 0;
                    replaceAfter = TimeSpan.Zero;
                }
                else
                {
                    _consecutiveInitFailures++;
                    replaceAfter = TimeSpan.FromMilliseconds(Math.Min(30_000, 500 * Math.Pow(2, Math.Min(_consecutiveInitFailures - 1, 10))));
                }
            }
        }
        signal?.TrySetResult();
        if (replaceAfter is { } delay)
        {
            _ = ReplaceAsync(delay);
        }
    }

    private async Task ReplaceAsync(TimeSpan delay)
    {
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, _services.Time).ConfigureAwait(false);
        }
        ExecutionEnvironment environment;
        lock (_lock)
        {
            if (_stopping || _all.Count(e => e.Provisioned) >= Function.ProvisionedEnvironments || _all.Count >= Function.MaxEnvironments)
            {
                return;
            }
            environment = AddLocked(provisioned: true, claimed: false);
        }
        await environment.StartAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Stops on-demand environments that have been idle longer than <paramref name="keepAlive"/>, checked a few times
    /// per keep-alive period; pre-forked (provisioned) environments are never stopped, so the pool never shrinks
    /// below its provisioned count.
    /// </summary>
    public void StartScaleDown(TimeSpan keepAlive)
    {
        if (keepAlive <= TimeSpan.Zero)
        {
            return;
        }
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(100).Ticks, keepAlive.Ticks / 4));
        _keepAlive = keepAlive;
        _scaleDownTimer = _services.Time.CreateTimer(static s => ((EnvironmentPool)s!).ScaleDown(), this, period, period);
    }

    private TimeSpan _keepAlive;

    private void ScaleDown()
    {
        var keepAlive = _keepAlive;
        List<ExecutionEnvironment>? expired = null;
        long now = _services.Time.GetTimestamp();
        lock (_lock)
        {
            for (int i = _idle.Count - 1; i >= 0; i--)
            {
                var environment = _idle[i];
                if (!environment.Provisioned && _idleSince.TryGetValue(environment, out long since) && _services.Time.GetElapsedTime(since, now) >= keepAlive)
                {
                    // Out of the idle list under the lock: no dispatcher can pick it any more.
                    _idle.RemoveAt(i);
                    _idleSince.Remove(environment);
                    (expired ??= []).Add(environment);
                }
            }
        }
        if (expired is not null)
        {
            foreach (var environment in expired)
            {
                environment.Kill(); // its exit removes it from the pool
            }
        }
    }

    /// <summary>Stops taking invocations and replacing pre-forked environments, and kills every environment (an
    /// invocation in flight ends with Runtime.ExitError). Without the first part, each pre-forked environment killed
    /// at shutdown would be replaced by a new one that is killed in turn.</summary>
    public void BeginStop()
    {
        foreach (var environment in MarkStopping())
        {
            environment.Kill();
        }
    }

    /// <summary>Kills every environment and waits (bounded) for them to exit and clean up.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        var environments = MarkStopping();
        _scaleDownTimer?.Dispose();
        foreach (var environment in environments)
        {
            environment.Kill();
        }
        await Task.WhenAny(Task.WhenAll(environments.Select(e => e.Exited)), Task.Delay(timeout)).ConfigureAwait(false);
    }

    private ExecutionEnvironment[] MarkStopping()
    {
        lock (_lock)
        {
            _stopping = true;
            return [.. _all];
        }
    }

    private ExecutionEnvironment AddLocked(bool provisioned, bool claimed)
    {
        var environment = new ExecutionEnvironment(_services, this, Function, provisioned);
        _all.Add(environment);
        if (!claimed)
        {
            _startingUnclaimed.Add(environment);
        }
        return environment;
    }

    /// <summary>Takes the current capacity signal (to be completed outside the lock) and arms a new one — only when
    /// somebody (a queued Event invocation) is waiting, so the sync hot path allocates nothing here.</summary>
    private TaskCompletionSource? SwapSignalLocked()
    {
        if (!_capacityWatched)
        {
            return null;
        }
        _capacityWatched = false;
        var signal = _capacityChanged;
        _capacityChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return signal;
    }
}
