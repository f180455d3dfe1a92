using System.Diagnostics.CodeAnalysis;
using Gateway.Admission;
using Gateway.Cluster.Admission;
using StackExchange.Redis;

namespace Gateway.ClusterMode.Admission;

/// <summary>
/// Lambda's admission rules for a group of nodes: each decision is one atomic script in Redis
/// (<see cref="AdmissionScripts.Admit"/>) with this node's limits as arguments, awaited by the invoke path before
/// the pool places the invocation (<see cref="IAdmission.IsRemote"/>); releases go out without waiting.
/// </summary>
/// <remarks>
/// <para><b>Slots per node.</b> Redis keeps what each node holds in a hash of its own. This node counts what it holds
/// (tickets admitted by Redis and by the static share) under <see cref="_order"/>, and every heartbeat re-asserts
/// those counts in Redis (<see cref="AdmissionScripts.Resync"/>): a reply lost to a timeout, a release dropped while
/// the connection was down, or a reclaim of this node while it was only slow are repaired within one heartbeat. A
/// count is taken before its admission is sent and every send happens under the same lock as the snapshot, so a
/// resync can only overcount (briefly, conservatively), never undercount.</para>
/// <para><b>Redis unreachable.</b> Decisions fall back to this node's static share (<see cref="StaticShare"/>: a
/// local <see cref="AdmissionController"/> with every limit divided by --cluster-nodes), bounded also by what the
/// node still holds from before: it never holds more than its share of the account, or of a reserved function, while
/// it decides alone. When Redis answers again the node resyncs (so Redis counts what it admitted alone) before its
/// next cluster decision. Under a partition the others keep counting the cut-off node's slots until its lease
/// lapses (≤ lease + heartbeat), then reclaim them; from then until the partition heals the cluster can run at most
/// L + ⌊L/N⌋ per cut-off node (its share on top of the limit the others enforce among themselves).</para>
/// <para>Configuration (reservations, the unreserved pool) lives in the primary controller, with the account's full
/// limits; its per-function counters show this node's invocations in flight (/metrics, the dashboard).</para>
/// </remarks>
internal sealed class ClusterAdmission : IAdmission
{
    private readonly AdmissionController _primary;
    private readonly AdmissionController _share;
    private readonly ClusterAdmissionClient _client;
    private readonly int _nodes;
    private readonly Action<string> _log;
    private readonly Lock _order = new();
    private readonly List<ClusterFunction> _functions = [];
    private int _heldAccount;
    private int _heldPool;
    private int _degraded;
    private int _resyncNeeded = 1;

    public ClusterAdmission(AdmissionController primary, AdmissionOptions options, int configuredNodes, ClusterAdmissionClient client, TimeProvider time, Action<string> log)
    {
        _primary = primary;
        _nodes = Math.Max(1, configuredNodes);
        _share = new AdmissionController(StaticShare.Options(options, _nodes), time);
        _client = client;
        _log = log;
    }

    public bool IsRemote => true;

    /// <summary>True while decisions are made on this node's static share (Redis unreachable).</summary>
    public bool IsDegraded => Volatile.Read(ref _degraded) != 0;

    /// <summary>The controller deciding on the static share (tests and status).</summary>
    internal AdmissionController Share => _share;

    public int AccountConcurrencyLimit => _primary.AccountConcurrencyLimit;

    /// <summary>The cluster's pool is the limit less the reservations: the remote admission cannot tell that an
    /// invocation runs on a provisioned environment, so provisioned concurrency is not held back from it (README).</summary>
    public int UnreservedConcurrencyLimit => _primary.UnreservedConcurrencyLimit + _primary.ProvisionedOutsideReservations;

    /// <summary>Invocations in flight on this node (Redis has the cluster's).</summary>
    public int ConcurrentExecutions => Volatile.Read(ref _heldAccount);

