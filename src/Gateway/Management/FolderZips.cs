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
/// <remarks>The zip's own SHA-256 is not the version's CodeSha256 (that hash is over the folder's files, not a zip); a
/// changed folder has a new hash and so a new file.</remarks>
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
        var path = Path.Combine(_directory, hex + ".zip");
        lock (_lock)
        {
            if (!File.Exists(path))
            {
                Directory.CreateDirectory(_directory);
                var temporary = path + ".tmp";
                Write(folder, temporary);
                File.Move(temporary, path, overwrite: true); // whole or absent, never half a zip
            }
        }
        return path;
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
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (new FileInfo(file).LinkTarget is not null)
            {
                continue; // a symbolic link could name any file of the machine: only the folder's own files go out
            }
            var name = Path.GetRelativePath(folder, file).Replace(Path.DirectorySeparatorChar, '/');
            var entry = archive.CreateEntryFromFile(file, name, CompressionLevel.Fastest);
            // The Unix mode in the high 16 bits, with the regular-file type, as zip(1) on Linux writes it.
            entry.ExternalAttributes = (int)((0x8000u | (uint)Functions.Code.UnixModes.Get(file)) << 16);
        }
    }
}
