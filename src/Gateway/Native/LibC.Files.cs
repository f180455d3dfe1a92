using System.Runtime.InteropServices;

namespace Gateway.Native;

/// <summary>access(2) and a plain open(2) by path, for the start-up checks of the gateway's own folders and lock files
/// (Hosting/WritableFolder.cs, Hosting/LockFile.cs): .NET has no call that answers "may this folder be written" with
/// the OS's reason, and every .NET open takes an flock, so it cannot read a lock file another process holds.</summary>
internal static partial class LibC
{
    public const int W_OK = 2;
    public const int X_OK = 1;

    [LibraryImport(Lib, EntryPoint = "access", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int access(string path, int mode);

    [LibraryImport(Lib, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int OpenPath(string path, int flags);
}
