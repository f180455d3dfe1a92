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
    private int _released;

    private TmpVolume(string hostPath, bool isMount, FunctionDefinition function)
    {
        HostPath = hostPath;
        IsMount = isMount;
        Function = function;
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

    /// <summary>A tmpfs of the function's EphemeralStorage, mounted at <c>{parent}/{id}</c>. Throws
    /// <see cref="IOException"/> when the mount fails.</summary>
    public static TmpVolume Mount(string parent, string id, FunctionDefinition function)
    {
        var path = Path.Combine(parent, id);
        MountAt(path, (long)function.EphemeralStorageMb * 1024 * 1024);
        return new TmpVolume(path, isMount: true, function);
    }

    /// <summary>Whether this process may mount a tmpfs (tried once, in <paramref name="parent"/>).</summary>
    public static bool CanMount(string parent)
    {
        var path = Path.Combine(parent, ".mount-probe-" + Environment.ProcessId);
        try
        {
            MountAt(path, 1024 * 1024);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        LibC.umount2(path, LibC.MNT_DETACH);
        TryDelete(path);
        return true;
    }

    private static void MountAt(string path, long bytes)
    {
        Directory.CreateDirectory(path);
        if (LibC.mount("tmpfs", path, "tmpfs", LibC.MS_NOSUID | LibC.MS_NODEV, $"size={bytes},mode=1777") != 0)
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

    /// <summary>Removes a leftover of a killed gateway at <paramref name="path"/>: its mount first, if it is one.</summary>
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
