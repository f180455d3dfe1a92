namespace Gateway.Environments;

/// <summary>
/// What an <see cref="ExecutionEnvironment"/> tells whoever holds it (the function's <see cref="EnvironmentPool"/>):
/// an interface, so the environment does not depend on the pool that depends on it.
/// </summary>
internal interface IEnvironmentOwner
{
    /// <summary>The environment can take an invocation (its runtime waits in /next, or soon will).</summary>
    void OnIdle(ExecutionEnvironment e);

    /// <summary>The process has exited and everything it held has been released.</summary>
    void OnExited(ExecutionEnvironment e);

    /// <summary>A /tmp a reset environment of <paramref name="function"/> left (<see cref="KeepSpareTmp"/>), or null.</summary>
    TmpVolume? TakeSpareTmp(Functions.FunctionDefinition function);

    /// <summary>A reset environment's /tmp, for the next environment of its code. False: not kept (the pool is stopping,
    /// or the code changed); the caller releases it.</summary>
    bool KeepSpareTmp(TmpVolume tmp);

    /// <summary>Gives back an invocation's unit of concurrency that the environment kept past its answer, while its
    /// extensions still worked on it (<see cref="ExecutionEnvironment"/>'s post-invoke hold).</summary>
    void ReleaseAdmission(ref Admission.AdmissionTicket ticket);

    /// <summary>When the function last gave one of its environments an invocation (a TimeProvider timestamp; 0: never).
    /// An idle environment is frozen only once its function has been quiet that long (ExecutionEnvironment.Freeze.cs).</summary>
    long LastAssignedTimestamp { get; }

    /// <summary>Where the environment records its invocations and init times.</summary>
    Metrics.FunctionMetrics Metrics { get; }
}
