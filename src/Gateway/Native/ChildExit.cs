namespace Gateway.Native;

/// <summary>How a worker process ended: an exit status or the signal that killed it, and the largest resident set
/// (kilobytes) of the process or of a descendant it reaped itself (rusage's ru_maxrss; 0 when unknown).</summary>
internal readonly record struct ChildExit(bool Signaled, int Code, long MaxRssKb = 0)
{
    /// <summary><see cref="MaxRssKb"/> in MB, rounded up as REPORT's Max Memory Used is.</summary>
    public int MaxRssMb => (int)((MaxRssKb + 1023) / 1024);

    /// <summary>Two exits are the same when they ended the same way: the memory figure is a measurement of the run,
    /// not part of how it ended.</summary>
    public bool Equals(ChildExit other) => Signaled == other.Signaled && Code == other.Code;

    public override int GetHashCode() => HashCode.Combine(Signaled, Code);

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
