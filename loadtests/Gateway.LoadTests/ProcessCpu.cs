using System.Globalization;

namespace Gateway.LoadTests;

/// <summary>CPU clock ticks (USER_HZ, 100 per second on Linux) of a process tree at one instant.</summary>
/// <param name="Roots">utime + stime of the root processes themselves (e.g. the gateway process alone).</param>
/// <param name="Tree">the roots, every live descendant (the gateway's bwrap and bootstrap workers, nginx's and
/// php-fpm's workers) and every descendant already reaped (cutime + cstime of the live members).</param>
/// <param name="Self">this load generator's own utime + stime.</param>
internal readonly record struct CpuSample(long Roots, long Tree, long Self, int Processes);

/// <summary>
/// Reads <c>/proc</c> for the CPU time of the servers under test, in-process, at exactly the measured window's
/// edges. compare.sh used to fork awk and pgrep per process from a shell sampler started beside the load generator:
/// on a loaded box 40 forks took seconds, so the "end" sample of the load generator often came after it had exited
/// (read as 0: negative µs/request), its window did not match the measured seconds, and only direct children were
/// counted (the gateway's workers are grandchildren: gateway → bwrap → bootstrap).
/// </summary>
/// <remarks>
/// Why cutime/cstime: a worker that exits inside the window (an environment recycled, a pool shrinking) is no longer
/// in /proc at the end; its CPU moved into its reaping parent's cutime/cstime. Summing utime + stime + cutime + cstime
/// over the live members of the tree counts every tick once: a process is counted live or, once reaped, in its
/// parent's children fields (not both), as long as a tree member reaps it.
/// </remarks>
internal static class ProcessCpu
{
    public static CpuSample Sample(IReadOnlyList<int> roots)
    {
        var parents = new Dictionary<int, int>();
        var ticks = new Dictionary<int, (long Own, long Reaped)>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }
            if (TryRead(pid, out int ppid, out long own, out long reaped))
            {
                parents[pid] = ppid;
                ticks[pid] = (own, reaped);
            }
        }

        var members = new HashSet<int>(roots.Where(ticks.ContainsKey));
        bool grew = true;
        while (grew)                              // descendants: children of members, until nothing new joins
        {
            grew = false;
            foreach (var (pid, ppid) in parents)
            {
                if (members.Contains(ppid) && members.Add(pid))
                {
                    grew = true;
                }
            }
        }

        long rootTicks = roots.Where(ticks.ContainsKey).Sum(r => ticks[r].Own);
        long treeTicks = members.Sum(p => ticks[p].Own + ticks[p].Reaped);
        TryRead(Environment.ProcessId, out _, out long self, out _);
        return new CpuSample(rootTicks, treeTicks, self, members.Count);
    }

    public static readonly long TicksPerSecond = 100; // USER_HZ: fixed at 100 on Linux whatever CONFIG_HZ is

    /// <summary>Fields after the command name, which is in parentheses and may itself hold spaces and ')' .</summary>
    private static bool TryRead(int pid, out int ppid, out long own, out long reaped)
    {
        ppid = 0; own = 0; reaped = 0;
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return false;                         // exited between the listing and the read
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15, cutime 16, cstime 17.
        ppid = int.Parse(fields[1], CultureInfo.InvariantCulture);
        own = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        reaped = long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
        return true;
    }
}
