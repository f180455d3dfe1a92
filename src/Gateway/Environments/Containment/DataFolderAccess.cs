namespace Gateway.Environments.Containment;

/// <summary>
/// Closes the data folder to workers that run as other users: the folder and the few folders a worker must pass
/// through (code, code/opt, run, tmp) are <c>0711</c> (enter, not list), the empty stand-in for /opt is <c>0755</c>,
/// every other entry (registry.db, events.db, logs/, the stored zips, code folders not gated for a function) is
/// <c>0700</c>/<c>0600</c>, owner root. What a worker may read is then opened per function by <see cref="WorkerUsers"/>.
/// </summary>
/// <remarks>
/// Applied at start, to what exists then. Why modes and not only the mount namespace: with <c>--sandbox none</c> the
/// worker sees the host, and even in a namespace defence in depth is cheap. A code folder extracted after start is
/// 0755 until its first environment gates it (its name is a SHA-256 that a worker cannot list in the 0711 code folder).
/// </remarks>
internal static class DataFolderAccess
{
    private const UnixFileMode Traverse = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Open = Traverse | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public static void Apply(string dataDirectory, string runDirectory, string tmpDirectory)
    {
        FileOwnership.Mode(dataDirectory, Traverse);
        var code = Path.Combine(dataDirectory, "code");
        CloseTopLevel(dataDirectory);
        if (Directory.Exists(code))
        {
            foreach (var entry in Directory.EnumerateDirectories(code))
            {
                FileOwnership.Mode(entry, Path.GetFileName(entry) == "opt" ? Traverse : Private);
            }
            var opt = Path.Combine(code, "opt");
            if (Directory.Exists(opt))
            {
                foreach (var entry in Directory.EnumerateDirectories(opt))
                {
                    FileOwnership.Mode(entry, Private);
                }
            }
        }
        Directory.CreateDirectory(runDirectory);
        FileOwnership.Mode(runDirectory, Traverse);
        Directory.CreateDirectory(tmpDirectory);
        FileOwnership.Mode(tmpDirectory, Traverse);
    }

    /// <summary>
    /// The data folder's own entries: files 0600, folders 0700, but the ones a worker passes through (code, run, tmp:
    /// 0711) and the empty /opt stand-in (0755). Also run before each environment starts: entries made since (the logs
    /// folder appears with the first function's log, a store's file with its first use) are closed before a worker can
    /// look. Only what differs is changed (one stat per entry).
    /// </summary>
    public static void CloseTopLevel(string dataDirectory)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(dataDirectory))
        {
            var info = new FileInfo(entry);
            if (info.LinkTarget is not null || OperatingSystem.IsWindows())
            {
                continue;
            }
            var name = info.Name;
            var wanted = !Directory.Exists(entry) ? PrivateFile
                : name is "code" or "run" or "tmp" ? Traverse
                : name == "empty" ? Open
                : Private;
            if (File.GetUnixFileMode(entry) != wanted)
            {
                FileOwnership.Mode(entry, wanted);
            }
        }
    }

    /// <summary>The first folder above <paramref name="path"/> that other users cannot enter (no o+x), or null: workers
    /// could not reach their code or socket through it.</summary>
    public static string? ClosedAncestor(string path)
    {
        for (var dir = Path.GetDirectoryName(Path.GetFullPath(path)); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(dir) & UnixFileMode.OtherExecute) == 0)
            {
                return dir;
            }
        }
        return null;
    }
}