    public FunctionAdmission Register(string functionName)
    {
        var handle = _primary.Register(functionName);
        var share = _share.Register(functionName);
        var state = new ClusterFunction(functionName, handle, share);
        handle.ClusterState = state;
        share.ClusterState = state;
        lock (_order)
        {
            _functions.Add(state);
        }
        return handle;
    }

    public bool TrySetReservedConcurrency(FunctionAdmission function, int? reservedConcurrentExecutions, [NotNullWhen(false)] out ConcurrencyConfigurationError? error)
    {
        if (!_primary.TrySetReservedConcurrency(function, reservedConcurrentExecutions, out error))
        {
            return false;
        }
        var state = State(function);
        if (!_share.TrySetReservedConcurrency(state.Share, StaticShare.Of(reservedConcurrentExecutions, _nodes), out var shareError))
        {
            _log($"function '{state.Name}': its static share of reserved concurrency was not applied ({shareError.Message}); while Redis is unreachable it draws from this node's unreserved share");
        }
        return true;
    }

    public async ValueTask<RemoteAdmission> AdmitRemoteAsync(FunctionAdmission function, bool needsNewEnvironment, bool chargeRequest)
    {
        var state = State(function);
        if (!_client.IsConnected)
        {
            return OnShare(state, needsNewEnvironment, chargeRequest, "the connection is down");
        }
        if (Volatile.Read(ref _resyncNeeded) != 0 && !await TryResyncAsync().ConfigureAwait(false))
        {
            return OnShare(state, needsNewEnvironment, chargeRequest, "the resync failed");
        }
        var limits = Limits(function);
        bool fromPool = limits.FromUnreservedPool;
        ValueTask<AdmissionReply> pending;
        lock (_order)
        {
            HoldLocked(state, fromPool);
            pending = _client.AdmitAsync(state.Name, limits, chargeRequest, needsNewEnvironment);
        }
        AdmissionReply reply;
        try
        {
            reply = await pending.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Unknown whether the script ran: count it as not admitted; the next resync makes Redis agree.
            lock (_order)
            {
                UnholdLocked(state, fromPool);
                Volatile.Write(ref _resyncNeeded, 1);
            }
            return OnShare(state, needsNewEnvironment, chargeRequest, ex.Message);
        }
        LeaveDegraded();
        if (!reply.IsAdmitted)
        {
            lock (_order)
            {
                UnholdLocked(state, fromPool);
            }
            return new(ThrottleDecision.Throttled((ThrottleReason)reply.Outcome, reply.RetryAfterSeconds), default);
        }
        function.CountAdmitted();
        return new(ThrottleDecision.Admitted, new AdmissionTicket(state, (fromPool ? 1L : 0L) | (needsNewEnvironment ? AdmissionTicket.BurstTokenIncluded : 0L)));
    }

    public async ValueTask<ThrottleDecision> AcceptRequestRemoteAsync(FunctionAdmission function)
    {
        var state = State(function);
        if (!_client.IsConnected)
        {
            EnterDegraded("the connection is down");
            return _share.TryAcceptRequest(state.Share);
        }
        try
        {
            var reply = await _client.AcceptRequestAsync(state.Name, Limits(function)).ConfigureAwait(false);
            LeaveDegraded();
            return reply.IsAdmitted ? ThrottleDecision.Admitted : ThrottleDecision.Throttled((ThrottleReason)reply.Outcome, reply.RetryAfterSeconds);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            EnterDegraded(ex.Message);
            return _share.TryAcceptRequest(state.Share);
        }
    }

    /// <summary>Only for a caller that cannot await (the invoke paths await <see cref="AdmitRemoteAsync"/>): this
    /// node's static share decides.</summary>
    /// <remarks>Cluster-wide decisions do not take provisioned concurrency out of a reservation (README, "Not yet").</remarks>
    public ThrottleDecision TryAdmit(FunctionAdmission function, bool needsNewEnvironment, out AdmissionTicket ticket, bool onProvisionedEnvironment = false)
    {
        var (decision, held) = OnShareCore(State(function), needsNewEnvironment, chargeRequest: true);
        ticket = held;
        return decision;
    }

