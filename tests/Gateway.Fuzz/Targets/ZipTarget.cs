using Gateway.Functions.Code;

namespace Gateway.Fuzz.Targets;

/// <summary>
/// A deployment package: the bytes are the zip, extracted by <see cref="ZipExtractor"/> into an empty folder (a fresh one
/// per input, deleted after) with a 64 KB unzipped limit. Refusal: a failed <see cref="CodeExtractionResult"/> (the
/// corrupt-zip and too-large errors). And whatever it answers, nothing may be written outside the folder.
/// </summary>
internal static class ZipTarget
{
    private const long MaxUnzipped = 64 * 1024;

    /// <summary>One folder for every process (afl-fuzz kills its children rather than letting them exit): each input's
    /// own folder is a fresh GUID under it, and scripts/fuzz.sh removes the root when the run ends.</summary>
    public static readonly string Root = Path.Combine(Path.GetTempPath(), "gateway-fuzz-zip");

    public static void Run(byte[] data)
    {
        string work = Path.Combine(Root, Guid.NewGuid().ToString("N"));
        string zip = Path.Combine(work, "code.zip");
        string task = Path.Combine(work, "task");
        Directory.CreateDirectory(task);
        try
        {
            File.WriteAllBytes(zip, data);
            var result = ZipExtractor.Extract(zip, task, MaxUnzipped);
            FuzzInvariantException.Check(result.Succeeded == (result.Error is null), "result and error disagree");
            if (result.Succeeded)
            {
                FuzzInvariantException.Check(result.UnzippedSize <= MaxUnzipped, $"extracted {result.UnzippedSize} bytes over the {MaxUnzipped} limit");
            }
            // Escapes: the work folder holds only the zip and the task folder, whatever the entries said.
            var top = Directory.GetFileSystemEntries(work).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
            FuzzInvariantException.Check(top.SequenceEqual(["code.zip", "task"]), $"something was written beside the task folder: {string.Join(", ", top)}");
        }
        finally
        {
            Remove(work);
        }
    }

    /// <summary>Deletes the folder even when an entry's mode left a folder unwritable or unreadable (0000 is allowed).</summary>
    private static void Remove(string path)
    {
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var directory in Directory.EnumerateDirectories(path, "*", new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0 }))
        {
            if (new DirectoryInfo(directory).LinkTarget is null)
            {
                Remove(directory);
            }
        }
        Directory.Delete(path, recursive: true);
    }
}
