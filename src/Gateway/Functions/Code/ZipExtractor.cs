using System.Buffers;
using System.IO.Compression;

namespace Gateway.Functions.Code;

/// <summary>
/// Unzips a deployment package into an empty folder as Lambda would lay it out in <c>/var/task</c>: Unix permission
/// bits kept, symlinks kept as symlinks, and nothing written outside the folder.
/// </summary>
/// <remarks>
/// <para>Size: the declared sizes are summed first (a cheap refusal of honest big zips), and the bytes actually
/// inflated are counted while writing, because a zip bomb's headers lie.</para>
/// <para>Modes: the high 16 bits of an entry's external attributes are its Unix <c>st_mode</c> when it was zipped on
/// a Unix system. Only the permission bits (0777) are applied: no setuid/setgid/sticky from an upload. An entry with
/// no Unix mode (zipped on Windows) gets 0644 (files) or 0755 (folders): Lambda documents that it runs with POSIX
/// permissions and that Windows-made zips lose the executable bit (the AWS knowledge-center article
/// "lambda-deployment-package-errors", aws-lambda-go's Windows zip tool), so a bootstrap zipped on Windows is not
/// executable there either, and fails as Runtime.InvalidEntrypoint.</para>
/// <para>Escapes: absolute names, <c>..</c> components, and writing through a symlink an earlier entry created are
/// refused with AWS's corrupt-zip message (no AWS-specific message for these was found).</para>
/// </remarks>
internal static class ZipExtractor
{
    private const uint TypeMask = 0xF000;      // S_IFMT
    private const uint TypeDirectory = 0x4000; // S_IFDIR
    private const uint TypeSymlink = 0xA000;   // S_IFLNK
    private const uint PermissionMask = 0x1FF; // 0777
    private const int MaxSymlinkTarget = 4096; // PATH_MAX

    private const UnixFileMode DefaultFileMode = UnixModes.File0644;
    private const UnixFileMode DefaultDirectoryMode = UnixModes.Directory0755;

    /// <summary>Extracts <paramref name="zipPath"/> into <paramref name="directory"/> (which must exist and be empty).</summary>
    /// <returns>The bytes written, or the error; on error the folder holds a partial extraction for the caller to delete.</returns>
    public static CodeExtractionResult Extract(string zipPath, string directory, long maxUnzippedBytes)
    {
        try
        {
            using var archive = ZipFile.OpenRead(zipPath);
            long declared = 0;
            foreach (var entry in archive.Entries)
            {
                declared += entry.Length;
            }
            if (declared > maxUnzippedBytes)
            {
                return CodeExtractionResult.Failed(CodeErrors.UnzippedTooLarge(maxUnzippedBytes));
            }
            var state = new ExtractionState(directory, maxUnzippedBytes);
            foreach (var entry in archive.Entries)
            {
                var error = ExtractEntry(entry, state);
                if (error is not null)
                {
                    return CodeExtractionResult.Failed(error.Value);
                }
            }
            // Folder modes last, deepest first: a 0555 folder must stay writable until its entries are in.
            foreach (var (path, mode) in state.DirectoryModes.OrderByDescending(d => d.Path.Length))
            {
                UnixModes.Set(path, mode);
            }
            return CodeExtractionResult.Ok(directory, state.Written);
        }
        catch (Exception ex) when (ex is InvalidDataException or NotSupportedException)
        {
            // Not a zip, a damaged one, or an unsupported compression method or encryption.
            return CodeExtractionResult.Failed(CodeErrors.CorruptZip);
        }
    }

    /// <summary>The sum of the declared uncompressed sizes (what a reused extraction reports).</summary>
    public static long DeclaredSize(string zipPath)
    {
        using var archive = ZipFile.OpenRead(zipPath);
        long total = 0;
        foreach (var entry in archive.Entries)
        {
            total += entry.Length;
        }
        return total;
    }

    private sealed class ExtractionState(string root, long maxBytes)
    {
        public string Root { get; } = root;
        public long MaxBytes { get; } = maxBytes;
        public long Written { get; set; }
        public List<(string Path, UnixFileMode Mode)> DirectoryModes { get; } = [];
        /// <summary>Folders already checked or created by this extraction (real folders, not symlinks).</summary>
        public HashSet<string> KnownDirectories { get; } = new(StringComparer.Ordinal);
    }

