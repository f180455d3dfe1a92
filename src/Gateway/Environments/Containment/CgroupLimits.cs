using System.Globalization;

namespace Gateway.Environments.Containment;

/// <summary>
/// The limits of one environment's cgroup, from its function's MemorySize, as Lambda sets them: memory = MemorySize;
/// processes and threads = 1,024 (Lambda's "Execution processes/threads" quota); CPU in proportion to memory, one
/// vCPU per 1,769 MB ("at 1,769 MB, a function has the equivalent of one vCPU", the Lambda developer guide).
/// </summary>
/// <remarks>
/// CPU is a weight, not a cap: cpu.shares (v1) is 1,024 × MemorySize / 1,769 (1,024 is the kernel's default for
/// one task at nice 0, so a 1,769 MB function weighs as much as one ordinary process; 128 MB weighs 74, 10,240 MB
/// 5,928); cpu.weight (v2) is 100 × MemorySize / 1,769 (100 is v2's default). Under contention environments get CPU
/// in proportion to their memory, as on Lambda; on an idle machine a small function may use a whole core, which
/// Lambda would not give it. A hard cap (cpu.cfs_quota_us) would make a 128 MB function's cold start ~14× slower on
/// this gateway's typical 2-core machines and buy nothing a local gateway needs: not set (README, docs/performance.md).
/// </remarks>
internal readonly record struct CgroupLimits(long MemoryBytes, int PidsMax, int CpuShares, int CpuWeight)
{
    /// <summary>Lambda's quota on processes and threads in one execution environment.</summary>
    public const int ProcessesAndThreads = 1024;

    /// <summary>The memory at which a Lambda function has one full vCPU.</summary>
    public const int MegabytesPerVcpu = 1769;

    /// <param name="tmpfsMb">The size of the environment's /tmp when it is a tmpfs (the mount namespace's): its pages are
    /// memory charged to the cgroup, where on Lambda /tmp is storage beside the memory, so the limit leaves room for it
    /// (a function within both its MemorySize and its EphemeralStorage is never killed; one that leaves /tmp empty may
    /// use that room as memory). 0 with host folders (a /tmp on disk).</param>
    public static CgroupLimits For(int memorySizeMb, int tmpfsMb = 0) => new(
        ((long)memorySizeMb + tmpfsMb) * 1024 * 1024,
        ProcessesAndThreads,
        Math.Max(2, (int)Math.Round(1024.0 * memorySizeMb / MegabytesPerVcpu)), // v1's minimum is 2
        Math.Clamp((int)Math.Round(100.0 * memorySizeMb / MegabytesPerVcpu), 1, 10000));

    /// <summary>The files to write in a v1 hierarchy, (controller, file, value), in order (memsw after memory: the
    /// kernel requires memsw ≥ memory). <paramref name="withSwap"/>: memory.memsw exists (swap accounting is on).</summary>
    public IEnumerable<(string Controller, string File, string Value)> V1Files(bool withSwap)
    {
        yield return ("memory", "memory.limit_in_bytes", Text(MemoryBytes));
        if (withSwap)
        {
            yield return ("memory", "memory.memsw.limit_in_bytes", Text(MemoryBytes));
        }
        yield return ("pids", "pids.max", Text(PidsMax));
        yield return ("cpu", "cpu.shares", Text(CpuShares));
    }

    /// <summary>The files to write in a v2 hierarchy (one folder): no swap, and an OOM kills the whole environment
    /// (memory.oom.group), as Lambda resets an environment whose function ran out of memory.</summary>
    public IEnumerable<(string File, string Value)> V2Files(bool withCpu)
    {
        yield return ("memory.max", Text(MemoryBytes));
        yield return ("memory.swap.max", "0");
        yield return ("memory.oom.group", "1");
        yield return ("pids.max", Text(PidsMax));
        if (withCpu)
        {
            yield return ("cpu.weight", Text(CpuWeight));
        }
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
