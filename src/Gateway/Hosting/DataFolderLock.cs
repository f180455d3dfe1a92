namespace Gateway.Hosting;

/// <summary>
/// One gateway per data folder. At start a gateway clears what a killed earlier run left in its folder (worker
/// processes found through their pid files, environment cgroups, sockets, temporary folders: Environments/
/// LeftoverCleanup.cs, Containment), so a second gateway started on a folder still in use would kill the first's
/// live workers, then share its registry, event queue and log files. The second one is refused instead.
/// </summary>
/// <remarks>
/// The lock is <c>gateway.lock</c> in the folder, held for the life of the process (Hosting/LockFile.cs). The folder is
/// made and checked first, so a folder that cannot be written (a read-only mount, no permission, a path through a
/// regular file) is reported as that, never as "in use".
/// </remarks>
internal static class DataFolderLock
{
    public const string FileName = "gateway.lock";

    /// <summary>The held lock (dispose to release), or null with <paramref name="error"/> when the folder cannot be
    /// written or another gateway holds it for longer than <paramref name="wait"/>.</summary>
    public static FileStream? TryAcquire(string dataDirectory, TimeSpan wait, out string? error)
    {
        const string Advice = "; give --data a folder the gateway can create and write";
        if (WritableFolder.Problem(dataDirectory) is { } problem)
        {
            error = $"the data folder {dataDirectory} {problem}{Advice}";
            return null;
        }
        string path = Path.Combine(dataDirectory, FileName);
        var attempt = LockFile.TryAcquire(path, wait,
            () => Console.WriteLine($"[gateway] the data folder {dataDirectory} is locked by another gateway; waiting up to {wait.TotalSeconds:0} s for it to exit"));
        error = attempt.CannotWrite is { } reason ? $"the data folder {dataDirectory} cannot be written: {reason}{Advice}"
            : attempt.HeldByAnother ? $"the data folder {dataDirectory} is in use by another gateway {attempt.Holder(path)}; give each gateway its own --data folder"
            : null;
        return attempt.Lock;
    }
}