    private static ManagementBodyError? ExtractEntry(ZipArchiveEntry entry, ExtractionState state)
    {
        string name = entry.FullName;
        if (!TrySplit(name, out var components))
        {
            return CodeErrors.CorruptZip;
        }
        if (components.Count == 0)
        {
            return null; // "./" and the like: nothing to create.
        }
        uint mode = (uint)entry.ExternalAttributes >> 16;
        uint type = mode & TypeMask;
        bool hasUnixMode = mode != 0;
        bool isDirectory = name.EndsWith('/') || type == TypeDirectory;

        if (!TryPrepareParents(components, state, out string parent))
        {
            return CodeErrors.CorruptZip;
        }
        string path = Path.Combine(parent, components[^1]);

        if (isDirectory)
        {
            if (!TryEnsureDirectory(path, state))
            {
                return CodeErrors.CorruptZip;
            }
            state.DirectoryModes.Add((path, hasUnixMode ? (UnixFileMode)(mode & PermissionMask) : DefaultDirectoryMode));
            return null;
        }
        // Never write through or over a symlink, and never replace a folder with a file.
        var existing = new FileInfo(path);
        if (existing.LinkTarget is not null || Directory.Exists(path))
        {
            return CodeErrors.CorruptZip;
        }
        if (type == TypeSymlink)
        {
            return CreateSymlink(entry, path, state);
        }
        var error = WriteFile(entry, path, state);
        if (error is not null)
        {
            return error;
        }
        UnixModes.Set(path, hasUnixMode ? (UnixFileMode)(mode & PermissionMask) : DefaultFileMode);
        return null;
    }

    /// <summary>Splits an entry name into path components; false for an absolute name or a <c>..</c> component.</summary>
    private static bool TrySplit(string name, out List<string> components)
    {
        components = [];
        if (name.Length == 0 || name[0] == '/' || name.Contains('\0'))
        {
            return false;
        }
        foreach (var part in name.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }
            if (part == "..")
            {
                return false;
            }
            components.Add(part);
        }
        return true;
    }

    /// <summary>Walks (and creates) the entry's parent folders, refusing any component that is a symlink or a file.</summary>
    private static bool TryPrepareParents(List<string> components, ExtractionState state, out string parent)
    {
        parent = state.Root;
        for (int i = 0; i < components.Count - 1; i++)
        {
            parent = Path.Combine(parent, components[i]);
            if (!TryEnsureDirectory(parent, state))
            {
                return false;
            }
        }
        return true;
    }

    private static bool TryEnsureDirectory(string path, ExtractionState state)
    {
        if (state.KnownDirectories.Contains(path))
        {
            return true;
        }
        // lstat, not stat: a symlink to a folder must not count as a folder here.
        var info = new FileInfo(path);
        if (info.LinkTarget is not null || info.Exists)
        {
            return false;
        }
        if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(path);
            UnixModes.Set(path, DefaultDirectoryMode);
        }
        state.KnownDirectories.Add(path);
        return true;
    }

    private static ManagementBodyError? CreateSymlink(ZipArchiveEntry entry, string path, ExtractionState state)
    {
        // The target is the entry's content. It is kept as written, even absolute or pointing outside the folder:
        // Lambda preserves it and it is only resolved when the function runs.
        if (entry.Length > MaxSymlinkTarget)
        {
            return CodeErrors.CorruptZip;
        }
        Span<byte> buffer = stackalloc byte[MaxSymlinkTarget + 1];
        using var stream = entry.Open();
        int length = 0;
        int n;
        while (length < buffer.Length && (n = stream.Read(buffer[length..])) > 0)
        {
            length += n;
        }
        if (length == 0 || length > MaxSymlinkTarget || buffer[..length].Contains((byte)0))
        {
            return CodeErrors.CorruptZip;
        }
        state.Written += length;
        if (state.Written > state.MaxBytes)
        {
            return CodeErrors.UnzippedTooLarge(state.MaxBytes);
        }
        File.CreateSymbolicLink(path, System.Text.Encoding.UTF8.GetString(buffer[..length]));
        return null;
    }

    private static ManagementBodyError? WriteFile(ZipArchiveEntry entry, string path, ExtractionState state)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            using var source = entry.Open();
            using var target = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
            uint crc = 0;
            long length = 0;
            int n;
            while ((n = source.Read(buffer, 0, buffer.Length)) > 0)
            {
                state.Written += n;
                if (state.Written > state.MaxBytes)
                {
                    return CodeErrors.UnzippedTooLarge(state.MaxBytes);
                }
                crc = Crc32.Append(crc, buffer.AsSpan(0, n));
                length += n;
                target.Write(buffer, 0, n);
            }
            // .NET stops inflating at the declared size (observed on .NET 10: a bomb declaring 10 bytes yields 10), so
            // a lying header truncates the file silently; the CRC over what was written exposes it, and any other
            // damage, as a corrupt zip instead of a function that runs half a file.
            return length == entry.Length && crc == entry.Crc32 ? null : CodeErrors.CorruptZip;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