    /// <summary>As <see cref="TryAdmit"/>, for a queued Event.</summary>
    public ThrottleDecision TryAdmitQueued(FunctionAdmission function, bool needsNewEnvironment, out AdmissionTicket ticket, bool onProvisionedEnvironment = false)
    {
        var (decision, held) = OnShareCore(State(function), needsNewEnvironment, chargeRequest: false);
        ticket = held;
        return decision;
    }

    /// <summary>Only for a caller that cannot await: this node's share of the request rate.</summary>
    public ThrottleDecision TryAcceptRequest(FunctionAdmission function) => _share.TryAcceptRequest(State(function).Share);

    /// <summary>
    /// A pre-admission guessed "a warm environment takes it" and the pool needs a new one after all. The pool cannot
    /// wait here, so the token comes from this node's static share of the burst bucket (the gate: refused when the
    /// share is empty) and the cluster's bucket is charged without waiting, allowed into debt — later scale-ups on
    /// any node wait for it, so the cluster's scaling rate holds over time.
    /// </summary>
    public ThrottleDecision TryStartEnvironment(FunctionAdmission function)
    {
        var state = State(function);
        var decision = _share.TryStartEnvironment(state.Share);
        if (decision.IsAdmitted && _client.IsConnected)
        {
            try
            {
                _client.ChargeBurst(state.Name, Limits(function));
            }
            catch (RedisException)
            {
                // fire-and-forget: the share's token stands
            }
        }
        return decision;
    }

    public void Release(ref AdmissionTicket ticket)
    {
        switch (ticket.Holder)
        {
            case ClusterFunction state:
            {
                bool fromPool = (ticket.Data & 1) != 0;
                ticket = default;
                lock (_order)
                {
                    UnholdLocked(state, fromPool);
                    if (_client.IsConnected)
                    {
                        try
                        {
                            _client.Release(state.Name, fromPool);
                        }
                        catch (RedisException)
                        {
                            Volatile.Write(ref _resyncNeeded, 1);
                        }
                    }
                    else
                    {
                        Volatile.Write(ref _resyncNeeded, 1); // Redis learns it from the resync when it is back
                    }
                }
                break;
            }
            case FunctionAdmission share:
            {
                // Admitted on the static share: Redis counts it only through resyncs, so the next one gives it back.
                var state = (ClusterFunction)share.ClusterState!;
                bool fromPool = (ticket.Data & 1) != 0;
                var inner = new AdmissionTicket(share, ticket.Data & 1);
                ticket = default;
                _share.Release(ref inner);
                lock (_order)
                {
                    UnholdLocked(state, fromPool);
                    Volatile.Write(ref _resyncNeeded, 1);
                }
                break;
            }
        }
    }

    /// <summary>Each heartbeat: re-assert what this node holds, then return what nodes whose lease is gone held.</summary>
    public async Task OnHeartbeatAsync(IReadOnlyList<string> deadNodes)
    {
        await ResyncAsync().ConfigureAwait(false);
        foreach (var node in deadNodes)
        {
            if (node == _client.NodeId)
            {
                continue;
            }
            long slots = await _client.ReclaimAsync(node).ConfigureAwait(false);
            if (slots > 0)
            {
                _log($"admission: node '{node}' lost its lease; its {slots} slot(s) are back");
            }
        }
    }

    /// <summary>Sets this node's hash in Redis to what it holds (one script, sent under the order lock).</summary>
    public async Task ResyncAsync()
    {
        Task<long> pending;
        lock (_order)
        {
            pending = _client.ResyncAsync(SnapshotLocked());
            Volatile.Write(ref _resyncNeeded, 0);
        }
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch
        {
            Volatile.Write(ref _resyncNeeded, 1);
            throw;
        }
    }

