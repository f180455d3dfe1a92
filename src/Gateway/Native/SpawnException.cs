using System.Runtime.InteropServices;

namespace Gateway.Native;

/// <summary>The step of starting a worker that failed (the numbers are gateway_spawn.c's <c>enum spawn_step</c>).</summary>
internal enum SpawnStep
{
    Unknown = 0,
    Clone = 1,
    ParentDeathSignal = 2,
    Session = 3,
    Stdio = 4,
    WorkingDirectory = 5,
    Exec = 6,
    Cgroup = 7,
    User = 8,

    /// <summary>Not the shim's: the gateway's own check found the interpreter of a script (<c>#!</c>) or of an ELF
    /// (its loader) missing in the namespace (Environments/Sandbox/ExecCheck.cs).</summary>
    Interpreter = 100,
}

/// <summary>A worker could not be started: the errno of the step that failed, reported before the spawn returned.</summary>
internal sealed class SpawnException : Exception
{
    public SpawnException(string executablePath, SpawnStep step, int errno)
        : base($"{Describe(step)} {executablePath} failed: {Marshal.GetPInvokeErrorMessage(errno)}")
    {
        ExecutablePath = executablePath;
        Step = step;
        Errno = errno;
    }

    public string ExecutablePath { get; }

    public SpawnStep Step { get; }

    public int Errno { get; }

    private static string Describe(SpawnStep step) => step switch
    {
        SpawnStep.Clone => "fork for",
        SpawnStep.ParentDeathSignal => "PR_SET_PDEATHSIG for",
        SpawnStep.Session => "setsid for",
        SpawnStep.Stdio => "stdio set-up for",
        SpawnStep.WorkingDirectory => "chdir for",
        SpawnStep.Exec => "exec of",
        SpawnStep.Cgroup => "joining the environment's cgroup for",
        SpawnStep.User => "switching to the worker user for",
        SpawnStep.Interpreter => "the interpreter of",
        _ => "spawn of",
    };
}
