using Gateway.Admission;
using Gateway.Functions;
using Gateway.Hosting;
using Gateway.Invocations;
using Gateway.RuntimeApi;

namespace Gateway.Environments;

internal enum DispatchResult
{
    /// <summary>The invocation has an environment: run the lease.</summary>
    Assigned,

    /// <summary>Refused: Lambda's admission rules (concurrency, request rate, burst) or the gateway's environment cap
    /// (<see cref="ThrottleReason.GatewayEnvironmentLimitExceeded"/>); see the ThrottleDecision.</summary>
    Throttled,

    /// <summary>This pool takes no more invocations: the gateway is shutting down, or the version was removed (resolve
    /// the function again).</summary>
    Stopping,
}

/// <summary>
/// The execution environments of one version of one function: pre-forked (provisioned) ones kept at their target
/// count, plus on-demand ones started when every environment is busy — as many as Lambda's limits admit (account and
/// reserved concurrency, burst) and the machine's cap allows.
/// </summary>
/// <remarks>
/// <para>Idle environments are a stack, so the most recently used (warmest) one is picked first, one reset after a
/// failure (it re-initializes for the invocation it takes) only when no warm one is idle. A sync invocation
/// never waits for a busy environment: with none idle and no room to start one, it is a throttle, as on Lambda.</para>
/// <para>Placement is three steps, so admission (which may one day be remote) never runs under the pool's lock:
/// reserve an environment (or room for a new one) under the lock, admit outside it, then commit or roll back.</para>
/// <para>An <see cref="Update"/> (new code or configuration of $LATEST) swaps the definition: idle environments of the
/// old one stop at once, busy ones finish their invocation and stop instead of going idle — none is killed
/// mid-invocation. <see cref="Retire"/> does the same for a version that was removed.</para>
/// </remarks>
internal sealed class EnvironmentPool : IEnvironmentOwner
{
    private long _lastAssigned; // LastAssignedTimestamp

    private readonly EnvironmentServices _services;
    private readonly IAdmission _admission;
    private readonly EnvironmentLimit _machine;
    private readonly Lock _lock = new();
    private readonly List<ExecutionEnvironment> _all = [];
    private readonly List<ExecutionEnvironment> _idle = [];
    private readonly List<ExecutionEnvironment> _startingUnclaimed = [];
    private readonly Dictionary<ExecutionEnvironment, long> _idleSince = [];
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _capacityChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FunctionDefinition _definition;
    private bool _capacityWatched;
    private int _reservedNew;
    private int _provisionedConcurrency;
    private int _consecutiveInitFailures;
    private bool _stopping;
    private bool _retired;
    private ITimer? _scaleDownTimer;
    private TimeSpan _keepAlive;
    private readonly SpareTmpVolumes _spareTmp;

    public EnvironmentPool(EnvironmentServices services, FunctionDefinition definition, IAdmission admission, FunctionAdmission functionAdmission,
                           EnvironmentLimit machine, Metrics.FunctionMetrics metrics)
    {
        _services = services;
        _admission = admission;
        _machine = machine;
        _definition = definition;
        Admission = functionAdmission;
        Metrics = metrics;
        _spareTmp = new SpareTmpVolumes(services.Time);
    }

    public TmpVolume? TakeSpareTmp(FunctionDefinition function) => _spareTmp.Take(function);

    public bool KeepSpareTmp(TmpVolume tmp)
    {
        bool kept;
        TmpVolume? evicted = null;
        lock (_lock)
        {
            // Under the pool's lock: a stop or retirement (which sets its flag under it, then releases every spare)
            // cannot slip in between this check and the keep, and leave this one mounted.
            kept = !_stopping && !_retired && _spareTmp.Keep(tmp, _definition, out evicted);
        }
        evicted?.Release();
        return kept;
    }

    /// <summary>What new environments of this pool run (replaced by <see cref="Update"/>).</summary>
    public FunctionDefinition Function => Volatile.Read(ref _definition);

    /// <summary>The function's sampler when this version's TracingConfig is <c>Active</c>, null for PassThrough (a new
    /// trace is then never sampled). Set by the host whenever the version's record changes; read once per invocation.</summary>
    public Invoke.TraceSampler? TraceSampler
    {
        get => Volatile.Read(ref _traceSampler);
        set => Volatile.Write(ref _traceSampler, value);
    }

