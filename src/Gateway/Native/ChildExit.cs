namespace Gateway.Native;

/// <summary>How a worker process ended: an exit status or the signal that killed it.</summary>
internal readonly record struct ChildExit(bool Signaled, int Code)
{
    /// <summary>The wording AWS uses in Runtime.ExitError messages ("exit status 3", "signal: killed").</summary>
    public string Describe() => Signaled ? "signal: " + SignalName(Code) : "exit status " + Code;

    private static string SignalName(int signal) => signal switch
    {
        1 => "hangup",
        2 => "interrupt",
        3 => "quit",
        4 => "illegal instruction",
        6 => "aborted",
        7 => "bus error",
        8 => "floating point exception",
        9 => "killed",
        11 => "segmentation fault",
        13 => "broken pipe",
        14 => "alarm clock",
        15 => "terminated",
        _ => "signal " + signal,
    };
}
