namespace Gateway.Hosting;

/// <summary>
/// One gateway per data folder. At start a gateway clears what a killed earlier run left in its folder (worker
/// processes found through their pid files, environment cgroups, sockets, temporary folders: Environments/
/// LeftoverCleanup.cs, Containment), so a second gateway started on a folder still in use would kill the first's
/// live workers, then share its registry, event queue and log files. The second one is refused instead.
/// </summary>
/// <remarks>
/// The lock is <c>flock(2)</c> on <c>gateway.lock</c> in the folder, taken through <see cref="FileShare.None"/> (.NET's
/// file locking on Unix) and held for the life of the process. The kernel drops it when the process dies, however it
/// dies, so a SIGKILLed gateway never leaves a stale lock; since that drop follows the kill by a moment, a restart
/// waits briefly for it before refusing. (<c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING=1</c> turns .NET's locking, and so
/// this check, off.)
/// </remarks>
internal static class DataFolderLock
{
    public const string FileName = "gateway.lock";

    /// <summary>The held lock (dispose to release), or null with <paramref name="error"/> when another gateway
    /// holds it for longer than <paramref name="wait"/>.</summary>
    public static FileStream? TryAcquire(string dataDirectory, TimeSpan wait, out string? error)
    {
        Directory.CreateDirectory(dataDirectory);
        string path = Path.Combine(dataDirectory, FileName);
        var deadline = DateTime.UtcNow + wait;
        bool announced = false;
        while (true)
        {
            try
            {
                error = null;
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                if (!announced)
                {
                    Console.WriteLine($"[gateway] the data folder {dataDirectory} is locked by another gateway; waiting up to {wait.TotalSeconds:0} s for it to exit");
                    announced = true;
                }
                Thread.Sleep(50);
            }
            catch (IOException)
            {
                error = $"the data folder {dataDirectory} is in use by another gateway (it holds {path}); give each gateway its own --data folder";
                return null;
            }
        }
    }
}
