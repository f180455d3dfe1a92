using System.Text;

namespace Gateway.Environments.Sandbox;

/// <summary>A file of the run folder that environments see through a read-only bind (/etc/passwd, /etc/hosts).</summary>
internal static class SandboxFile
{
    /// <summary>Writes <paramref name="contents"/> aside (a new name: never through a file or link already there), makes
    /// it readable by every worker user (0644), and renames it over <paramref name="path"/>: an environment starting
    /// meanwhile binds the old file or the new one, never half of one.</summary>
    public static void Replace(string path, string contents)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var partial = $"{path}.{Guid.NewGuid():N}.partial";
        using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write))
        {
            file.Write(Encoding.UTF8.GetBytes(contents));
        }
        if (!OperatingSystem.IsWindows()) // (the analyser's guard: Linux only)
        {
            File.SetUnixFileMode(partial, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
        File.Move(partial, path, overwrite: true);
    }
}
