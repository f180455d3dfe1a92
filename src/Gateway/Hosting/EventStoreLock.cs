namespace Gateway.Hosting;

/// <summary>
/// One gateway per event store. <c>--event-store-path</c> may put the durable Event queue outside the data folder, where
/// the data folder's lock does not reach: a second gateway with its own --data but the same store would open it too, and
/// its start-up recovery would hand the first one's in-flight events back out as pending (run twice, or dropped when the
/// first then settled them). So the store has its own lock, <c>{store}.lock</c> beside it (Hosting/LockFile.cs), taken
/// wherever the store lives, before it is opened, and held for the life of the process.
/// </summary>
internal static class EventStoreLock
{
    public const string Suffix = ".lock";

    /// <summary>The held lock (dispose to release), or null with <paramref name="error"/> when the store's folder cannot
    /// be written or another gateway holds the store for longer than <paramref name="wait"/>.</summary>
    public static FileStream? TryAcquire(string eventStorePath, TimeSpan wait, out string? error)
    {
        const string Advice = "; give --event-store-path a file in a folder the gateway can create and write";
        string folder = Path.GetDirectoryName(eventStorePath)!;
        if (WritableFolder.Problem(folder) is { } problem)
        {
            error = $"the event store's folder {folder} {problem}{Advice}";
            return null;
        }
        string path = eventStorePath + Suffix;
        var attempt = LockFile.TryAcquire(path, wait,
            () => Console.WriteLine($"[gateway] the event store {eventStorePath} is locked by another gateway; waiting up to {wait.TotalSeconds:0} s for it to exit"));
        error = attempt.CannotWrite is { } reason ? $"the event store {eventStorePath} cannot be locked: {reason}{Advice}"
            : attempt.HeldByAnother ? $"the event store {eventStorePath} is in use by another gateway {attempt.Holder(path)}; give each gateway its own --event-store-path"
            : null;
        return attempt.Lock;
    }
}
