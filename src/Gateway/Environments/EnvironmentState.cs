namespace Gateway.Environments;

/// <summary>Where an execution environment's runtime is in the Runtime API's lifecycle (<see cref="EnvironmentStateMachine"/>).</summary>
internal enum EnvironmentState
{
    /// <summary>Spawned; the runtime has not called /next yet (init in progress).</summary>
    Starting,

    /// <summary>Ready for an invocation: the runtime waits in /next (or is about to).</summary>
    Idle,

    /// <summary>An invocation has been delivered and not yet answered.</summary>
    Busy,

    /// <summary>The runtime answered; it becomes Idle again when it calls /next.</summary>
    AwaitingNext,

    /// <summary>The runtime reported /init/error; it is being stopped.</summary>
    InitFailed,

    /// <summary>Reset after an invoke-phase failure (a timeout, the runtime's exit, a failed re-init): the runtime is shut
    /// down, the environment (log stream, Runtime API endpoint, /tmp) stays, and the next invocation assigned to it runs a
    /// new init first, AWS's "suppressed init" (see <see cref="EnvironmentStateMachine"/>).</summary>
    Reset,

    /// <summary>The process is being killed or has exited.</summary>
    Dead,
}
