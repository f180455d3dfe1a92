using System.Collections.Concurrent;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Gateway.Functions;

namespace Gateway.Environments.Containment;

/// <summary>
/// The users workers run as: one uid per function (primary gid = the same number), never the gateway's, with no
/// supplementary group but the "gate" groups of the folders it must read. A folder of the data folder that a worker
/// must read (its code, its layers' /opt: shared by content between functions with the same zip) is made
/// <c>root:gate 0750</c>, its gate group derived from the folder, so only the functions running that content get in;
/// the files inside keep their modes. Everything else of the data folder is closed to workers (<see cref="DataFolderAccess"/>).
/// </summary>
/// <remarks>
/// Why a uid per function and not one shared: processes of one uid may signal, trace and read /proc/PID/environ of
/// each other (another function's secrets in its environment variables). Uids come from <c>First .. First+32767</c>,
/// gate groups from <c>First+32768 ..</c>; a function's slot is a hash of the data folder and its name, moved on to
/// the next free one on a collision in this run, so a uid is never shared by two functions of one gateway.
/// The numbers need no /etc/passwd entry (files and processes carry numbers).
/// </remarks>
internal sealed class WorkerUsers
{
    public const int RangeSize = 32768;

    private const UnixFileMode GateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    private readonly object _lock = new();
    private readonly Dictionary<string, int> _uids = new(StringComparer.Ordinal);
    private readonly HashSet<int> _takenUids = [];
    private readonly Dictionary<string, int> _gates = new(StringComparer.Ordinal);
    private readonly HashSet<int> _takenGates = [];
    private readonly ConcurrentDictionary<string, int> _gated = new(StringComparer.Ordinal);
    private readonly string _dataDirectory;

    public WorkerUsers(int first, string dataDirectory)
    {
        First = first;
        _dataDirectory = dataDirectory.TrimEnd('/') + "/";
    }

    public int First { get; }

    /// <summary>The function's uid (stable for this run).</summary>
    public int UidOf(string functionName) => Allocate(_uids, _takenUids, functionName, First);

    /// <summary>uid, then its groups (primary first) after gating the folders of <paramref name="function"/> it must read
    /// (and closing what appeared in the data folder since the last start).</summary>
    public (int Uid, int[] Gids) For(FunctionDefinition function, IEnumerable<string?> foldersToRead)
    {
        DataFolderAccess.CloseTopLevel(_dataDirectory);
        int uid = UidOf(function.Name);
        var gids = new List<int> { uid };
        foreach (var folder in foldersToRead)
        {
            if (folder is not null && Gate(folder) is { } gid && !gids.Contains(gid))
            {
                gids.Add(gid);
            }
        }
        return (uid, [.. gids]);
    }

    /// <summary>Makes a data-folder folder root:gate 0750 (once per run) and returns the gate; null for a folder outside
    /// the data folder (a functions file's code folder: left as its owner made it).</summary>
    /// <remarks>Only after <see cref="DataFolderAccess.Apply"/> has closed the code folders (0700): no environment starts
    /// before the host does (FunctionHost.Start), so a gate remembered here is never closed again behind it.</remarks>
    private int? Gate(string folder)
    {
        var full = Path.GetFullPath(folder).TrimEnd('/');
        if (!full.StartsWith(_dataDirectory, StringComparison.Ordinal))
        {
            return null;
        }
        if (_gated.TryGetValue(full, out int known))
        {
            return known;
        }
        int gid = Allocate(_gates, _takenGates, full, First + RangeSize);
        FileOwnership.Set(full, 0, gid, GateMode);
        _gated[full] = gid;
        return gid;
    }

    private int Allocate(Dictionary<string, int> assigned, HashSet<int> taken, string key, int start)
    {
        lock (_lock)
        {
            if (assigned.TryGetValue(key, out int id))
            {
                return id;
            }
            var hash = BinaryPrimitives.ReadUInt32LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(_dataDirectory + "\n" + key)));
            int slot = (int)(hash % RangeSize);
            for (int i = 0; i < RangeSize; i++)
            {
                int candidate = start + (slot + i) % RangeSize;
                if (taken.Add(candidate))
                {
                    assigned[key] = candidate;
                    return candidate;
                }
            }
            throw new InvalidOperationException($"All {RangeSize} worker ids from {start} are in use.");
        }
    }
}
