using System.Diagnostics;

namespace Gateway.Tests.Infrastructure;

/// <summary>A small tmpfs mounted for a test, to make a disk that really fills up or one that cannot be written (needs root;
/// callers skip otherwise).</summary>
public static class Tmpfs
{
    public static bool TryMount(string directory, string size)
        => OperatingSystem.IsLinux() && Run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", directory) == 0;

    /// <summary>An empty read-only file system on <paramref name="directory"/>: nothing can be written there, not even
    /// by root (whom a folder's mode bits do not stop).</summary>
    public static bool TryMountReadOnly(string directory)
        => OperatingSystem.IsLinux() && Run("mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", directory) == 0;

    public static void Unmount(string directory) => Run("umount", "-l", directory);

    /// <summary>Writes <paramref name="path"/> until the file system refuses another byte.</summary>
    public static void Fill(string path)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
        var block = new byte[4096];
        try
        {
            while (true)
            {
                file.Write(block);
            }
        }
        catch (IOException)
        {
            // ENOSPC: full
        }
        try
        {
            // The last partial block, byte by byte, so not even a page is left.
            while (true)
            {
                file.WriteByte(0);
            }
        }
        catch (IOException)
        {
        }
    }

    private static int Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        process.WaitForExit();
        return process.ExitCode;
    }
}
