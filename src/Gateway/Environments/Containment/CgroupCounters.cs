namespace Gateway.Environments.Containment;

/// <summary>Reads the counters the kernel keeps in a cgroup's flat-keyed files ("key value" lines): memory.oom_control
/// (v1) and memory.events (v2) both have <c>oom_kill N</c>, the number of processes the OOM killer killed in it.</summary>
internal static class CgroupCounters
{
    /// <summary>The value of <paramref name="key"/>, or 0 when absent or unparsable.</summary>
    public static long Read(string text, string key)
    {
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && line.AsSpan(0, space).SequenceEqual(key)
                && long.TryParse(line.AsSpan(space + 1).Trim(), System.Globalization.CultureInfo.InvariantCulture, out long value))
            {
                return value;
            }
        }
        return 0;
    }
}
