using System.Runtime.InteropServices;

namespace Gateway.Native;

/// <summary>mount(2) and umount2(2): the tmpfs an environment's /tmp lives on when it must outlive the environment
/// (Environments/TmpVolume.cs). Needs CAP_SYS_ADMIN (the gateway as root).</summary>
internal static partial class LibC
{
    public const ulong MS_NOSUID = 2;
    public const ulong MS_NODEV = 4;
    public const int MNT_DETACH = 2;

    [LibraryImport(Lib, EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mount(string source, string target, string fileSystemType, ulong flags, string? data);

    [LibraryImport(Lib, EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int umount2(string target, int flags);
}
