using System.Security.Cryptography;
using System.Text;
using Gateway.Functions.Code;

namespace Gateway.Functions.Layers;

/// <summary>
/// The host folders functions see as <c>/opt</c>: for one ordered list of layers, their contents merged in order,
/// a later layer's file replacing an earlier one's at the same path (what extracting them one after the other into
/// <c>/opt</c> gives on AWS). Kept by content under <c>{DataDirectory}/code/opt/{hash}</c>, the hash taken over the
/// layers' zip hashes in order, so every function (and version) with the same layer list shares one folder, made once.
/// </summary>
/// <remarks>
/// Each layer is first extracted by the <see cref="CodeStore"/> (the project's zip extractor: modes kept, symlinks
/// kept as symlinks, nothing written outside the folder), then copied over the merge. The merge never writes through
/// a symlink: a path an earlier layer made a symlink is replaced, not followed. Like the code store, a merge is built
/// in a temporary folder and renamed into place, so a folder named by a hash is always complete.
/// </remarks>
internal sealed class LayerOptDirectories
{
    private const string TemporaryPrefix = ".merging-";

    private readonly CodeStore _code;

    public LayerOptDirectories(CodeStore code)
    {
        _code = code;
        Root = Path.Combine(code.Root, "opt");
        Directory.CreateDirectory(Root);
        foreach (var leftover in Directory.EnumerateDirectories(Root, TemporaryPrefix + "*"))
        {
            CodeStore.DeleteTree(leftover);
        }
    }

    /// <summary><c>{DataDirectory}/code/opt</c>.</summary>
    public string Root { get; }

    /// <summary>The folder name for this list of layer zips (lower-case hex SHA-256s), in order.</summary>
    public static string KeyOf(IReadOnlyList<string> layerHexes) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', layerHexes))));

    /// <summary>The merged folder of these layer zips (in order), made on first use.</summary>
    /// <returns>The folder (its UnzippedSize is not measured here: the layers' records hold theirs), or the extraction
    /// error of a layer whose zip no longer unzips.</returns>
    public CodeExtractionResult Build(IReadOnlyList<string> layerHexes)
    {
        var final = Path.Combine(Root, KeyOf(layerHexes));
        if (Directory.Exists(final))
        {
            return CodeExtractionResult.Ok(final, 0);
        }
        var sources = new List<string>(layerHexes.Count);
        foreach (var hex in layerHexes)
        {
            var extracted = _code.Extract(hex);
            if (!extracted.Succeeded)
            {
                return extracted;
            }
            sources.Add(extracted.Directory!);
        }
        var temporary = Path.Combine(Root, TemporaryPrefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(temporary);
        try
        {
            var directoryModes = new Dictionary<string, UnixFileMode>(StringComparer.Ordinal);
            foreach (var source in sources)
            {
                Merge(source, temporary, directoryModes);
            }
            // Folder modes last, deepest first (a 0555 folder must stay writable while later layers fill it); a later
            // layer's mode for the same folder wins, as its extraction would have set it last.
            foreach (var (path, mode) in directoryModes.OrderByDescending(d => d.Key.Length))
            {
                UnixModes.Set(path, mode);
            }
            UnixModes.Set(temporary, UnixModes.Directory0755); // as /opt
            Directory.Move(temporary, final);
        }
        catch (IOException) when (Directory.Exists(final))
        {
            // Another merge of the same list renamed first: same content, use it.
            CodeStore.DeleteTree(temporary);
        }
        catch
        {
            CodeStore.DeleteTree(temporary);
            throw;
        }
        return CodeExtractionResult.Ok(final, 0);
    }

    /// <summary>Copies <paramref name="source"/>'s tree over <paramref name="target"/>: files and symlinks replace
    /// whatever is at their path; folders merge into a real folder (replacing a file or symlink there).</summary>
    internal static void Merge(string source, string target, Dictionary<string, UnixFileMode> directoryModes)
    {
        foreach (var entry in new DirectoryInfo(source).EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false }))
        {
            var destination = Path.Combine(target, entry.Name);
            if (entry.LinkTarget is { } linkTarget)
            {
                RemoveAny(destination, directoryModes);
                File.CreateSymbolicLink(destination, linkTarget);
            }
            else if (entry is DirectoryInfo directory)
            {
                if (!IsRealDirectory(destination))
                {
                    RemoveAny(destination, directoryModes);
                    Directory.CreateDirectory(destination);
                }
                UnixModes.AddOwnerRwx(new DirectoryInfo(destination));
                Merge(directory.FullName, destination, directoryModes);
                directoryModes[destination] = directory.UnixFileMode;
            }
            else
            {
                RemoveAny(destination, directoryModes);
                File.Copy(entry.FullName, destination);
                UnixModes.Set(destination, entry.UnixFileMode);
            }
        }
    }

    private static bool IsRealDirectory(string path)
    {
        var info = new DirectoryInfo(path);
        return info.Exists && info.LinkTarget is null;
    }

    /// <summary>Removes a file, a symlink (never its target) or a folder tree at <paramref name="path"/>, if any.</summary>
    /// <remarks>A removed folder's pending modes go too: its path may now be a file.</remarks>
    private static void RemoveAny(string path, Dictionary<string, UnixFileMode> directoryModes)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null || info.Exists)
        {
            info.Delete();
        }
        else if (Directory.Exists(path))
        {
            foreach (var dir in new DirectoryInfo(path).EnumerateDirectories("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }))
            {
                UnixModes.AddOwnerRwx(dir);
            }
            UnixModes.AddOwnerRwx(new DirectoryInfo(path));
            Directory.Delete(path, recursive: true);
            foreach (var key in directoryModes.Keys.Where(k => k == path || k.StartsWith(path + "/", StringComparison.Ordinal)).ToList())
            {
                directoryModes.Remove(key);
            }
        }
    }
}
