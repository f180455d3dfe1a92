using System.Runtime.InteropServices;
using System.Text;

namespace Gateway.Native;

internal static unsafe partial class LibC
{
    [LibraryImport(Lib, SetLastError = true)]
    public static partial int open(byte* path, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int fsync(int fd);
}

/// <summary>
/// Replaces a small file so that a crash leaves either the old or the new contents, never a torn mix: write
/// a temporary file beside it, fsync it, rename it over the target, then fsync the folder (so the rename
/// itself survives a power cut).
/// </summary>
internal static class DurableFile
{
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> contents)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(contents);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
        SyncDirectory(directory);
    }

    private static unsafe void SyncDirectory(string directory)
    {
        var bytes = Encoding.UTF8.GetBytes(directory + "\0");
        int fd;
        fixed (byte* p = bytes)
        {
            fd = LibC.open(p, LibC.O_RDONLY | LibC.O_CLOEXEC);
        }
        if (fd < 0)
        {
            return; // best effort: the file itself is already synced
        }
        LibC.fsync(fd);
        LibC.close(fd);
    }
}
