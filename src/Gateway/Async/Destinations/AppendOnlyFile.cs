using System.Runtime.InteropServices;

namespace Gateway.Async.Destinations;

/// <summary>
/// Appends one line to a file with a single <c>write(2)</c> on an <c>O_APPEND</c> descriptor and <c>fsync</c>s it
/// before returning. .NET's <c>FileMode.Append</c> does not open with <c>O_APPEND</c> (it seeks to the end once, at
/// open), so two writers — two gateways, or a gateway and a script — could overwrite each other's lines; with
/// <c>O_APPEND</c> the kernel places every write at the end of the file atomically.
/// </summary>
/// <remarks>
/// A write that fails half-way (disk full) is undone with <c>ftruncate</c> to the length seen just before it, so a
/// retry never leaves half a line glued to the next one. A new file's directory is <c>fsync</c>'d too, so the
/// file itself survives a crash. Linux (the flag values are the same on x86-64 and arm64).
/// </remarks>
internal static unsafe partial class AppendOnlyFile
{
    private const string Lib = "libc";
    private const int O_RDONLY = 0;
    private const int O_WRONLY = 1;
    private const int O_CREAT = 0x40;
    private const int O_APPEND = 0x400;
    private const int O_CLOEXEC = 0x80000;
    private const int SEEK_END = 2;
    private const int EINTR = 4;
    private const int Mode0644 = 0x1A4;

    /// <summary>Appends <paramref name="line"/> and syncs it to disk; false with the errno when it could not.</summary>
    public static bool TryAppend(string path, ReadOnlySpan<byte> line, out int errno)
    {
        bool created = !File.Exists(path);
        int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, Mode0644);
        if (fd < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return false;
        }
        try
        {
            long before = lseek(fd, 0, SEEK_END);
            if (!WriteAll(fd, line, out errno))
            {
                if (before >= 0)
                {
                    _ = ftruncate(fd, before);
                }
                return false;
            }
            if (fsync(fd) != 0)
            {
                errno = Marshal.GetLastPInvokeError();
                return false;
            }
        }
        finally
        {
            _ = close(fd);
        }
        if (created)
        {
            SyncDirectory(Path.GetDirectoryName(path));
        }
        errno = 0;
        return true;
    }

    private static bool WriteAll(int fd, ReadOnlySpan<byte> data, out int errno)
    {
        fixed (byte* start = data)
        {
            int offset = 0;
            while (offset < data.Length)
            {
                nint n = write(fd, start + offset, data.Length - offset);
                if (n < 0)
                {
                    errno = Marshal.GetLastPInvokeError();
                    if (errno == EINTR)
                    {
                        continue;
                    }
                    return false;
                }
                offset += (int)n;
            }
        }
        errno = 0;
        return true;
    }

    private static void SyncDirectory(string? directory)
    {
        if (string.IsNullOrEmpty(directory))
        {
            return;
        }
        int fd = open(directory, O_RDONLY | O_CLOEXEC, 0);
        if (fd >= 0)
        {
            _ = fsync(fd);
            _ = close(fd);
        }
    }

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags, int mode);

    [LibraryImport(Lib, SetLastError = true)]
    private static partial nint write(int fd, byte* buffer, nint count);

    [LibraryImport(Lib, SetLastError = true)]
    private static partial long lseek(int fd, long offset, int whence);

    [LibraryImport(Lib, SetLastError = true)]
    private static partial int ftruncate(int fd, long length);

    [LibraryImport(Lib, SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport(Lib, SetLastError = true)]
    private static partial int close(int fd);
}
