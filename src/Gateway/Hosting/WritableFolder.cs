using System.Runtime.InteropServices;
using Gateway.Native;

namespace Gateway.Hosting;

/// <summary>
/// A folder the gateway keeps state in (the data folder, the event store's folder), made if missing and checked to be
/// writable before anything relies on it, with the reason in the OS's words when it is not: a read-only mount, a path
/// through a regular file, no permission. The native binary's .NET messages are resource keys
/// ("IO_PathNotFound_Path, /x"), so the reason is taken from the error number instead of the exception's text.
/// </summary>
internal static class WritableFolder
{
    /// <summary>Null when <paramref name="folder"/> exists (made now if missing) and may be written; otherwise what is
    /// wrong, as "cannot be created: …" or "cannot be written: …" to follow the folder's name.</summary>
    public static string? Problem(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "cannot be created: " + Reason(ex, folder);
        }
        // As root, access(2) ignores the mode bits but still answers EROFS for a read-only mount.
        if (LibC.access(folder, LibC.W_OK | LibC.X_OK) != 0)
        {
            return "cannot be written: " + Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
        }
        return null;
    }

    /// <summary>Why creating a folder or opening a file failed, in the OS's words; with the <paramref name="folder"/>
    /// that was being created, a regular file where a folder of its path should be is named.</summary>
    public static string Reason(Exception ex, string? folder = null)
    {
        if (folder is not null && NearestExisting(folder) is { } existing && !Directory.Exists(existing))
        {
            return existing + " is a file, not a folder"; // .NET reports ENOTDIR as a missing directory
        }
        return OsReason(ex) ?? ex.Message;
    }

    /// <summary>The OS's words for the error number behind a file-system exception, or null when it carries none.</summary>
    public static string? OsReason(Exception ex)
    {
        // .NET keeps errno as an IOException's HResult, and as the inner IOException's for EACCES/EPERM.
        int errno = ex switch
        {
            UnauthorizedAccessException { InnerException: IOException inner } => inner.HResult,
            DirectoryNotFoundException or FileNotFoundException => 2, // ENOENT
            IOException io => io.HResult,
            _ => 0,
        };
        return errno is > 0 and < 4096 ? Marshal.GetPInvokeErrorMessage(errno) : null;
    }

    private static string? NearestExisting(string path)
    {
        for (string? candidate = Path.GetFullPath(path); candidate is not null; candidate = Path.GetDirectoryName(candidate))
        {
            if (Path.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
