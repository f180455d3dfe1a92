using Gateway.Functions;
using Gateway.Native;

namespace Gateway.Environments.Containment;

/// <summary>
/// One environment's share of <see cref="FunctionContainment"/>: makes its cgroup and opens to its worker user what that
/// must use (its code and layers, its Runtime API socket, its host tmp folder) before the spawn; after the exit, tells
/// whether the kernel's OOM killer struck, and removes the cgroup.
/// </summary>
internal sealed class EnvironmentContainment
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly CgroupHierarchy? _hierarchy;
    private readonly IReadOnlyDictionary<string, string> _parents;
    private readonly WorkerUsers? _users;
    private readonly string _id;
    private readonly FunctionDefinition _function;
    private EnvironmentCgroup? _cgroup;
    private long _oomKillsBefore; // the cgroup's OOM kills before the init retry's process (the counter is the cgroup's)

    public EnvironmentContainment(CgroupHierarchy? hierarchy, IReadOnlyDictionary<string, string> parents, WorkerUsers? users, string id, FunctionDefinition function)
    {
        _hierarchy = hierarchy;
        _parents = parents;
        _users = users;
        _id = id;
        _function = function;
    }

    /// <summary>The uid the worker runs as, or null (the gateway's).</summary>
    public int? Uid => _users?.UidOf(_function.Name);

    /// <summary>
    /// Makes the cgroup and hands the worker's files to its user; returns <paramref name="spec"/> with what the shim must
    /// do before the exec. <paramref name="socketPath"/>: the Runtime API socket; <paramref name="hostTmp"/>: the host
    /// tmp folder (outside a namespace); <paramref name="runtimeDirectory"/>: what /var/runtime shows (a provided.*
    /// function's code, or the managed runtime's files).
    /// </summary>
    public SpawnSpec Prepare(SpawnSpec spec, string socketPath, string? hostTmp, string runtimeDirectory)
    {
        if (_hierarchy is null && _users is null)
        {
            return spec;
        }
        if (_hierarchy is not null)
        {
            _cgroup = EnvironmentCgroup.Create(_hierarchy, _parents, _id, CgroupLimits.For(_function.MemorySizeMb, hostTmp is null ? _function.EphemeralStorageMb : 0));
        }
        int uid = -1;
        int[] gids = [];
        if (_users is not null)
        {
            (uid, gids) = _users.For(_function, [_function.CodeDirectory, _function.LayersDirectory, runtimeDirectory]);
            FileOwnership.Set(socketPath, uid, uid, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            if (hostTmp is not null)
            {
                FileOwnership.Set(hostTmp, uid, uid, OwnerOnly);
            }
        }
        return spec with { Containment = new SpawnContainment(_cgroup?.ProcsFiles ?? [], uid, gids) };
    }

    /// <summary>The most memory this environment's processes have held, in kilobytes (0 without a cgroup).</summary>
    public long PeakMemoryKb() => _cgroup?.PeakMemoryKb() ?? 0;

    /// <summary>The OOM killer killed a process of this environment (read before <see cref="Remove"/>).</summary>
    public bool RanOutOfMemory() => _cgroup?.OomKills() > Volatile.Read(ref _oomKillsBefore);

    /// <summary>
    /// Before the init retry's process starts in this cgroup: kills every process the failed attempt left in it (a
    /// daemon that called setsid escapes the process group kill, and could hold a lock or post /init/error into the
    /// retry; AWS resets the whole sandbox before a suppressed init), and counts the OOM kills so far, which are not the
    /// retry's. Blocking (up to ~200 ms while processes exit).
    /// </summary>
    public void ResetForRetry()
    {
        if (_cgroup is { } cgroup)
        {
            cgroup.KillProcesses();
            Volatile.Write(ref _oomKillsBefore, cgroup.OomKills());
            cgroup.ResetPeakMemory(); // the retry's figure is its own
        }
    }

    /// <summary>Kills what is left in the cgroup and removes it.</summary>
    public void Remove()
    {
        _cgroup?.Remove();
        _cgroup = null;
    }
}
