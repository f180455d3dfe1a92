using System.Diagnostics.CodeAnalysis;

namespace Gateway.Admission;

/// <summary>
/// Lambda's admission rules behind one seam: the in-process <see cref="AdmissionController"/> today, a cluster-wide one
/// later. Callers hold only opaque values: a <see cref="FunctionAdmission"/> handle per function (from
/// <see cref="Register"/>) and an <see cref="AdmissionTicket"/> per admitted invocation, given back exactly once with
/// <see cref="Release(ref AdmissionTicket)"/>.
/// </summary>
/// <remarks>
/// The environment pool calls it outside its own lock, in three steps: reserve a placement (an idle environment, or
/// room for a new one) under the pool lock, admit here, then commit the placement or roll it back.
/// </remarks>
internal interface IAdmission
{
    int AccountConcurrencyLimit { get; }

    /// <summary>Account limit − Σ reserved.</summary>
    int UnreservedConcurrencyLimit { get; }

    /// <summary>Invocations in flight across the account.</summary>
    int ConcurrentExecutions { get; }

    FunctionAdmission Register(string functionName);

    /// <summary>Sets (null removes) a function's reserved concurrency; refuses with the management API's error.</summary>
    bool TrySetReservedConcurrency(FunctionAdmission function, int? reservedConcurrentExecutions, [NotNullWhen(false)] out ConcurrencyConfigurationError? error);

    /// <summary>A synchronous invoke: request rate, concurrency, and a burst token when it needs a new environment.</summary>
    /// <param name="onProvisionedEnvironment">A provisioned (pre-forked) environment takes it: it runs on the function's
    /// provisioned concurrency, not on what its reservation leaves to on-demand environments.</param>
    ThrottleDecision TryAdmit(FunctionAdmission function, bool needsNewEnvironment, out AdmissionTicket ticket, bool onProvisionedEnvironment = false);

    /// <summary>A queued Event (its request was charged at its 202): concurrency and burst only.</summary>
    ThrottleDecision TryAdmitQueued(FunctionAdmission function, bool needsNewEnvironment, out AdmissionTicket ticket, bool onProvisionedEnvironment = false);

    /// <summary>The request-rate check an Event invoke passes before its 202. Nothing to release.</summary>
    ThrottleDecision TryAcceptRequest(FunctionAdmission function);

    /// <summary>A burst token for an admitted invocation that needs a new environment after all.</summary>
    ThrottleDecision TryStartEnvironment(FunctionAdmission function);

    /// <summary>Gives back what the ticket holds and clears it (a second release does nothing).</summary>
    void Release(ref AdmissionTicket ticket);

    /// <summary>
    /// True when decisions are made elsewhere (cluster mode: a Redis round trip). Callers then await
    /// <see cref="AdmitRemoteAsync"/> before the pool's synchronous dispatch, which finds the ticket held and admits
    /// nothing itself; a single node answers false and its path has no await added.
    /// </summary>
    bool IsRemote { get; }

    /// <summary>The awaited decision of a remote admission (<see cref="TryAdmit"/> with <paramref name="chargeRequest"/>,
    /// else <see cref="TryAdmitQueued"/>). The ticket carries <see cref="AdmissionTicket.IncludesBurstToken"/> when a
    /// burst token was taken for <paramref name="needsNewEnvironment"/>.</summary>
    ValueTask<RemoteAdmission> AdmitRemoteAsync(FunctionAdmission function, bool needsNewEnvironment, bool chargeRequest);

    /// <summary>The awaited <see cref="TryAcceptRequest"/> of a remote admission.</summary>
    ValueTask<ThrottleDecision> AcceptRequestRemoteAsync(FunctionAdmission function);
}

/// <summary>A remote admission's answer: the decision and, when admitted, the ticket.</summary>
internal readonly record struct RemoteAdmission(ThrottleDecision Decision, AdmissionTicket Ticket);
