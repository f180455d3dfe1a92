namespace Gateway.Environments.Sandbox;

/// <summary>
/// Paths as a process in the environment's mount namespace sees them, read from the host: <see cref="HostOf"/> sends
/// what lies below /var/task, /opt and /var/runtime to their host folders (everything else is the host's, bound
/// read-only), and <see cref="Folders"/> are the folders the namespace makes itself (/var, /var/task, …: plain folders
/// and mount points inside, whatever the host has at those paths), whose host links are never followed.
/// <see cref="Host"/> is the host's own view (no namespace).
/// </summary>
internal sealed record NamespacePaths(Func<string, string> HostOf, IReadOnlySet<string>? Folders = null)
{
    private const int MaxLinks = 40; // the kernel's MAXSYMLINKS

    /// <summary>The host as it is: every path its own, every link followed.</summary>
    public static NamespacePaths Host { get; } = new(static path => path);

    /// <summary>
    /// The host path of what <paramref name="seen"/> names, every link on the way resolved (folders too: merged-usr's
    /// /bin → usr/bin, a code folder's link into /opt), each through <see cref="HostOf"/>; null when the links loop.
    /// </summary>
    public string? Resolve(string seen)
    {
        var pending = new Queue<string>(seen.Split('/', StringSplitOptions.RemoveEmptyEntries));
        var resolved = "/";
        int links = 0;
        while (pending.TryDequeue(out var part))
        {
            if (part == ".")
            {
                continue;
            }
            if (part == "..")
            {
                resolved = Path.GetDirectoryName(resolved) ?? "/";
                continue;
            }
            var next = resolved == "/" ? "/" + part : resolved + "/" + part;
            // A bound folder's own host links are bwrap's business: only what lies below it is resolved here.
            var target = Folders?.Contains(next) == true ? null : new FileInfo(HostOf(next)).LinkTarget;
            if (target is null)
            {
                resolved = next;
                continue;
            }
            if (++links > MaxLinks)
            {
                return null;
            }
            // The link's target, then what was left of the path; an absolute target starts again from the root.
            pending = new Queue<string>([.. target.Split('/', StringSplitOptions.RemoveEmptyEntries), .. pending]);
            if (Path.IsPathRooted(target))
            {
                resolved = "/";
            }
        }
        return HostOf(resolved);
    }
}
