using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace Gateway.Admission;

/// <summary>A refused concurrency configuration, shaped as the management API's 400 error.</summary>
internal sealed record ConcurrencyConfigurationError(string ErrorType, string Message);

/// <summary>
/// Lambda's admission rules (LAMBDA.md §1.6, §7) as one pure decision per invocation: request rate, concurrency
/// (reserved and unreserved) and the rate of starting new execution environments (burst).
/// </summary>
/// <remarks>
/// <para>
/// Cheap and deterministic: <see cref="TryAdmit"/> and <see cref="Release(ref AdmissionTicket)"/> allocate nothing
/// and take no lock — every counter is bounded with a CAS loop, every bucket is one CAS-updated long
/// (<see cref="ContinuousTokenBucket"/>), and all time comes from the injected <see cref="TimeProvider"/>. Only the
/// configuration changes (<see cref="TrySetReservedConcurrency"/>, <see cref="Register"/>) take a lock; they are the
/// control plane.
/// </para>
/// <para>
/// The checks run in this order, and whatever an earlier check took is given back exactly when a later one refuses
/// (a throttled request consumed nothing):
/// <list type="number">
/// <item>the account's request rate (RequestRateMultiplier × account limit per second, bucket capacity one second's
/// worth) → <see cref="ThrottleReason.FunctionInvocationRateLimitExceeded"/>;</item>
/// <item>a reserved function's request rate (multiplier × reserved) →
/// <see cref="ThrottleReason.ReservedFunctionInvocationRateLimitExceeded"/>;</item>
/// <item>concurrency: a reserved function below its reservation (a cap and a guarantee) →
/// <see cref="ThrottleReason.ReservedFunctionConcurrentInvocationLimitExceeded"/>; a function without one within
/// the unreserved pool (account limit − Σ reserved) → <see cref="ThrottleReason.ConcurrentInvocationLimitExceeded"/>;
/// then the account limit itself as a hard cap → <see cref="ThrottleReason.ConcurrentInvocationLimitExceeded"/>
/// (redundant in a steady configuration, it only bites while a reservation change is settling). The provisioned
/// concurrency of functions without a reservation is held back from that pool, busy or idle, and their invocations on
/// provisioned environments run on it instead of the pool: a READY provisioned alias is never throttled because other
/// functions used the account up, and they cannot use its slots;</item>
/// <item>when the invocation needs a new environment, a burst token →
/// <see cref="ThrottleReason.ConcurrentInvocationLimitExceeded"/>. AWS documents no reason for "requests come in
/// faster than your function can scale"; the burst limit caps how fast <em>concurrency</em> may grow (the old
/// model describes it as the functions' "cumulative concurrency"), it is not a request-rate limit and not the
/// user's reservation, so the concurrency reason is the one a caller can act on (back off and retry).</item>
/// </list>
/// </para>
/// <para>
/// Retry-After: from the bucket that refused (time to its next token, rounded up to whole seconds, at least 1). A
/// concurrency refusal has no bucket — nobody can know when an invocation in flight ends — so it says 1 second.
/// </para>
/// </remarks>
internal sealed class AdmissionController : IAdmission
{
    private readonly TimeProvider _time;
    private readonly long _frequency;
    private readonly int _accountLimit;
    private readonly int _minimumUnreserved;
    private readonly int _rateMultiplier;
    private readonly int _burstCapacity;
    private readonly double _burstRefill;
    private readonly ContinuousTokenBucket _accountRequests;
    private readonly ContinuousTokenBucket? _accountBurst;
    private readonly Lock _configuration = new();
    private int _inFlight;
    private int _unreservedInFlight;
    private int _unreservedLimit;
    private int _reservedTotal;
    private int _provisionedOutsideReservations;
    private int _unreservedOnProvisionedInFlight;

    public AdmissionController(AdmissionOptions options, TimeProvider time)
    {
        options.Validate();
        _time = time;
        _frequency = time.TimestampFrequency;
        _accountLimit = options.AccountConcurrencyLimit;
        _minimumUnreserved = options.MinimumUnreservedConcurrency;
        _rateMultiplier = options.RequestRateMultiplier;
        _burstCapacity = options.EffectiveBurstCapacity;
        _burstRefill = options.EffectiveBurstRefillPerSecond;
        BurstModel = options.BurstModel;
        _unreservedLimit = _accountLimit;
        long now = time.GetTimestamp();
        long accountRate = (long)_rateMultiplier * _accountLimit;
        _accountRequests = new ContinuousTokenBucket(accountRate, accountRate, _frequency, now);
        if (BurstModel == BurstModel.AccountBurst)
        {
            _accountBurst = new ContinuousTokenBucket(_burstCapacity, _burstRefill, _frequency, now);
        }
    }

