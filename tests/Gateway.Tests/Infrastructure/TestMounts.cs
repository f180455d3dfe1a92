using System.Runtime.InteropServices;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// The tmpfs mounts a gateway made for its environments' /tmp (as root: src/Gateway/Environments/TmpVolume.cs) under a
/// test's folder. A gateway stopped with SIGTERM unmounts them itself; one a test kills with SIGKILL leaves them, as a
/// crash does (its next start on the same data folder would unmount them): the test's folder could not be deleted,
/// and every run would leave mounts on the machine. Called before a test deletes a gateway's folder.
/// </summary>
public static partial class TestMounts
{
    private const int MNT_DETACH = 2;

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int umount2(string target, int flags);

    /// <summary>Lazily unmounts every mount point below <paramref name="root"/> (none: nothing to do).</summary>
    public static void RemoveUnder(string root)
    {
        var prefix = Path.GetFullPath(root).TrimEnd('/') + "/";
        string[] mounts;
        try
        {
            mounts = File.ReadAllLines("/proc/self/mounts");
        }
        catch (IOException)
        {
            return;
        }
        foreach (var line in mounts)
        {
            var fields = line.Split(' ');
            if (fields.Length > 1 && fields[1].StartsWith(prefix, StringComparison.Ordinal))
            {
                umount2(fields[1], MNT_DETACH); // lazily: a process still inside lets go later
            }
        }
    }
}
