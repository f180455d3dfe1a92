using Gateway.Native;

namespace Gateway.Environments;

/// <summary>
/// Removes what an earlier gateway run left behind when it could not clean up (it was killed): worker
/// processes still alive (found through their pid files and confirmed by their GATEWAY_ENVIRONMENT_ID),
/// Runtime API socket files, and environments' temporary folders.
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
                if (int.TryParse(File.ReadAllText(pidFile).Trim(), out int pid) && BelongsTo(pid, environmentId))
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
            foreach (var dir in Directory.GetDirectories(tmpDirectory))
            {
                try
                {
                    Directory.Delete(dir, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
        return killed;
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