    public BurstModel BurstModel { get; }

    public int AccountConcurrencyLimit => _accountLimit;

    /// <summary>The scaling bucket's size and refill (the dashboard shows the tokens left against them).</summary>
    public int BurstCapacity => _burstCapacity;

    public double BurstRefillPerSecond => _burstRefill;

    /// <summary>Requests per second allowed per unit of concurrency (account and reserved request-rate buckets).</summary>
    public int RequestRateMultiplier => _rateMultiplier;

    /// <summary>Invocations in flight across the account (CloudWatch <c>ConcurrentExecutions</c>).</summary>
    public int ConcurrentExecutions => Volatile.Read(ref _inFlight);

    /// <summary>Invocations in flight of functions without reserved concurrency (CloudWatch
    /// <c>UnreservedConcurrentExecutions</c>).</summary>
    public int UnreservedConcurrentExecutions => Volatile.Read(ref _unreservedInFlight) + Volatile.Read(ref _unreservedOnProvisionedInFlight);

    /// <summary>The unreserved pool's size for on-demand environments: account limit − Σ reserved − the provisioned
    /// concurrency of functions without a reservation.</summary>
    public int UnreservedConcurrencyLimit => Volatile.Read(ref _unreservedLimit);

    /// <summary>Σ provisioned concurrency of functions without a reservation (held back from the pool).</summary>
    public int ProvisionedOutsideReservations => Volatile.Read(ref _provisionedOutsideReservations);

    public int ReservedConcurrencyTotal => Volatile.Read(ref _reservedTotal);

    /// <summary>New environments <paramref name="function"/> could start right now (its own bucket, or the account's
    /// in the <see cref="BurstModel.AccountBurst"/> model).</summary>
    public long BurstTokensAvailable(FunctionAdmission function) => (function.Burst ?? _accountBurst!).Available(_time.GetTimestamp());

    /// <summary>Requests the account could accept right now.</summary>
    public long AccountRequestTokensAvailable => _accountRequests.Available(_time.GetTimestamp());

    /// <summary>Requests a reserved function could accept right now (null without a reservation).</summary>
    public long? ReservedRequestTokensAvailable(FunctionAdmission function) => function.Reservation is { } reservation
        ? reservation.RequestRate?.Available(_time.GetTimestamp()) ?? 0
        : null;

    /// <summary>Adds a function without reserved concurrency (give it one with <see cref="TrySetReservedConcurrency"/>).</summary>
    public FunctionAdmission Register(string functionName)
    {
        ContinuousTokenBucket? burst = BurstModel == BurstModel.PerFunction
            ? new ContinuousTokenBucket(_burstCapacity, _burstRefill, _frequency, _time.GetTimestamp())
            : null;
        return new FunctionAdmission(this, functionName, burst);
    }

