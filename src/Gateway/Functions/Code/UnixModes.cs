namespace Gateway.Functions.Code;

/// <summary>Sets Unix permission bits. The gateway runs on Linux only; the guard keeps the platform analyzer (and a
/// Windows developer build) content without marking every caller Unix-only.</summary>
internal static class UnixModes
{
    public const UnixFileMode File0644 = (UnixFileMode)0x1A4;
    public const UnixFileMode Directory0755 = (UnixFileMode)0x1ED;

    public static void Set(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    /// <summary>The file's permission bits (0644 where there are none to read).</summary>
    public static UnixFileMode Get(string path) => OperatingSystem.IsWindows() ? File0644 : File.GetUnixFileMode(path);

    public static void AddOwnerRwx(DirectoryInfo directory)
    {
        if (!OperatingSystem.IsWindows())
        {
            directory.UnixFileMode |= UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        }
    }
}
