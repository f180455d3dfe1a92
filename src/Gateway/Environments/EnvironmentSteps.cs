using Gateway.Invocations;

namespace Gateway.Environments;

// What the state machine decides, for its owner to carry out. Values, so a test can assert a whole decision.

/// <summary>How a /next is answered.</summary>
internal enum NextDecision
{
    Deliver,
    Parked,
    Rejected,
}

/// <summary>The answer to a /next.</summary>
/// <param name="Invocation">To write to the runtime (when <see cref="NextDecision.Deliver"/>).</param>
/// <param name="Rejection">The Runtime API refusal (when <see cref="NextDecision.Rejected"/>).</param>
/// <param name="Began">The invocation is new here (its START line is due), not a re-delivery.</param>
/// <param name="FirstReady">This /next ended init (the environment is ready for the first time).</param>
/// <param name="BecameIdle">Nothing to deliver after init: offer the environment to the pool.</param>
internal readonly record struct NextStep(NextDecision Decision, Invocation? Invocation, byte[]? Rejection, bool Began, bool FirstReady, bool BecameIdle)
{
    public static NextStep Reject(byte[] rejection) => new(NextDecision.Rejected, null, rejection, false, false, false);
}

/// <summary>What an assignment did.</summary>
internal enum AssignResult
{
    /// <summary>The environment cannot take it (already has one waiting, or is failing or dead).</summary>
    Refused,

    /// <summary>It waits for the runtime's next /next.</summary>
    Pending,

    /// <summary>It has begun: write it to the /next that is parked now.</summary>
    DeliverNow,
}

/// <summary>The answer to /init/error: a refusal, or the invocation that was waiting for init (claimed, maybe none), or
/// <paramref name="RetryInit"/>: that invocation waits for a second init, started once this process has exited.
/// <paramref name="Reset"/>: a re-init after a reset failed; the environment is reset again (<see cref="EnvironmentState.Reset"/>).</summary>
internal readonly record struct InitErrorStep(byte[]? Refusal, Invocation? Waiting, bool RetryInit = false, bool Reset = false);

internal enum DeadlineKind
{
    None,
    Init,

    /// <summary>The init phase's limit passed on demand: init goes on in the invoke phase (nothing ends).</summary>
    InitMovedToInvoke,
    Invocation,
}

/// <summary>A deadline that passed (<see cref="DeadlineKind.None"/>: nothing did) and the invocation it ends (claimed).
/// For an init deadline that is the invocation waiting for init, if any. <paramref name="Reset"/>: the environment is
/// reset (<see cref="EnvironmentState.Reset"/>), not ended: the owner kills the process and keeps the rest.</summary>
internal readonly record struct DeadlineStep(DeadlineKind Expired, Invocation? Invocation, bool Reset = false);

/// <summary>The invocations a process exit ends (claimed): the one running, and the one waiting for the runtime. Or
/// <paramref name="RetryInit"/>: none ends, init is retried; <paramref name="InitFailedNow"/> when this exit is the
/// failure (its INIT_REPORT is due), not the end of a process whose /init/error already decided the retry.
/// <paramref name="RetryCancelled"/>: that /init/error decided a retry, and the environment began stopping before this
/// exit: <paramref name="Pending"/> gets the /init/error's answer (its INIT_REPORT already written), not the exit's.
/// <paramref name="Reset"/>: the environment is reset, not ended (<see cref="EnvironmentState.Reset"/>); an invocation
/// assigned but not delivered stays pending for the re-init (<paramref name="Pending"/> is then only a failed re-init's).</summary>
internal readonly record struct ExitStep(Invocation? Current, Invocation? Pending, bool RetryInit = false, bool InitFailedNow = false, bool RetryCancelled = false,
    bool Reset = false);