    /// <summary>
    /// Sets (or with null removes — also the thing to do when the function is deleted) a function's reserved
    /// concurrency: PutFunctionConcurrency / DeleteFunctionConcurrency. Validated and applied under the configuration
    /// lock; admissions never take it.
    /// </summary>
    /// <remarks>
    /// Invocations already in flight continue; a lowered reservation refuses new ones until the function's in-flight
    /// count is below it, as on Lambda. A changed reservation starts with a full request-rate bucket; an unchanged
    /// value keeps the current one. The pool limit and the reservation are written in the order that keeps every
    /// intermediate state at most as permissive as the states before and after.
    /// </remarks>
    public bool TrySetReservedConcurrency(FunctionAdmission function, int? reservedConcurrentExecutions, [NotNullWhen(false)] out ConcurrencyConfigurationError? error)
    {
        if (function.Owner != this)
        {
            throw new ArgumentException("The function was registered with another controller.", nameof(function));
        }
        if (reservedConcurrentExecutions is < 0)
        {
            // Shape ReservedConcurrentExecutions has min 0 (BOTO); message in the SDKs' validation format.
            error = new("ValidationException",
                $"1 validation error detected: Value '{reservedConcurrentExecutions}' at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 0");
            return false;
        }
        lock (_configuration)
        {
            var current = function.Reservation;
            int oldValue = current?.Limit ?? 0;
            int newValue = reservedConcurrentExecutions ?? 0;
            int newTotal = _reservedTotal - oldValue + newValue;
            // The function's provisioned concurrency moves with it: out of the pool's hold-back when it gets a
            // reservation (it counts towards the reservation then), back into it when the reservation goes.
            int provisioned = function.ProvisionedConcurrency;
            int newOutside = _provisionedOutsideReservations
                - (current is null ? provisioned : 0)
                + (reservedConcurrentExecutions is null ? provisioned : 0);
            if (reservedConcurrentExecutions is not null && (long)_accountLimit - newTotal - newOutside < _minimumUnreserved)
            {
                error = new("InvalidParameterValueException",
                    $"Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [{_minimumUnreserved}].");
                return false;
            }
            error = null;
            if (current?.Limit == reservedConcurrentExecutions)
            {
                return true; // same value (or still none): keep the rate bucket's state
            }
            Reservation? next = reservedConcurrentExecutions is int limit
                ? new Reservation(limit, limit > 0
                    ? new ContinuousTokenBucket((long)_rateMultiplier * limit, (double)_rateMultiplier * limit, _frequency, _time.GetTimestamp())
                    : null)
                : null;
            int newPool = _accountLimit - newTotal - newOutside;
            Volatile.Write(ref _reservedTotal, newTotal);
            Volatile.Write(ref _provisionedOutsideReservations, newOutside);
            if (newPool < _unreservedLimit)
            {
                // The pool shrinks: shrink it before the function leaves it / claims more.
                Volatile.Write(ref _unreservedLimit, newPool);
                function.Reservation = next;
            }
            else
            {
                // The pool grows: the function joins it (or shrinks its claim) first.
                function.Reservation = next;
                Volatile.Write(ref _unreservedLimit, newPool);
            }
            return true;
        }
    }

    /// <summary>
    /// Sets a function's provisioned concurrency (the host, as the registry changes). Without a reservation the pool
    /// for on-demand environments shrinks or grows by the change, at once: an idle provisioned environment holds its
    /// slot. Invocations in flight keep what they hold.
    /// </summary>
    internal void SetProvisionedConcurrency(FunctionAdmission function, int provisioned)
    {
        lock (_configuration)
        {
            int old = function.ProvisionedConcurrency;
            function.StoreProvisioned(provisioned);
            if (function.Reservation is null && old != provisioned)
            {
                int outside = _provisionedOutsideReservations - old + provisioned;
                Volatile.Write(ref _provisionedOutsideReservations, outside);
                Volatile.Write(ref _unreservedLimit, _accountLimit - _reservedTotal - outside);
            }
        }
    }

    /// <summary>
    /// Admits a synchronous invocation: request rate, concurrency and — when no warm idle environment will take it —
    /// a burst token. On success the ticket holds one unit of concurrency until <see cref="Release(ref AdmissionTicket)"/>.
    /// </summary>
    /// <param name="needsNewEnvironment">True when the invocation will start a new execution environment; an
    /// invocation that a warm (or already starting) environment takes needs no burst token.</param>
    /// <param name="onProvisionedEnvironment">A provisioned environment takes it (see <see cref="FunctionAdmission.ProvisionedConcurrency"/>).</param>
    public ThrottleDecision TryAdmit(FunctionAdmission function, bool needsNewEnvironment, out AdmissionTicket ticket, bool onProvisionedEnvironment = false) =>
        Admit(function, needsNewEnvironment, chargeRequest: true, onProvisionedEnvironment, out ticket);

    /// <summary>
    /// Admits an invocation that was already accepted as a request (an Event taken from the function's queue):
    /// concurrency and burst only. A throttle here means "wait <see cref="ThrottleDecision.RetryAfter"/> and try
    /// again", as Lambda's async poller does; it is never returned to a caller.
    /// </summary>
    public ThrottleDecision TryAdmitQueued(FunctionAdmission function, bool needsNewEnvironment, out AdmissionTicket ticket, bool onProvisionedEnvironment = false) =>
        Admit(function, needsNewEnvironment, chargeRequest: false, onProvisionedEnvironment, out ticket);

    /// <summary>
    /// Charges the request rate only: the check an Event invoke passes before its 202 (LAMBDA.md §7: the request-rate
    /// quota applies to asynchronous invokes too; concurrency throttles of queued events are retried internally).
    /// Nothing to release.
    /// </summary>
    public ThrottleDecision TryAcceptRequest(FunctionAdmission function) =>
        ChargeRequest(function.Reservation, _time.GetTimestamp(), out _);

