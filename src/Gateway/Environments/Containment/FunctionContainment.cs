using System.Security.Cryptography;
using System.Text;
using Gateway.Functions;
using Gateway.Native;

namespace Gateway.Environments.Containment;

/// <summary>
/// How environments are contained, chosen once at start: a cgroup each (memory = MemorySize, 1,024 processes and
/// threads, CPU weight in proportion to memory; <see cref="CgroupLimits"/>) below a parent of this gateway's own
/// (<c>gateway-{hash of the data folder}</c>, so gateways with other data folders never touch each other's), and a
/// worker user per function (<see cref="WorkerUsers"/>). Each part says in the start-up line whether it is on and why.
/// </summary>
internal sealed class FunctionContainment
{
    private readonly CgroupHierarchy? _hierarchy;
    private readonly IReadOnlyDictionary<string, string> _parents;

    private FunctionContainment(CgroupHierarchy? hierarchy, IReadOnlyDictionary<string, string> parents, WorkerUsers? users, string description)
    {
        _hierarchy = hierarchy;
        _parents = parents;
        Users = users;
        Description = description;
    }

    /// <summary>The start-up lines: cgroups, then the worker user.</summary>
    public string Description { get; }

    public bool UsesCgroups => _hierarchy is not null;

    /// <summary>The users workers run as, or null (the gateway's own).</summary>
    public WorkerUsers? Users { get; }

    /// <summary>Nothing contained (tests of other parts, and where nothing can be).</summary>
    public static FunctionContainment None { get; } = new(null, new Dictionary<string, string>(), null, "containment: none");

    /// <summary>Chooses; throws <see cref="InvalidOperationException"/> when <c>cgroup</c> or a worker uid was asked for
    /// and cannot be had.</summary>
    public static FunctionContainment Choose(ContainmentSetting setting, string workerUid, string dataDirectory, SpawnMethod spawnMethod)
    {
        bool root = Environment.IsPrivilegedProcess;
        string cgroupLine;
        CgroupHierarchy? hierarchy = null;
        IReadOnlyDictionary<string, string> parents = new Dictionary<string, string>();
        if (setting == ContainmentSetting.None)
        {
            cgroupLine = "containment: none (--containment none): functions share the gateway's memory, processes and CPU";
        }
        else if (spawnMethod != SpawnMethod.NativeShim)
        {
            cgroupLine = Refuse(setting, "workers are not started by gateway_spawn (a worker must join its cgroup before its exec)");
        }
        else if (TryCgroups(dataDirectory, out hierarchy, out parents, out var whyNot))
        {
            var h = hierarchy!;
            cgroupLine = $"containment: a cgroup per environment ({(h.Version == 2 ? "v2 at " + h.Unified : "v1: memory, pids, cpu under " + parents["memory"])}): "
                + $"memory = MemorySize ({SwapNote(h, parents)}), {CgroupLimits.ProcessesAndThreads} processes/threads, "
                + $"CPU weight ∝ MemorySize (1 vCPU's weight per {CgroupLimits.MegabytesPerVcpu} MB, no cap)";
        }
        else
        {
            cgroupLine = Refuse(setting, whyNot);
        }

        var users = ChooseUsers(workerUid, dataDirectory, root, spawnMethod, out var userLine);
        return new FunctionContainment(hierarchy, parents, users, cgroupLine + "\n[gateway] " + userLine);
    }

    private static string Refuse(ContainmentSetting setting, string why) => setting == ContainmentSetting.Cgroup
        ? throw new InvalidOperationException("--containment cgroup: " + why + ".")
        : $"containment: none ({why}): functions share the gateway's memory, processes and CPU";

    private static string SwapNote(CgroupHierarchy h, IReadOnlyDictionary<string, string> parents) => h.Version == 2
        ? "no swap"
        : File.Exists(Path.Combine(parents["memory"], "memory.memsw.limit_in_bytes")) ? "memory + swap" : "swap is not counted";

