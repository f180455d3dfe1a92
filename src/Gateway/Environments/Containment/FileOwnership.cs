using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Gateway.Environments.Containment;

/// <summary>chown(2) and chmod(2) on one path (not following a final symlink for chown: lchown), throwing on failure.</summary>
internal static partial class FileOwnership
{
    public static void Set(string path, int uid, int gid, UnixFileMode mode)
    {
        if (lchown(path, uid, gid) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"chown {uid}:{gid} {path}");
        }
        if (!OperatingSystem.IsWindows()) // (the analyser's guard: Linux only)
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    public static void Mode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lchown(string path, int owner, int group);
}
