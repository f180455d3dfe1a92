using System.IO.Compression;
using Gateway.Functions.Registry;

namespace Gateway.Management;

/// <summary>
/// GetFunction's <c>Code.Location</c> for a function whose code is a folder (the functions file) rather than an
/// uploaded zip: on AWS that URL always downloads the deployment package, so the folder is zipped on its first
/// download and kept as <c>data/code/folders/{hex}.zip</c> (hex: the version's CodeSha256, the gateway's folder hash
/// for these, <see cref="RegistrySeed.HashFolder"/>). Each entry keeps its file's Unix mode, so the zip can be
/// uploaded again as it is (an executable <c>bootstrap</c> stays executable).
/// </summary>
/// <remarks>
/// The zip's own SHA-256 is not the version's CodeSha256 (that hash is over the folder's files, not a zip). The kept
/// zip is named by the folder's hash as it is now, not as the registry last recorded it: environments run the folder
/// as it is, so an edited folder downloads as edited. Only the folder's own regular files go in: symbolic links, to
/// files or folders, are skipped (neither followed nor stored), so a download can never carry a file from elsewhere
/// on the machine.
/// </remarks>
internal sealed class FolderZips(string codeRoot)
{
    private readonly string _directory = Path.Combine(codeRoot, "folders");
    private readonly Lock _lock = new(); // one zip made at a time; downloads are rare

    /// <summary>The zip of the folder of the version whose CodeSha256 is <paramref name="hex"/>, made now if needed;
    /// null when no version of a folder function has that hash.</summary>
    public string? ZipFor(RegistrySnapshot snapshot, string hex)
    {
        if (hex.Length != 64 || !hex.All(char.IsAsciiHexDigitLower))
        {
            return null; // not a name this class makes: never a path outside its folder
        }
        if (FolderOf(snapshot, hex) is not { } folder)
        {
            return null;
        }
        lock (_lock)
        {
            var path = Path.Combine(_directory, CodePackages.HexOf(Functions.Registry.RegistrySeed.HashFolder(folder).CodeSha256) + ".zip");
            if (!File.Exists(path))
            {
                Directory.CreateDirectory(_directory);
                // A name of its own per attempt, deleted if the attempt fails: a failed zip never blocks the next one.
                var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
                try
                {
                    Write(folder, temporary);
                    File.Move(temporary, path, overwrite: true); // whole or absent, never half a zip
                }
                finally
                {
                    File.Delete(temporary); // nothing left after the move; the half-written file after a failure
                }
            }
            return path;
        }
    }

    private static string? FolderOf(RegistrySnapshot snapshot, string hex)
    {
        foreach (var function in snapshot.All)
        {
            foreach (var version in function.Versions.Values.Prepend(function.Latest))
            {
                var directory = version.Definition.CodeDirectory;
                if (Directory.Exists(directory) && CodePackages.HexOf(version.CodeSha256) == hex)
                {
                    return directory;
                }
            }
        }
        return null;
    }

    private static void Write(string folder, string zipPath)
    {
        using var archive = ZipFile.Open(zipPath, ZipArchiveMode.Create);
        // Symbolic links (to files or folders) are skipped: not followed into, not stored.
        var ownFiles = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint };
        foreach (var file in Directory.EnumerateFiles(folder, "*", ownFiles).Order(StringComparer.Ordinal))
        {
            var name = Path.GetRelativePath(folder, file).Replace(Path.DirectorySeparatorChar, '/');
            var entry = archive.CreateEntryFromFile(file, name, CompressionLevel.Fastest);
            // The Unix mode in the high 16 bits, with the regular-file type, as zip(1) on Linux writes it.
            entry.ExternalAttributes = (int)((0x8000u | (uint)Functions.Code.UnixModes.Get(file)) << 16);
        }
    }
}