    private async ValueTask<bool> TryResyncAsync()
    {
        try
        {
            await ResyncAsync().ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            EnterDegraded(ex.Message);
            return false;
        }
    }

    private RemoteAdmission OnShare(ClusterFunction state, bool needsNewEnvironment, bool chargeRequest, string why)
    {
        EnterDegraded(why);
        var (decision, ticket) = OnShareCore(state, needsNewEnvironment, chargeRequest);
        return new(decision, ticket.IsHeld && needsNewEnvironment
            ? new AdmissionTicket(ticket.Holder!, ticket.Data | AdmissionTicket.BurstTokenIncluded)
            : ticket);
    }

    /// <summary>The static share decides, also bounded by what this node already holds (tickets Redis admitted
    /// before it became unreachable included).</summary>
    private (ThrottleDecision, AdmissionTicket) OnShareCore(ClusterFunction state, bool needsNewEnvironment, bool chargeRequest)
    {
        lock (_order)
        {
            if (state.Share.ReservedConcurrentExecutions is int reserved && state.Handle.ConcurrentExecutions >= reserved)
            {
                return (ThrottleDecision.Throttled(ThrottleReason.ReservedFunctionConcurrentInvocationLimitExceeded, 1), default);
            }
            if (_heldAccount >= _share.AccountConcurrencyLimit)
            {
                return (ThrottleDecision.Throttled(ThrottleReason.ConcurrentInvocationLimitExceeded, 1), default);
            }
            var decision = chargeRequest
                ? _share.TryAdmit(state.Share, needsNewEnvironment, out var ticket)
                : _share.TryAdmitQueued(state.Share, needsNewEnvironment, out ticket);
            if (decision.IsThrottled)
            {
                return (decision, default);
            }
            HoldLocked(state, (ticket.Data & 1) != 0);
            Volatile.Write(ref _resyncNeeded, 1);
            state.Handle.CountAdmitted();
            return (decision, ticket);
        }
    }

    private void HoldLocked(ClusterFunction state, bool fromPool)
    {
        _heldAccount++;
        if (fromPool)
        {
            _heldPool++;
        }
        state.Handle.Enter();
    }

    private void UnholdLocked(ClusterFunction state, bool fromPool)
    {
        _heldAccount--;
        if (fromPool)
        {
            _heldPool--;
        }
        state.Handle.Exit();
    }

    private List<KeyValuePair<string, long>> SnapshotLocked()
    {
        var held = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var function in _functions)
        {
            int count = function.Handle.ConcurrentExecutions;
            if (count > 0)
            {
                held[function.Field] = held.GetValueOrDefault(function.Field) + count;
            }
        }
        if (_heldAccount > 0)
        {
            held["account"] = _heldAccount;
        }
        if (_heldPool > 0)
        {
            held["pool"] = _heldPool;
        }
        return [.. held];
    }

    private AdmissionLimits Limits(FunctionAdmission function) => new(
        _primary.AccountConcurrencyLimit, UnreservedConcurrencyLimit, function.ReservedConcurrentExecutions ?? -1,
        _primary.RequestRateMultiplier, _primary.BurstCapacity, _primary.BurstRefillPerSecond, _primary.BurstModel == BurstModel.AccountBurst);

    private static ClusterFunction State(FunctionAdmission function) =>
        function.ClusterState as ClusterFunction ?? throw new ArgumentException("The function was not registered with the cluster admission.", nameof(function));

    private void EnterDegraded(string why)
    {
        if (Interlocked.Exchange(ref _degraded, 1) == 0)
        {
            _log($"admission: Redis unreachable ({why}); deciding on this node's static share (account {_share.AccountConcurrencyLimit} of {_primary.AccountConcurrencyLimit}, 1/{_nodes} of each limit)");
        }
    }

    private void LeaveDegraded()
    {
        if (Interlocked.Exchange(ref _degraded, 0) == 1)
        {
            _log("admission: Redis reachable; cluster-wide admission again");
        }
    }
}