    private static WorkerUsers? ChooseUsers(string setting, string dataDirectory, bool root, SpawnMethod spawnMethod, out string line)
    {
        var value = setting.Trim().ToLowerInvariant();
        if (value is "none" or "off")
        {
            line = "workers: run as the gateway's own user (--worker-uid none)";
            return null;
        }
        bool asked = value is not ("" or "auto");
        int first = 200000;
        if (asked && (!int.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out first) || first < 1000 || first > int.MaxValue - 2 * WorkerUsers.RangeSize))
        {
            throw new InvalidOperationException($"Gateway:WorkerUid must be auto, none or a first uid (at least 1000), not '{setting}'.");
        }
        string? whyNot = !root ? "the gateway is not root: changing user needs CAP_SETUID, so functions can read what the gateway's user can"
            : spawnMethod != SpawnMethod.NativeShim ? "workers are not started by gateway_spawn"
            : DataFolderAccess.ClosedAncestor(dataDirectory) is { } closed ? $"{closed} is closed to other users (no o+x), so a worker could not reach its code"
            : null;
        if (whyNot is not null)
        {
            line = $"workers: run as the gateway's own user ({whyNot})";
            return asked ? throw new InvalidOperationException("--worker-uid: " + whyNot + ".") : null;
        }
        line = $"workers: a uid per function from {first} (not the gateway's), no supplementary groups but its code's; "
            + "the data folder, other functions' code and the gateway's files are closed to them";
        return new WorkerUsers(first, dataDirectory);
    }

    private static bool TryCgroups(string dataDirectory, out CgroupHierarchy? hierarchy, out IReadOnlyDictionary<string, string> parents, out string whyNot)
    {
        parents = new Dictionary<string, string>();
        try
        {
            hierarchy = CgroupHierarchy.Find(File.ReadAllText("/proc/self/cgroup"), File.ReadAllText("/proc/self/mountinfo"),
                dir => File.Exists(Path.Combine(dir, "cgroup.controllers")) ? File.ReadAllText(Path.Combine(dir, "cgroup.controllers")) : null, out whyNot);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            hierarchy = null;
            whyNot = "/proc/self/cgroup is unreadable: " + ex.Message;
        }
        if (hierarchy is null)
        {
            return false;
        }
        var name = "gateway-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(dataDirectory)))[..16];
        var made = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            foreach (var (controller, own) in hierarchy.OwnDirectories)
            {
                var parent = Path.Combine(own, name);
                if (hierarchy.Version == 2)
                {
                    // Children get the controllers only if every level above hands them down; and v2 lets a cgroup hand
                    // them down only when no process sits in it (a container's root cgroup holds the gateway): then the
                    // gateway moves itself into a leaf beside its environments first.
                    var wanted = string.Join(' ', File.ReadAllText(Path.Combine(own, "cgroup.controllers"))
                        .Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Where(c => c is "memory" or "pids" or "cpu").Select(c => "+" + c));
                    EnableControllers(own, wanted);
                    Directory.CreateDirectory(parent);
                    File.WriteAllText(Path.Combine(parent, "cgroup.subtree_control"), wanted);
                }
                else
                {
                    Directory.CreateDirectory(parent);
                }
                made[controller] = parent;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            whyNot = "the cgroup folders are not writable here (" + ex.Message + ")";
            hierarchy = null;
            return false;
        }
        parents = made;
        return true;
    }

    private static void EnableControllers(string own, string wanted)
    {
        var control = Path.Combine(own, "cgroup.subtree_control");
        try
        {
            File.WriteAllText(control, wanted);
        }
        catch (IOException)
        {
            var leaf = Path.Combine(own, "gateway-main");
            Directory.CreateDirectory(leaf);
            File.WriteAllText(Path.Combine(leaf, "cgroup.procs"), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            File.WriteAllText(control, wanted);
        }
    }

    /// <summary>Removes the environments' cgroups an earlier run left (killing what is still in them); the count.</summary>
    public int CleanLeftovers()
    {
        int removed = 0;
        foreach (var parent in _parents.Values)
        {
            var leftovers = Directory.EnumerateDirectories(parent).ToList();
            removed = Math.Max(removed, leftovers.Count);
            EnvironmentCgroup.RemoveDirectories(leftovers);
        }
        return removed;
    }

    /// <summary>An environment's containment (its cgroup is made by <see cref="EnvironmentContainment.Prepare"/>).</summary>
    public EnvironmentContainment ForEnvironment(string environmentId, FunctionDefinition function) =>
        new(_hierarchy, _parents, Users, environmentId, function);
}