    /// <summary>
    /// Takes a burst token for an invocation already admitted without one, when it turns out to need a new
    /// environment after all (its idle environment died between the pick and the assignment). On a throttle the
    /// caller releases the ticket.
    /// </summary>
    public ThrottleDecision TryStartEnvironment(FunctionAdmission function) =>
        (function.Burst ?? _accountBurst!).TryTake(_time.GetTimestamp(), out long wait)
            ? ThrottleDecision.Admitted
            : ThrottleDecision.Throttled(ThrottleReason.ConcurrentInvocationLimitExceeded, Seconds(wait));

    /// <summary>In process: decisions are synchronous, and the invoke path awaits nothing for them.</summary>
    public bool IsRemote => false;

    /// <summary>Not used on a single node (<see cref="IsRemote"/> is false); answers synchronously.</summary>
    public ValueTask<RemoteAdmission> AdmitRemoteAsync(FunctionAdmission function, bool needsNewEnvironment, bool chargeRequest)
    {
        var decision = Admit(function, needsNewEnvironment, chargeRequest, onProvisionedEnvironment: false, out var ticket);
        return new(new RemoteAdmission(decision, ticket.IsHeld && needsNewEnvironment
            ? new AdmissionTicket(ticket.Holder!, ticket.Data | AdmissionTicket.BurstTokenIncluded)
            : ticket));
    }

    /// <summary>Not used on a single node; answers synchronously.</summary>
    public ValueTask<ThrottleDecision> AcceptRequestRemoteAsync(FunctionAdmission function) => new(TryAcceptRequest(function));

    /// <summary>Gives back what <paramref name="ticket"/> holds and clears it, so a second release of the same
    /// variable does nothing.</summary>
    public void Release(ref AdmissionTicket ticket)
    {
        if (ticket.Holder is not FunctionAdmission function)
        {
            return;
        }
        bool fromUnreservedPool = (ticket.Data & UnreservedPoolUnit) != 0;
        bool onDemand = (ticket.Data & OnDemandUnit) != 0;
        bool onProvisionedOutsideReservation = (ticket.Data & ProvisionedOutsideReservationUnit) != 0;
        ticket = default;
        Debug.Assert(function.Owner == this, "A ticket from another controller.");
        int account = Interlocked.Decrement(ref _inFlight);
        int own = function.Exit();
        if (onDemand)
        {
            function.ExitOnDemand();
        }
        int pool = fromUnreservedPool ? Interlocked.Decrement(ref _unreservedInFlight) : 0;
        int provisioned = onProvisionedOutsideReservation ? Interlocked.Decrement(ref _unreservedOnProvisionedInFlight) : 0;
        Debug.Assert(account >= 0 && own >= 0 && pool >= 0 && provisioned >= 0, "Released more than was admitted.");
    }

    /// <summary>Ticket data: the unit came from the unreserved pool.</summary>
    private const long UnreservedPoolUnit = 1;

    /// <summary>Ticket data: the unit counts against what a reservation leaves to on-demand environments.</summary>
    private const long OnDemandUnit = 2;

    /// <summary>Ticket data: the unit ran on the provisioned concurrency of a function without a reservation.</summary>
    private const long ProvisionedOutsideReservationUnit = 4;

