namespace Gateway.Admission;

/// <summary>
/// One function's admission state: its invocations in flight, its reserved concurrency (with the request-rate bucket
/// that goes with it) and, in the <see cref="BurstModel.PerFunction"/> model, its scaling bucket. Created by
/// <see cref="AdmissionController.Register"/>; one per function (versions and aliases share it, as reserved
/// concurrency applies to the function as a whole).
/// </summary>
internal sealed class FunctionAdmission
{
    private Reservation? _reservation;
    private int _inFlight;
    private int _onDemandInFlight;
    private int _provisioned;
    private long _admitted;

    internal FunctionAdmission(AdmissionController owner, string name, ContinuousTokenBucket? burst)
    {
        Owner = owner;
        Name = name;
        Burst = burst;
    }

    public string Name { get; }

    /// <summary>The function's reserved concurrency, or null when it draws from the unreserved pool.</summary>
    public int? ReservedConcurrentExecutions => Volatile.Read(ref _reservation)?.Limit;

    /// <summary>
    /// The provisioned concurrency configured on the function's versions and aliases (PutProvisionedConcurrencyConfig),
    /// set by the host as the registry changes. With a reservation it is taken out of what on-demand environments may
    /// run: "provisioned concurrency counts towards a function's reserved concurrency", so reserved 1 with 1 provisioned
    /// leaves $LATEST nothing (LocalStack's AWS recording test_lambda_concurrency_block: a 429 with
    /// ReservedFunctionConcurrentInvocationLimitExceeded).
    /// </summary>
    /// <remarks>Without a reservation it is held back from the account's unreserved pool, whether or not its
    /// environments are busy ("provisioned concurrency counts towards … Regional quotas"): the owner keeps that total, so
    /// a change goes through it.</remarks>
    public int ProvisionedConcurrency
    {
        get => Volatile.Read(ref _provisioned);
        internal set => Owner.SetProvisionedConcurrency(this, value);
    }

    /// <summary>The stored value only: the owner calls this under its configuration lock.</summary>
    internal void StoreProvisioned(int value) => Volatile.Write(ref _provisioned, value);

    /// <summary>Invocations of this function in flight (admitted, not yet released).</summary>
    public int ConcurrentExecutions => Volatile.Read(ref _inFlight);

    /// <summary>Invocations admitted since start (sync and queued Events): what a caller saw pass admission, the
    /// number the throttle model predicts (the dashboard and /metrics show it beside the throttles).</summary>
    public long Admitted => Interlocked.Read(ref _admitted);

    internal AdmissionController Owner { get; }

    /// <summary>The per-function scaling bucket (null in the <see cref="BurstModel.AccountBurst"/> model).</summary>
    internal ContinuousTokenBucket? Burst { get; }

    /// <summary>Read once per admission, so the limit and its rate bucket are always a matching pair.</summary>
    internal Reservation? Reservation
    {
        get => Volatile.Read(ref _reservation);
        set => Volatile.Write(ref _reservation, value);
    }

    internal bool TryEnterBelow(int limit) => AtomicCounter.TryIncrementBelow(ref _inFlight, limit);

    internal void Enter() => Interlocked.Increment(ref _inFlight);

    internal int Exit() => Interlocked.Decrement(ref _inFlight);

    /// <summary>One more invocation on an on-demand environment, if fewer than <paramref name="limit"/> are (reserved
    /// less provisioned).</summary>
    internal bool TryEnterOnDemandBelow(int limit) => AtomicCounter.TryIncrementBelow(ref _onDemandInFlight, limit);

    internal void ExitOnDemand() => Interlocked.Decrement(ref _onDemandInFlight);

    /// <summary>One interlocked add per admission: no allocation, no lock.</summary>
    internal void CountAdmitted() => Interlocked.Increment(ref _admitted);

    /// <summary>The cluster admission's per-function state (keys, its static-share handle); null on a single node.</summary>
    internal object? ClusterState { get; set; }
}

/// <summary>A reserved concurrency and its request-rate bucket (RequestRateMultiplier × limit per second; none for a
/// limit of 0, which refuses every invocation). Immutable: a change swaps the whole object.</summary>
internal sealed class Reservation(int limit, ContinuousTokenBucket? requestRate)
{
    public int Limit { get; } = limit;

    public ContinuousTokenBucket? RequestRate { get; } = requestRate;
}

/// <summary>
/// What an admitted invocation holds, opaque to everyone but the admission that issued it (for the in-process
/// controller: the function's handle, and 1 when the unit came from the unreserved pool — so a release stays exact even
/// if the reservation changed while the invocation ran). Give it back with <see cref="IAdmission.Release"/>.
/// </summary>
internal readonly struct AdmissionTicket
{
    internal AdmissionTicket(object holder, long data)
    {
        Holder = holder;
        Data = data;
    }

    /// <summary>The issuer's state; null for the default (empty) ticket, whose release does nothing.</summary>
    internal object? Holder { get; }

    internal long Data { get; }

    public bool IsHeld => Holder is not null;

    /// <summary>A flag any admission may set in <see cref="Data"/>: the ticket already includes the burst token for a
    /// new environment (a remote admission decided that before the pool placed the invocation).</summary>
    internal const long BurstTokenIncluded = 1L << 62;

    /// <summary>The pool asks for no second burst token when it starts a new environment for this ticket.</summary>
    public bool IncludesBurstToken => (Data & BurstTokenIncluded) != 0;
}

internal static class AtomicCounter
{
    /// <summary>Adds one to <paramref name="counter"/> if it is below <paramref name="limit"/> (a CAS loop: the counter
    /// never exceeds the limit, even transiently).</summary>
    public static bool TryIncrementBelow(ref int counter, int limit)
    {
        int current = Volatile.Read(ref counter);
        while (current < limit)
        {
            int seen = Interlocked.CompareExchange(ref counter, current + 1, current);
            if (seen == current)
            {
                return true;
            }
            current = seen;
        }
        return false;
    }
}
