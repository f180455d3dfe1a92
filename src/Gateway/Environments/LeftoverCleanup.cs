using Gateway.Native;

namespace Gateway.Environments;

/// <summary>
/// Removes what an earlier gateway run left behind when it could not clean up (it was killed): worker
/// processes still alive (found through their pid files and confirmed by their GATEWAY_ENVIRONMENT_ID),
/// Runtime API socket files, and environments' temporary folders (and the tmpfs mounts on them).
/// </summary>
internal static class LeftoverCleanup
{
    public static int Run(string runDirectory, string tmpDirectory)
    {
        int killed = 0;
        if (Directory.Exists(runDirectory))
        {
            foreach (var pidFile in Directory.GetFiles(runDirectory, "*.pid"))
            {
                var environmentId = Path.GetFileNameWithoutExtension(pidFile);
                if (int.TryParse(ReadOrEmpty(pidFile).Trim(), out int pid) && (BelongsTo(pid, environmentId) || GroupBelongsTo(pid, environmentId)))
                {
                    LibC.kill(-pid, LibC.SIGKILL);
                    LibC.kill(pid, LibC.SIGKILL);
                    killed++;
                }
                File.Delete(pidFile);
            }
            foreach (var socket in Directory.GetFiles(runDirectory, "*.sock"))
            {
                File.Delete(socket);
            }
        }
        if (Directory.Exists(tmpDirectory))
        {
            TmpVolume.RemoveAllUnder(tmpDirectory); // a tmpfs a killed gateway mounted there is unmounted first
        }
        return killed;
    }

    /// <summary>A pid file's text, or "" when it went away after the listing (its environment stopped meanwhile).</summary>
    internal static string ReadOrEmpty(string pidFile)
    {
        try
        {
            return File.ReadAllText(pidFile);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return "";
        }
    }

    /// <summary>
    /// The worker died with the gateway (its parent-death signal) but processes it started live on in its group, whose id
    /// is the worker's pid: trusted when one of them names the environment. (Inside a mount namespace the worker is
    /// bubblewrap; the function dies with it, what the function started does not.)
    /// </summary>
    private static bool GroupBelongsTo(int processGroup, string environmentId)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out int pid) && ProcessGroupOf(pid) == processGroup && BelongsTo(pid, environmentId))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Field 5 of /proc/{pid}/stat (after the parenthesised name, which may hold spaces); -1 when unreadable.</summary>
    private static int ProcessGroupOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 2 && int.TryParse(fields[2], out int group) ? group : -1;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException)
        {
            return -1;
        }
    }

    /// <summary>A pid is only trusted if that process's environment names the environment (pids get reused).</summary>
    private static bool BelongsTo(int pid, string environmentId)
    {
        try
        {
            var environ = File.ReadAllBytes($"/proc/{pid}/environ");
            var marker = System.Text.Encoding.ASCII.GetBytes(WorkerEnvironment.EnvironmentIdVariable + "=" + environmentId);
            return environ.AsSpan().IndexOf(marker) >= 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