    private ThrottleDecision Admit(FunctionAdmission function, bool needsNewEnvironment, bool chargeRequest, bool onProvisionedEnvironment, out AdmissionTicket ticket)
    {
        ticket = default;
        long now = _time.GetTimestamp();
        var reservation = function.Reservation;
        ContinuousTokenBucket? reservedRate = null;
        if (chargeRequest)
        {
            var rate = ChargeRequest(reservation, now, out reservedRate);
            if (rate.IsThrottled)
            {
                return rate;
            }
        }

        bool fromUnreservedPool;
        bool onDemand = false;
        bool onProvisionedOutsideReservation = false;
        if (reservation is not null)
        {
            if (!function.TryEnterBelow(reservation.Limit))
            {
                return Refuse(ThrottleReason.ReservedFunctionConcurrentInvocationLimitExceeded, 1, chargeRequest, reservedRate);
            }
            int provisioned = function.ProvisionedConcurrency;
            if (provisioned > 0 && !onProvisionedEnvironment)
            {
                // Provisioned concurrency counts towards the reservation: on-demand environments get what it leaves.
                if (!function.TryEnterOnDemandBelow(reservation.Limit - provisioned))
                {
                    function.Exit();
                    return Refuse(ThrottleReason.ReservedFunctionConcurrentInvocationLimitExceeded, 1, chargeRequest, reservedRate);
                }
                onDemand = true;
            }
            fromUnreservedPool = false;
        }
        else if (onProvisionedEnvironment && function.ProvisionedConcurrency > 0)
        {
            // Its provisioned concurrency, held back from the pool: one environment runs one invocation, so at most
            // that many run here, and the pool is not charged.
            function.Enter();
            Interlocked.Increment(ref _unreservedOnProvisionedInFlight);
            fromUnreservedPool = false;
            onProvisionedOutsideReservation = true;
        }
        else
        {
            if (!AtomicCounter.TryIncrementBelow(ref _unreservedInFlight, Volatile.Read(ref _unreservedLimit)))
            {
                return Refuse(ThrottleReason.ConcurrentInvocationLimitExceeded, 1, chargeRequest, reservedRate);
            }
            function.Enter();
            fromUnreservedPool = true;
        }

        if (!AtomicCounter.TryIncrementBelow(ref _inFlight, _accountLimit))
        {
            ExitFunction(function, fromUnreservedPool, onDemand, onProvisionedOutsideReservation);
            return Refuse(ThrottleReason.ConcurrentInvocationLimitExceeded, 1, chargeRequest, reservedRate);
        }

        if (needsNewEnvironment && !(function.Burst ?? _accountBurst!).TryTake(now, out long wait))
        {
            Interlocked.Decrement(ref _inFlight);
            ExitFunction(function, fromUnreservedPool, onDemand, onProvisionedOutsideReservation);
            return Refuse(ThrottleReason.ConcurrentInvocationLimitExceeded, Seconds(wait), chargeRequest, reservedRate);
        }

        ticket = new AdmissionTicket(function, (fromUnreservedPool ? UnreservedPoolUnit : 0) | (onDemand ? OnDemandUnit : 0)
            | (onProvisionedOutsideReservation ? ProvisionedOutsideReservationUnit : 0));
        function.CountAdmitted();
        return ThrottleDecision.Admitted;
    }

    /// <summary>Takes one request token from the account and, for a reserved function, one from its bucket.</summary>
    private ThrottleDecision ChargeRequest(Reservation? reservation, long now, out ContinuousTokenBucket? reservedRate)
    {
        reservedRate = null;
        if (!_accountRequests.TryTake(now, out long wait))
        {
            return ThrottleDecision.Throttled(ThrottleReason.FunctionInvocationRateLimitExceeded, Seconds(wait));
        }
        // A reservation of 0 has no rate bucket: the concurrency check refuses it with the reserved reason.
        if (reservation?.RequestRate is { } bucket)
        {
            if (!bucket.TryTake(now, out wait))
            {
                _accountRequests.Refund();
                return ThrottleDecision.Throttled(ThrottleReason.ReservedFunctionInvocationRateLimitExceeded, Seconds(wait));
            }
            reservedRate = bucket;
        }
        return ThrottleDecision.Admitted;
    }

    private ThrottleDecision Refuse(ThrottleReason reason, int retryAfterSeconds, bool chargedRequest, ContinuousTokenBucket? reservedRate)
    {
        if (chargedRequest)
        {
            _accountRequests.Refund();
            reservedRate?.Refund();
        }
        return ThrottleDecision.Throttled(reason, retryAfterSeconds);
    }

    private void ExitFunction(FunctionAdmission function, bool fromUnreservedPool, bool onDemand, bool onProvisionedOutsideReservation)
    {
        function.Exit();
        if (onProvisionedOutsideReservation)
        {
            Interlocked.Decrement(ref _unreservedOnProvisionedInFlight);
        }
        if (onDemand)
        {
            function.ExitOnDemand();
        }
        if (fromUnreservedPool)
        {
            Interlocked.Decrement(ref _unreservedInFlight);
        }
    }

    /// <summary>Timestamp ticks to whole seconds, rounded up, at least 1.</summary>
    private int Seconds(long ticks)
    {
        long seconds = ticks / _frequency + (ticks % _frequency > 0 ? 1 : 0);
        return (int)Math.Clamp(seconds, 1, int.MaxValue);
    }
}
