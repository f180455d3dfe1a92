using System.Globalization;
using Gateway.Native;

namespace Gateway.Environments.Containment;

/// <summary>
/// One environment's cgroup: a folder per v1 controller (memory, pids, cpu) or one v2 folder, named by the environment id
/// under the gateway's own parent. The worker joins it in the spawn shim, before its exec (<see cref="ProcsFiles"/>).
/// </summary>
internal sealed class EnvironmentCgroup
{
    private readonly CgroupHierarchy _hierarchy;
    private readonly IReadOnlyList<string> _directories;

    private EnvironmentCgroup(CgroupHierarchy hierarchy, IReadOnlyList<string> directories)
    {
        _hierarchy = hierarchy;
        _directories = directories;
    }

    /// <summary>cgroup.procs of each folder: what the shim writes the child's pid into.</summary>
    public IReadOnlyList<string> ProcsFiles => [.. _directories.Select(d => Path.Combine(d, "cgroup.procs"))];

    /// <summary>The memory controller's folder (v1) or the v2 folder.</summary>
    public string MemoryDirectory => _directories[0];

    /// <summary>Makes the folders and writes the limits. Throws IOException/UnauthorizedAccessException (and removes what
    /// it made) when the kernel refuses.</summary>
    public static EnvironmentCgroup Create(CgroupHierarchy hierarchy, IReadOnlyDictionary<string, string> parents, string environmentId, CgroupLimits limits)
    {
        var directories = new List<string>();
        try
        {
            if (hierarchy.Version == 2)
            {
                var dir = Path.Combine(parents[""], environmentId);
                Directory.CreateDirectory(dir);
                directories.Add(dir);
                bool withCpu = File.Exists(Path.Combine(dir, "cpu.weight"));
                foreach (var (file, value) in limits.V2Files(withCpu))
                {
                    if (file == "memory.swap.max" && !File.Exists(Path.Combine(dir, file)))
                    {
                        continue; // no swap accounting: swap is not counted
                    }
                    File.WriteAllText(Path.Combine(dir, file), value);
                }
            }
            else
            {
                foreach (var controller in CgroupHierarchy.V1Controllers) // memory first: MemoryDirectory
                {
                    var dir = Path.Combine(parents[controller], environmentId);
                    Directory.CreateDirectory(dir);
                    directories.Add(dir);
                }
                bool withSwap = File.Exists(Path.Combine(directories[0], "memory.memsw.limit_in_bytes"));
                foreach (var (controller, file, value) in limits.V1Files(withSwap))
                {
                    File.WriteAllText(Path.Combine(parents[controller], environmentId, file), value);
                }
            }
            return new EnvironmentCgroup(hierarchy, directories);
        }
        catch
        {
            new EnvironmentCgroup(hierarchy, directories).Remove();
            throw;
        }
    }

    /// <summary>How many processes the OOM killer killed in this cgroup (0 when unreadable).</summary>
    public long OomKills()
    {
        try
        {
            var file = _hierarchy.Version == 2 ? "memory.events" : "memory.oom_control";
            return CgroupCounters.Read(File.ReadAllText(Path.Combine(MemoryDirectory, file)), "oom_kill");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>The most memory the cgroup's processes have held (v1 memory.max_usage_in_bytes, v2 memory.peak), in
    /// kilobytes; 0 when unreadable (a kernel without memory.peak).</summary>
    public long PeakMemoryKb()
    {
        try
        {
            var file = _hierarchy.Version == 2 ? "memory.peak" : "memory.max_usage_in_bytes";
            return long.TryParse(File.ReadAllText(Path.Combine(MemoryDirectory, file)).Trim(), System.Globalization.CultureInfo.InvariantCulture, out long bytes)
                ? bytes / 1024
                : 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>Starts <see cref="PeakMemoryKb"/> over on cgroup v1 (a write of 0 resets memory.max_usage_in_bytes). v2's
    /// memory.peak resets (Linux 6.12+) only for reads through the same open file, so it is left: there the figure keeps
    /// the earlier peak, capped at the gateway's own (WorkerProcess.WithoutInheritedPeak).</summary>
    public void ResetPeakMemory()
    {
        if (_hierarchy.Version == 2)
        {
            return;
        }
        try
        {
            File.WriteAllText(Path.Combine(MemoryDirectory, "memory.max_usage_in_bytes"), "0");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Kills every process in the cgroup and keeps it (the init retry's process joins it next).</summary>
    public void KillProcesses()
    {
        foreach (var dir in _directories)
        {
            KillAll(dir);
        }
    }

    /// <summary>Kills every process left in the cgroup (what escaped the process group: a daemon that called setsid)
    /// and removes the folders. Best effort: what stays is removed at the next start.</summary>
    public void Remove() => RemoveDirectories(_directories);

    /// <summary>Kills the processes in each folder, then removes the folders (children first: callers pass leaves).</summary>
    public static void RemoveDirectories(IEnumerable<string> directories)
    {
        foreach (var dir in directories)
        {
            KillAll(dir);
        }
        foreach (var dir in directories)
        {
            for (int attempt = 0; attempt < 50 && Directory.Exists(dir); attempt++)
            {
                try
                {
                    Directory.Delete(dir); // rmdir: the kernel's control files are not real files
                }
                catch (IOException)
                {
                    KillAll(dir); // busy: a process was still exiting (or forking)
                    Thread.Sleep(10);
                }
                catch (UnauthorizedAccessException)
                {
                    break;
                }
            }
        }
    }

    /// <summary>SIGKILL to every process in the folder, repeated while new ones appear (a fork bomb is bounded by pids.max).</summary>
    private static void KillAll(string dir)
    {
        var kill = Path.Combine(dir, "cgroup.kill"); // v2, Linux 5.14+: the kernel does it atomically
        if (File.Exists(kill))
        {
            try
            {
                File.WriteAllText(kill, "1");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }
        for (int round = 0; round < 20; round++)
        {
            string[] pids;
            try
            {
                pids = File.ReadAllText(Path.Combine(dir, "cgroup.procs")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return;
            }
            if (pids.Length == 0)
            {
                return;
            }
            foreach (var pid in pids)
            {
                if (int.TryParse(pid, CultureInfo.InvariantCulture, out int p) && p > 0)
                {
                    LibC.kill(p, LibC.SIGKILL);
                }
            }
            Thread.Sleep(round == 0 ? 1 : 10);
        }
    }
}