    private Invoke.TraceSampler? _traceSampler;

    /// <summary>$LATEST or a version number: fixed for the pool's life.</summary>
    public string Version => Function.Version;

    /// <summary>The function's concurrency accounting (shared by all its versions).</summary>
    public FunctionAdmission Admission { get; }

    /// <summary>Invocations, errors, throttles and durations, for /metrics (shared by all the function's versions).</summary>
    public Metrics.FunctionMetrics Metrics { get; }

    /// <summary>Completes when a retired pool's last environment has exited.</summary>
    public Task Drained => _drained.Task;

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

    /// <summary>Environments to keep initialised: the definition's pre-forked count plus provisioned concurrency.</summary>
    public int ProvisionedTarget
    {
        get
        {
            lock (_lock)
            {
                return ProvisionedTargetLocked;
            }
        }
    }

    private int ProvisionedTargetLocked => _definition.ProvisionedEnvironments + _provisionedConcurrency;

    /// <summary>Pre-forked environments of the current definition whose runtime has reached /next.</summary>
    public int ReadyProvisioned
    {
        get
        {
            lock (_lock)
            {
                return _all.Count(e => e.Provisioned && ReferenceEquals(e.Function, _definition) && e.EverReady && e.State != EnvironmentState.Dead);
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

    /// <summary>Starts pre-forked environments until the provisioned target is met; they initialise in the background.</summary>
    public void StartProvisioned()
    {
        List<ExecutionEnvironment>? started = null;
        lock (_lock)
        {
            if (_stopping || _retired)
            {
                return;
            }
            int missing = ProvisionedTargetLocked - ProvisionedCurrentLocked();
            for (int i = 0; i < missing && (_definition.MaxEnvironments is not int max || _all.Count < max); i++)
            {
                if (!_machine.TryTake())
                {
                    Console.Error.WriteLine($"[gateway] {_definition.Name}:{_definition.Version}: the machine's environment limit ({_machine.Limit}, Gateway:MaxEnvironments) leaves no room for {missing - i} provisioned environment(s)");
                    break;
                }
                (started ??= []).Add(AddLocked(provisioned: true, claimed: false));
            }
        }
        foreach (var environment in started ?? [])
        {
            _ = environment.StartAsync();
        }
    }

    /// <summary>Provisioned concurrency configured on this version (directly or through an alias): kept pre-forked on
    /// top of the definition's own count. Lowering it stops idle surplus environments now and busy ones when they finish.</summary>
    /// <param name="start">False before the host has started: the target is recorded and the host's start pre-forks it
    /// (starting here, while the gateway loads, would gate the code folders before the data folder is closed).</param>
    public void SetProvisionedConcurrency(int environments, bool start = true)
    {
        List<ExecutionEnvironment>? surplus = null;
        lock (_lock)
        {
            if (_provisionedConcurrency == environments)
            {
                return;
            }
            _provisionedConcurrency = environments;
            int excess = ProvisionedCurrentLocked() - ProvisionedTargetLocked;
            for (int i = _idle.Count - 1; i >= 0 && excess > 0; i--)
            {
                if (_idle[i].Provisioned)
                {
                    (surplus ??= []).Add(TakeIdleAtLocked(i));
                    excess--;
                }
            }
        }
        foreach (var environment in surplus ?? [])
        {
            environment.Stop();
        }
        if (start)
        {
            StartProvisioned();
        }
    }

    /// <summary>The warmest idle provisioned environment, else the warmest idle one. With provisioned concurrency on this
    /// version, a reservation leaves on-demand environments only the rest (FunctionAdmission.ProvisionedConcurrency): an
    /// idle provisioned environment is tried first, so an invocation it can take is not refused for the on-demand share.</summary>
    private int ProvisionedIdleIndexLocked()
    {
        for (int i = _idle.Count - 1; i >= 0; i--)
        {
            if (_idle[i].Provisioned)
            {
                return i;
            }
        }
        return WarmIdleIndexLocked();
    }

    /// <summary>The warmest idle environment that needs no re-init, else the warmest one (reset after a failure: the
    /// same environment, so no burst token, but the invocation waits for its re-init). Usually the top of the stack.</summary>
    private int WarmIdleIndexLocked()
    {
        for (int i = _idle.Count - 1; i >= 0; i--)
        {
            if (!_idle[i].NeedsReInit)
            {
                return i;
            }
        }
        return _idle.Count - 1;
    }

    /// <summary>
    /// Admits <paramref name="invocation"/> and finds it an environment: the warmest idle one, else one still starting
    /// that nobody claimed, else a new one. On <see cref="DispatchResult.Assigned"/> the lease holds the invocation's
    /// unit of concurrency until its <see cref="DispatchLease.RunAsync"/> ends.
    /// </summary>
    /// <param name="chargeRequest">True for an invoke request (sync); false for a queued Event, whose request was
    /// charged when it was accepted.</param>
    public DispatchResult TryDispatch(Invocation invocation, bool chargeRequest, out DispatchLease lease, out ThrottleDecision throttle)
    {
        lease = default;
        throttle = ThrottleDecision.Admitted;
        // Held already only after a remote pre-admission (cluster mode), which may have taken the burst token.
        bool burstTokenHeld = invocation.Admission.IncludesBurstToken;
        for (int attempt = 0; attempt < 16; attempt++)
        {
            // 1. Reserve, under the lock: an environment, or room for a new one.
            ExecutionEnvironment? environment = null;
            bool needsNew = false;
            bool wasStarting = false;
            bool reInit = false;
            bool onProvisioned = false;
            lock (_lock)
            {
                if (_stopping || _retired)
                {
                    _admission.Release(ref invocation.Admission);
                    return DispatchResult.Stopping;
                }
                if (_idle.Count > 0)
                {
                    // An idle environment gets no OnIdle before it has run an invocation, so nothing but a roll-back
                    // can put it back: it needs no reservation mark, and its assignment no second lock.
                    environment = TakeIdleAtLocked(_provisionedConcurrency > 0 ? ProvisionedIdleIndexLocked() : WarmIdleIndexLocked());
                }
                else if (_startingUnclaimed.Count > 0)
                {
                    environment = _startingUnclaimed[0];
                    _startingUnclaimed.RemoveAt(0);
                    environment.ReservedByPool = true; // its first /next may come before the commit
                    wasStarting = true;
                }
                else if (_definition.MaxEnvironments is int max && _all.Count + _reservedNew >= max)
                {
                    return Refuse(invocation, out throttle);
                }
                else
                {
                    needsNew = true;
                    _reservedNew++;
                }
                // Runs on this version's provisioned concurrency (PutProvisionedConcurrencyConfig): outside what the
                // reservation leaves to on-demand environments. A functions file's pre-forked environments without such
                // a config count as on demand, as their count is not taken out of the reservation either.
                onProvisioned = environment?.Provisioned == true && _provisionedConcurrency > 0;
                reInit = environment?.NeedsReInit == true;
            }
            if (needsNew && !_machine.TryTake())
            {
                lock (_lock)
                {
                    _reservedNew--;
                }
                return Refuse(invocation, out throttle);
            }

            // 2. Admit, outside the lock (a few CAS operations in process; a network call in a cluster).
            if (!invocation.Admission.IsHeld)
            {
                throttle = chargeRequest
                    ? _admission.TryAdmit(Admission, needsNew, out invocation.Admission, onProvisioned)
                    : _admission.TryAdmitQueued(Admission, needsNew, out invocation.Admission, onProvisioned);
                burstTokenHeld = needsNew;
            }
            else if (needsNew && !burstTokenHeld)
            {
                // The environment picked before died: starting a new one needs a burst token after all.
                throttle = _admission.TryStartEnvironment(Admission);
                burstTokenHeld = throttle.IsAdmitted;
            }
            if (throttle.IsThrottled)
            {
                RollBack(environment, needsNew);
                _admission.Release(ref invocation.Admission);
                return DispatchResult.Throttled;
            }

            // 3. Commit.
            if (needsNew)
            {
                lock (_lock)
                {
                    _reservedNew--;
                    if (_stopping || _retired)
                    {
                        _machine.Return();
                        _admission.Release(ref invocation.Admission);
                        return DispatchResult.Stopping;
                    }
                    environment = AddLocked(provisioned: false, claimed: true);
                }
            }
            var placed = environment!;
            Tracing.InvocationTracing.Dispatched(invocation); // admitted: before the assignment, which may deliver at once
            if (wasStarting ? TryCommitStarting(placed, invocation, out var deliverTo) : placed.TryAssign(invocation, out deliverTo))
            {
                if (_services.Freezer is not null && !_services.FreezeAtOnce) // only a quiet time reads it
                {
                    Volatile.Write(ref _lastAssigned, _services.Time.GetTimestamp()); // the function is busy: no freezes (Freeze.cs)
                }
                invocation.ExecutedVersion = placed.Function.Version;
                invocation.Trace.ColdStart = needsNew || wasStarting || reInit; // it waits for this environment's init (faas.coldstart)
                if (needsNew)
                {
                    _ = placed.StartAsync();
                }
                lease = new DispatchLease(this, invocation, deliverTo);
                return DispatchResult.Assigned;
            }
            // It died (or was taken) between the reservation and the assignment: pick again, keeping the ticket.
        }
        _admission.Release(ref invocation.Admission);
        throttle = ThrottleDecision.Throttled(ThrottleReason.ConcurrentInvocationLimitExceeded, 1);
        return DispatchResult.Throttled;
    }

    /// <summary>True when admission is remote (cluster mode): await <see cref="PreAdmitAsync"/> before <see cref="TryDispatch"/>.</summary>
    public bool AdmissionIsRemote => _admission.IsRemote;

    /// <summary>
    /// Cluster mode: the admission decision, awaited before the synchronous <see cref="TryDispatch"/>, which then
    /// finds the ticket held and only places the invocation. Whether a new environment (and so a burst token) is
    /// needed is predicted from the pool's state now — no idle and no unclaimed starting environment — and may be
    /// wrong by the time of the dispatch: a guess of "new" that finds a warm environment has spent a burst token
    /// (conservative), a guess of "warm" that needs a new one gets its burst token from <see cref="IAdmission.TryStartEnvironment"/>
    /// (the cluster admission takes it from this node's static share and charges the cluster's bucket without waiting).
    /// On a throttle the invocation holds nothing.
    /// </summary>
    public async ValueTask<ThrottleDecision> PreAdmitAsync(Invocation invocation, bool chargeRequest)
    {
        bool needsNew;
        lock (_lock)
        {
            needsNew = _idle.Count == 0 && _startingUnclaimed.Count == 0;
        }
        var (decision, ticket) = await _admission.AdmitRemoteAsync(Admission, needsNew, chargeRequest).ConfigureAwait(false);
        invocation.Admission = ticket;
        return decision;
    }

    /// <summary>
    /// Assigns to an environment reserved while it was starting and ends the reservation, in one step under the lock.
    /// While it was reserved nothing could stop it (OnIdle leaves a reserved environment to its dispatcher), and it may
    /// have reached its first /next and been listed as idle: unlisting it here means no Update, Retire or scale-down can
    /// find it while it runs. An environment of a definition replaced meanwhile still runs this one invocation (the
    /// old code answers, as during any deploy) and stops when it is done.
    /// </summary>
    private bool TryCommitStarting(ExecutionEnvironment environment, Invocation invocation, out IRuntimeApiConnection? deliverTo)
    {
        lock (_lock)
        {
            environment.ReservedByPool = false;
            if (!environment.TryAssign(invocation, out deliverTo))
            {
                return false;
            }
            if (_idle.Remove(environment))
            {
                _idleSince.Remove(environment);
            }
            return true;
        }
    }

    /// <summary>The environment cap refused a new environment: the gateway's own reason, never a Lambda one.</summary>
    private DispatchResult Refuse(Invocation invocation, out ThrottleDecision throttle)
    {
        _admission.Release(ref invocation.Admission);
        throttle = ThrottleDecision.Throttled(ThrottleReason.GatewayEnvironmentLimitExceeded, 1);
        return DispatchResult.Throttled;
    }

    /// <summary>Undoes a reservation that admission refused: the environment goes back where it was taken from — or,
    /// when an Update or Retire came while it was reserved (and so out of the lists they stop), it stops now.</summary>
    private void RollBack(ExecutionEnvironment? environment, bool reservedNew)
    {
        if (reservedNew)
        {
            _machine.Return();
        }
        bool stop = false;
        lock (_lock)
        {
            if (reservedNew)
            {
                _reservedNew--;
            }
            if (environment is not null)
            {
                environment.ReservedByPool = false;
            }
            if (environment is null || !_all.Contains(environment) || _stopping)
            {
                return; // gone, or BeginStop/StopAsync kills every environment anyway
            }
            bool current = !_retired && ReferenceEquals(environment.Function, _definition);
            var state = environment.State;
            if (state == EnvironmentState.Starting)
            {
                // Not current: its first /next reaches OnIdle, which stops it.
                if (current)
                {
                    _startingUnclaimed.Insert(0, environment);
                }
            }
            else if (state is EnvironmentState.Idle or EnvironmentState.AwaitingNext or EnvironmentState.Reset)
            {
                // AwaitingNext too: an environment is offered as soon as it answers, before its runtime's /next, and
                // that /next does not offer it again (nor does anything offer a reset one again). Left out here, it
                // would never be dispatched to or stopped.
                if (!current)
                {
                    stop = true;
                }
                else if (!_idle.Contains(environment))
                {
                    _idle.Add(environment);
                    _idleSince[environment] = _services.Time.GetTimestamp();
                }
            }
        }
        if (stop)
        {
            environment.Stop(); // it holds no invocation
        }
    }

    /// <summary>Gives back the unit of concurrency a finished invocation held.</summary>
    public void Release(Invocation invocation) => _admission.Release(ref invocation.Admission);

    /// <summary>Gives back the unit of concurrency an environment kept while its extensions finished an invocation.</summary>
    public void ReleaseAdmission(ref AdmissionTicket ticket) => _admission.Release(ref ticket);

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

    /// <summary>
    /// New code or configuration for this pool's version ($LATEST). New environments run <paramref name="definition"/>;
    /// idle and unclaimed starting environments of the old one stop now; busy ones stop when their invocation ends.
    /// </summary>
    public void Update(FunctionDefinition definition)
    {
        List<ExecutionEnvironment> old;
        lock (_lock)
        {
            if (ReferenceEquals(_definition, definition))
            {
                return;
            }
            Volatile.Write(ref _definition, definition);
            old = [.. _idle, .. _startingUnclaimed];
            _idle.Clear();
            _idleSince.Clear();
            _startingUnclaimed.Clear();
            _consecutiveInitFailures = 0;
        }
        foreach (var environment in old)
        {
            environment.Stop();
        }
        _spareTmp.ReleaseAll(); // they were the old code's: new code starts on a new /tmp, as on AWS
        StartProvisioned();
    }

    /// <summary>The version was removed: no new invocations; idle environments stop now, busy ones when they finish.
    /// <see cref="Drained"/> completes when the last one has exited.</summary>
    public void Retire()
    {
        List<ExecutionEnvironment> idle;
        lock (_lock)
        {
            _retired = true;
            idle = [.. _idle, .. _startingUnclaimed];
            _idle.Clear();
            _idleSince.Clear();
            _startingUnclaimed.Clear();
            if (_all.Count == 0)
            {
                _drained.TrySetResult();
            }
        }
        _scaleDownTimer?.Dispose();
        foreach (var environment in idle)
        {
            environment.Stop();
        }
        _spareTmp.ReleaseAll();
    }

    public long LastAssignedTimestamp => Volatile.Read(ref _lastAssigned);

    /// <summary>The environment's runtime is waiting in /next (or about to) with nothing to do.</summary>
    public void OnIdle(ExecutionEnvironment environment)
    {
        TaskCompletionSource? signal;
        bool stop = false;
        lock (_lock)
        {
            if (!HoldsLocked(_all, environment))
            {
                return;
            }
            _startingUnclaimed.Remove(environment); // usually empty: nothing to compare
            if (environment.ReservedByPool)
            {
                return; // a dispatcher holds it: its commit (or roll-back) decides where it goes
            }
            if (!environment.CanTakeInvocation)
            {
                // Assigned since it said it was idle: the environment calls here after leaving its own lock, so a
                // dispatch that reserved it while it started can commit first. Listed (or, after an Update, stopped),
                // it would be killed mid-invocation by the next Update, Retire or scale-down; its answer offers it again.
                return;
            }
            if (_retired || _stopping || !ReferenceEquals(environment.Function, _definition) || IsSurplusProvisionedLocked(environment))
            {
                // Old code, a removed version, or provisioned concurrency lowered: its invocation is done, so it stops.
                _idle.Remove(environment);
                _idleSince.Remove(environment);
                stop = true;
            }
            else if (!HoldsLocked(_idle, environment))
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
        if (stop)
        {
            environment.Stop();
        }
        signal?.TrySetResult();
    }

    /// <summary>The count of pre-forked environments can only exceed the target when all of them together do: the
    /// common case (a pool at its provisioned size) is answered without the counting loop, on every invocation.</summary>
    private bool IsSurplusProvisionedLocked(ExecutionEnvironment environment) =>
        environment.Provisioned && _all.Count > ProvisionedTargetLocked && ProvisionedCurrentLocked() > ProvisionedTargetLocked;

    /// <summary>List.Contains by reference (what it means for this class, which keeps object's Equals) without the
    /// default comparer's virtual Equals per element: <see cref="OnIdle"/> asks twice per invocation over the whole pool.</summary>
    private static bool HoldsLocked(List<ExecutionEnvironment> list, ExecutionEnvironment environment)
    {
        foreach (var candidate in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list))
        {
            if (ReferenceEquals(candidate, environment))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Pre-forked environments of the current definition. A loop, not LINQ's Count with a lambda: the lambda
    /// reads <c>_definition</c>, so each call allocated a new delegate, and <see cref="OnIdle"/> asks on every invocation
    /// of a pre-forked environment.</summary>
    private int ProvisionedCurrentLocked()
    {
        int count = 0;
        foreach (var environment in _all)
        {
            if (environment.Provisioned && ReferenceEquals(environment.Function, _definition))
            {
                count++;
            }
        }
        return count;
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
            _machine.Return();
            _idle.Remove(environment);
            _idleSince.Remove(environment);
            _startingUnclaimed.Remove(environment);
            signal = SwapSignalLocked();
            if (_retired && _all.Count == 0)
            {
                _drained.TrySetResult();
            }
            int provisionedAlive = ProvisionedCurrentLocked();
            if (environment.Provisioned && ReferenceEquals(environment.Function, _definition) && !_stopping && !_retired && provisionedAlive < ProvisionedTargetLocked)
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
        StartProvisioned();
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
                    (expired ??= []).Add(TakeIdleAtLocked(i));
                }
            }
        }
        foreach (var environment in expired ?? [])
        {
            environment.Stop(); // its exit removes it from the pool
        }
        _spareTmp.ReleaseIdle(keepAlive, Function); // a reset environment's /tmp nobody came back for
    }

    /// <summary>Stops taking invocations and replacing pre-forked environments, and kills every environment (an
    /// invocation in flight ends with Runtime.ExitError). Without the first part, each pre-forked environment killed
    /// at shutdown would be replaced by a new one that is killed in turn.</summary>
    public void BeginStop()
    {
        foreach (var environment in MarkStopping())
        {
            environment.Stop();
        }
        _spareTmp.ReleaseAll();
    }

    /// <summary>Kills every environment and waits (bounded) for them to exit and clean up.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        var environments = MarkStopping();
        _scaleDownTimer?.Dispose();
        foreach (var environment in environments)
        {
            environment.Stop();
        }
        _spareTmp.ReleaseAll();
        await Task.WhenAny(Task.WhenAll(environments.Select(e => e.Exited)), Task.Delay(timeout, _services.Time)).ConfigureAwait(false);
    }

    private ExecutionEnvironment[] MarkStopping()
    {
        lock (_lock)
        {
            _stopping = true;
            return [.. _all];
        }
    }

    private ExecutionEnvironment TakeIdleAtLocked(int index)
    {
        var environment = _idle[index];
        _idle.RemoveAt(index);
        _idleSince.Remove(environment);
        return environment;
    }

    private ExecutionEnvironment AddLocked(bool provisioned, bool claimed)
    {
        var environment = new ExecutionEnvironment(_services, this, _definition, provisioned);
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
