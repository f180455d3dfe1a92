using System.Diagnostics.CodeAnalysis;
using Gateway.Admission;

namespace Gateway.UnitTests.Support;

/// <summary>
/// An <see cref="IAdmission"/> that admits everything unless told to refuse, counts what the pool asks of it, and can
/// hold an admission open (so a test can act between a pool's reservation and its commit). Function handles come from
/// a real <see cref="AdmissionController"/>, since the pool only passes them through.
/// </summary>
internal sealed class FakeAdmission : IAdmission
{
    private readonly AdmissionController _handles = new(new AdmissionOptions(), TimeProvider.System);
    private int _admitted;
    private int _released;
    private int _syncAdmits;
    private int _burstRequests;

    /// <summary>Answers as a remote (cluster) admission: the caller pre-admits with AdmitRemoteAsync.</summary>
    public bool IsRemote { get; set; }

    /// <summary>needsNewEnvironment of the last AdmitRemoteAsync.</summary>
    public bool? LastRemoteNeedsNew { get; private set; }

    /// <summary>TryAdmit/TryAdmitQueued calls (the pool's own admission step).</summary>
    public int SyncAdmits => Volatile.Read(ref _syncAdmits);

    /// <summary>TryStartEnvironment calls (a burst token asked for after admission).</summary>
    public int BurstRequests => Volatile.Read(ref _burstRequests);

    /// <summary>What TryAdmit and TryAdmitQueued answer: admitted by default.</summary>
    public ThrottleDecision Decision { get; set; } = ThrottleDecision.Admitted;

    /// <summary>Runs inside TryAdmit (outside the pool's lock) before it answers; null: nothing.</summary>
    public Action? DuringAdmit { get; set; }

    /// <summary>Tickets issued.</summary>
    public int Admitted => Volatile.Read(ref _admitted);

    /// <summary>Release calls that gave back a held ticket (an empty ticket's release does not count).</summary>
    public int Released => Volatile.Read(ref _released);

    public int AccountConcurrencyLimit => 1000;

    public int UnreservedConcurrencyLimit => 1000;

    public int ConcurrentExecutions => Admitted - Released;

    public FunctionAdmission Register(string functionName) => _handles.Register(functionName);

    public bool TrySetReservedConcurrency(FunctionAdmission function, int? reservedConcurrentExecutions, [NotNullWhen(false)] out ConcurrencyConfigurationError? error)
    {
        error = null;
        return true;
    }

    public ThrottleDecision TryAdmit(FunctionAdmission function, bool needsNewEnvironment, out AdmissionTicket ticket, bool onProvisionedEnvironment = false)
    {
        Interlocked.Increment(ref _syncAdmits);
        return Admit(out ticket);
    }

    public ThrottleDecision TryAdmitQueued(FunctionAdmission function, bool needsNewEnvironment, out AdmissionTicket ticket, bool onProvisionedEnvironment = false)
    {
        Interlocked.Increment(ref _syncAdmits);
        return Admit(out ticket);
    }

    public ThrottleDecision TryAcceptRequest(FunctionAdmission function) => Decision;

    public ThrottleDecision TryStartEnvironment(FunctionAdmission function)
    {
        Interlocked.Increment(ref _burstRequests);
        return Decision;
    }

    public async ValueTask<RemoteAdmission> AdmitRemoteAsync(FunctionAdmission function, bool needsNewEnvironment, bool chargeRequest)
    {
        await Task.Yield(); // a real round trip completes later, on another thread
        LastRemoteNeedsNew = needsNewEnvironment;
        var decision = Admit(out var ticket);
        return new(decision, ticket.IsHeld && needsNewEnvironment ? new AdmissionTicket(this, AdmissionTicket.BurstTokenIncluded) : ticket);
    }

    public ValueTask<ThrottleDecision> AcceptRequestRemoteAsync(FunctionAdmission function) => new(Decision);

    public void Release(ref AdmissionTicket ticket)
    {
        if (ticket.IsHeld)
        {
            Interlocked.Increment(ref _released);
        }
        ticket = default;
    }

    private ThrottleDecision Admit(out AdmissionTicket ticket)
    {
        DuringAdmit?.Invoke();
        var decision = Decision;
        if (decision.IsThrottled)
        {
            ticket = default;
            return decision;
        }
        Interlocked.Increment(ref _admitted);
        ticket = new AdmissionTicket(this, 0);
        return decision;
    }
}
