namespace Gateway.Environments.Containment;

/// <summary>
/// Where this process's own cgroups are, read from /proc/self/cgroup and /proc/self/mountinfo: either the unified (v2)
/// hierarchy, when it is mounted with the memory and pids controllers available, or the v1 hierarchies of the memory,
/// pids and cpu controllers. Environments' cgroups are made below these folders. Pure parsing: unit-tested.
/// </summary>
internal sealed record CgroupHierarchy(int Version, IReadOnlyDictionary<string, string> OwnDirectories)
{
    public static readonly string[] V1Controllers = ["memory", "pids", "cpu"];

    /// <summary>The v2 folder (key ""), or null.</summary>
    public string? Unified => Version == 2 ? OwnDirectories[""] : null;

    /// <summary>Finds the hierarchy; null and why not when neither a usable v2 nor the three v1 controllers are mounted.
    /// <paramref name="v2Controllers"/> reads a v2 folder's cgroup.controllers (null when unreadable).</summary>
    public static CgroupHierarchy? Find(string procSelfCgroup, string mountInfo, Func<string, string?> v2Controllers, out string whyNot)
    {
        var memberships = ParseMemberships(procSelfCgroup);
        var mounts = ParseMounts(mountInfo);

        // v2 first, where its controllers are usable (a "hybrid" host mounts an empty unified tree beside v1).
        if (memberships.TryGetValue("", out var v2Path))
        {
            foreach (var mount in mounts.Where(m => m.FileSystem == "cgroup2"))
            {
                if (Below(mount, v2Path) is { } dir && v2Controllers(dir) is { } controllers)
                {
                    var available = controllers.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (available.Contains("memory") && available.Contains("pids"))
                    {
                        whyNot = "";
                        return new CgroupHierarchy(2, new Dictionary<string, string> { [""] = dir });
                    }
                }
            }
        }

        var own = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var controller in V1Controllers)
        {
            if (!memberships.TryGetValue(controller, out var path))
            {
                whyNot = $"this process is in no {controller} cgroup (v1), and no cgroup2 hierarchy with the memory and pids controllers is mounted";
                return null;
            }
            var mount = mounts.FirstOrDefault(m => m.FileSystem == "cgroup" && m.Options.Split(',').Contains(controller));
            if (mount is null || Below(mount, path) is not { } dir)
            {
                whyNot = $"the {controller} controller's cgroup (v1) hierarchy is not mounted here";
                return null;
            }
            own[controller] = dir;
        }
        whyNot = "";
        return new CgroupHierarchy(1, own);
    }

    /// <summary>/proc/self/cgroup: "id:controllers:path" lines; each controller (of a comma-separated list) → path; v2 → key "".</summary>
    internal static Dictionary<string, string> ParseMemberships(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(':', 3);
            if (parts.Length != 3)
            {
                continue;
            }
            if (parts[0] == "0" && parts[1].Length == 0)
            {
                result[""] = parts[2];
                continue;
            }
            foreach (var controller in parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                result[controller] = parts[2];
            }
        }
        return result;
    }

    internal sealed record Mount(string Root, string MountPoint, string FileSystem, string Options);

    /// <summary>/proc/self/mountinfo: "id parent major:minor root mountpoint options [optional…] - fstype source superoptions".</summary>
    internal static List<Mount> ParseMounts(string text)
    {
        var result = new List<Mount>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            int dash = Array.IndexOf(fields, "-");
            if (dash < 5 || dash + 1 >= fields.Length)
            {
                continue;
            }
            result.Add(new Mount(Unescape(fields[3]), Unescape(fields[4]), fields[dash + 1], dash + 3 < fields.Length ? fields[dash + 3] : ""));
        }
        return result;
    }

    /// <summary>The folder of cgroup <paramref name="path"/> in <paramref name="mount"/>, or null when the mount does not
    /// show it (a container's mount whose root is elsewhere).</summary>
    private static string? Below(Mount mount, string path)
    {
        var root = mount.Root.TrimEnd('/');
        if (root.Length > 0 && path != root && !path.StartsWith(root + "/", StringComparison.Ordinal))
        {
            return null;
        }
        var relative = path[root.Length..].TrimStart('/');
        return relative.Length == 0 ? mount.MountPoint : mount.MountPoint.TrimEnd('/') + "/" + relative;
    }

    /// <summary>mountinfo escapes space, tab, newline and backslash as \ooo.</summary>
    private static string Unescape(string field) => field.Contains('\\', StringComparison.Ordinal)
        ? field.Replace("\\040", " ", StringComparison.Ordinal).Replace("\\011", "\t", StringComparison.Ordinal)
            .Replace("\\012", "\n", StringComparison.Ordinal).Replace("\\134", "\\", StringComparison.Ordinal)
        : field;
}
