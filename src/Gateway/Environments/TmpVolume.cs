using Gateway.Functions;
using Gateway.Native;

namespace Gateway.Environments;

/// <summary>
/// The host side of an environment's /tmp, made so that it can outlive the environment: Lambda keeps /tmp across a
/// reset ("the Lambda reset does not clear the /tmp directory content prior to the next init phase", AWS's
/// lambda-runtime-environment page; recorded: after a timeout the next invocation reads the file the last one wrote,
/// while the module's globals are new). An environment ended by a reset (a timeout, a crash, a failed init) hands its
/// volume to its pool, and the next environment of the same code and configuration starts on it
/// (<see cref="EnvironmentPool.TakeSpareTmp"/>); one ended on purpose (scale-down, new code, the gateway stopping)
/// releases it.
/// </summary>
/// <remarks>
/// Outside a mount namespace it is the folder TMPDIR names, <c>{data}/tmp/{id}</c>. In one, it is a tmpfs the gateway
/// mounts there (EphemeralStorage as its size, so a write past it fails with ENOSPC as on AWS) and bwrap binds at
/// <c>/tmp</c>: bwrap's own tmpfs dies with the namespace. Mounting needs CAP_SYS_ADMIN; without it
/// (<see cref="CanMount"/> false) a namespace's /tmp is bwrap's, and a reset empties it. A gateway killed with SIGKILL
/// leaves its mounts behind; the next start's LeftoverCleanup unmounts them.
/// </remarks>
internal sealed class TmpVolume
{
    private Task _free = Task.CompletedTask; // new: nobody else uses it
    private int _released;

    private TmpVolume(string hostPath, bool isMount, FunctionDefinition function)
    {
        HostPath = hostPath;
        IsMount = isMount;
        Function = function;
    }

    /// <summary>Completes once no process of the environment that used it last is left: after a hand-over
    /// (<see cref="InUseUntilFreed"/>) the next environment's process starts only then, as Lambda finishes a reset's
    /// shutdown (the runtime's SIGTERM, the extensions' SHUTDOWN) before the next init.</summary>
    public Task Free => Volatile.Read(ref _free);

    /// <summary>At a hand-over: the environment handing it on has processes still ending. It completes the returned
    /// source when they are gone — its own: a later hand-over of the same volume has its own source, which an earlier
    /// environment's late clean-up must not complete.</summary>
    public TaskCompletionSource InUseUntilFreed()
    {
        var freed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _free, freed.Task);
        return freed;
    }

    /// <summary>The folder (or mount point) on the host.</summary>
    public string HostPath { get; }

    /// <summary>A tmpfs of its own, mounted at <see cref="HostPath"/> (in a namespace), or a plain folder.</summary>
    public bool IsMount { get; }

    /// <summary>The code and configuration it was made for: only an environment of that same definition takes it over.</summary>
    public FunctionDefinition Function { get; }

    /// <summary>When it was handed to the pool (a timestamp of the pool's clock), for its keep-alive.</summary>
    public long KeptSince { get; set; }

    /// <summary>A folder for TMPDIR (no namespace).</summary>
    public static TmpVolume Folder(string parent, string id, FunctionDefinition function)
    {
        var path = Path.Combine(parent, id);
        Directory.CreateDirectory(path);
        return new TmpVolume(path, isMount: false, function);
    }

    /// <summary>A tmpfs of the function's EphemeralStorage, mounted at <c>{parent}/{id}</c>, owned by the function's worker
    /// user (<paramref name="uid"/>; root when null) and closed to everyone else (0700): on the host it sits in the data
    /// folder, where any local user may pass through. Null when the mount fails (out of memory, say): the environment
    /// then gets bwrap's own tmpfs, as when the gateway may not mount at all.</summary>
    public static TmpVolume? Mount(string parent, string id, FunctionDefinition function, int? uid)
    {
        var path = Path.Combine(parent, id);
        try
        {
            MountAt(path, (long)function.EphemeralStorageMb * 1024 * 1024, uid);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"[gateway] {function.Name}: {ex.Message}; its /tmp is bubblewrap's (a reset empties it)");
            return null;
        }
        return new TmpVolume(path, isMount: true, function);
    }

    /// <summary>Whether this process may mount a tmpfs (tried once, in <paramref name="parent"/>).</summary>
    public static bool CanMount(string parent)
    {
        var path = Path.Combine(parent, ".mount-probe-" + Environment.ProcessId);
        try
        {
            MountAt(path, 1024 * 1024, uid: null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        RemoveLeftover(path);
        return true;
    }

    private static void MountAt(string path, long bytes, int? uid)
    {
        Directory.CreateDirectory(path);
        var owner = uid is { } id ? $",uid={id},gid={id}" : "";
        if (LibC.mount("tmpfs", path, "tmpfs", LibC.MS_NOSUID | LibC.MS_NODEV, $"size={bytes},mode=0700{owner}") != 0)
        {
            int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            TryDelete(path);
            throw new IOException($"mount tmpfs at {path}: errno {errno}");
        }
    }

    /// <summary>Unmounts (lazily: a process still inside lets go later) and removes the folder. Once only.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 1)
        {
            return;
        }
        if (IsMount)
        {
            LibC.umount2(HostPath, LibC.MNT_DETACH);
        }
        TryDelete(HostPath);
    }

    /// <summary>Every volume under <paramref name="parent"/> (the gateway's tmp folder), at the end of a stop.</summary>
    public static void RemoveAllUnder(string parent)
    {
        if (!Directory.Exists(parent))
        {
            return;
        }
        foreach (var path in Directory.GetDirectories(parent))
        {
            RemoveLeftover(path);
        }
    }

    /// <summary>Removes the folder at <paramref name="path"/>, unmounting it first if it is a mount point (a killed
    /// gateway's leftover, the start-up probe's).</summary>
    public static void RemoveLeftover(string path)
    {
        LibC.umount2(path, LibC.MNT_DETACH); // EINVAL when not a mount point: nothing to do
        TryDelete(path);
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: the next start's clean-up tries again.
        }
    }
}
