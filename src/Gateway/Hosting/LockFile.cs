using System.Globalization;
using Gateway.Native;
using Microsoft.Win32.SafeHandles;

namespace Gateway.Hosting;

/// <summary>
/// An advisory lock one gateway holds for its life on a place it keeps state in (Hosting/DataFolderLock.cs, Hosting/
/// EventStoreLock.cs): <c>flock(2)</c> on a lock file, taken through <see cref="FileShare.None"/> (.NET's file locking
/// on Unix), with the holder's pid written into it so a refused gateway can name it.
/// </summary>
/// <remarks>
/// The kernel drops the lock when the process dies, however it dies, so a SIGKILLed gateway never leaves a stale lock;
/// since that drop follows the kill by a moment, a start waits briefly for it before refusing. A lock another process
/// holds is told apart from a file that cannot be opened at all (a read-only mount, no permission) by its error number,
/// EWOULDBLOCK, which .NET keeps as the IOException's HResult: only that one means "in use".
/// (<c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING=1</c> turns .NET's locking, and so this check, off.)
/// </remarks>
internal static class LockFile
{
    private const int EWOULDBLOCK = 11; // EAGAIN on Linux: flock(LOCK_EX | LOCK_NB) on a file another process holds

    /// <summary>What came of an attempt: the held lock (dispose to release), or another gateway's pid (0 when the file
    /// does not say) when it held the lock past the wait, or why the file cannot be written.</summary>
    public readonly record struct Attempt(FileStream? Lock, int HolderPid, string? CannotWrite)
    {
        public bool HeldByAnother => Lock is null && CannotWrite is null;

        /// <summary>Who holds <paramref name="path"/>, for a refusal's message: its pid when it wrote one.</summary>
        public string Holder(string path) => HolderPid > 0 ? $"(pid {HolderPid} holds {path})" : $"(it holds {path})";
    }

    /// <summary>Takes the lock on <paramref name="path"/> (its folder must exist), waiting up to <paramref name="wait"/>
    /// for a holder that is exiting; <paramref name="waiting"/> is called once when the wait begins.</summary>
    public static Attempt TryAcquire(string path, TimeSpan wait, Action waiting)
    {
        var deadline = DateTime.UtcNow + wait;
        bool announced = false;
        while (true)
        {
            try
            {
                var held = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
                WritePid(held);
                return new Attempt(held, 0, null);
            }
            catch (IOException ex) when (ex.HResult == EWOULDBLOCK)
            {
                if (DateTime.UtcNow >= deadline)
                {
                    return new Attempt(null, ReadPid(path), null);
                }
                if (!announced)
                {
                    waiting();
                    announced = true;
                }
                Thread.Sleep(50);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return new Attempt(null, 0, WritableFolder.Reason(ex));
            }
        }
    }

    /// <summary>Best effort: a lock whose pid cannot be written (a full disk) is still the lock.</summary>
    private static void WritePid(FileStream held)
    {
        try
        {
            held.SetLength(0);
            held.Write(System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n"));
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The pid the holder wrote, read through open(2): a .NET open would try to flock the file and fail.</summary>
    private static int ReadPid(string path)
    {
        int fd = LibC.OpenPath(path, LibC.O_RDONLY | LibC.O_CLOEXEC);
        if (fd < 0)
        {
            return 0;
        }
        using var handle = new SafeFileHandle((IntPtr)fd, ownsHandle: true);
        Span<byte> text = stackalloc byte[16];
        try
        {
            int read = RandomAccess.Read(handle, text, fileOffset: 0);
            return int.TryParse(text[..read].Trim((byte)'\n'), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
