using System.Security.Cryptography;

namespace Gateway.Functions.Code;

/// <summary>
/// The gateway's deployment packages, kept by content under <c>{DataDirectory}/code</c>:
/// <c>zips/{hex}.zip</c> for each distinct zip, <c>{hex}/</c> for its extraction (shared by every function and
/// version with that code), and <c>spool/</c> for uploads still being read.
/// </summary>
/// <remarks>
/// An extraction is written to a temporary folder and renamed into place, so a folder named by a hash is always
/// complete: a crash leaves only a temporary folder, which the next start deletes. Safe for concurrent use: two
/// stores of the same content rename the same bytes over each other, and two extractions of the same zip race to
/// the rename, the loser reusing the winner's folder. Construct one per gateway, at start: the constructor deletes
/// whatever a previous run left in <c>spool/</c> and in temporary extraction folders.
/// </remarks>
internal sealed class CodeStore
{
    /// <summary>Lambda's unzipped-size cap (GetAccountSettings' CodeSizeUnzipped).</summary>
    public const long AwsMaxUnzippedBytes = 262_144_000;

    private const string TemporaryPrefix = ".extracting-";

    private readonly long _maxUnzippedBytes;

    public CodeStore(string dataDirectory, long maxUnzippedBytes = AwsMaxUnzippedBytes)
    {
        Root = Path.GetFullPath(Path.Combine(dataDirectory, "code"));
        ZipsDirectory = Path.Combine(Root, "zips");
        SpoolDirectory = Path.Combine(Root, "spool");
        _maxUnzippedBytes = maxUnzippedBytes;
        Directory.CreateDirectory(ZipsDirectory);
        Directory.CreateDirectory(SpoolDirectory);
        DeleteLeftovers();
    }

    public string Root { get; }

    public string ZipsDirectory { get; }

    /// <summary>Where <see cref="ManagementBodyReader"/> should spool uploads: inside <see cref="Root"/>, so
    /// <see cref="Store"/> is a rename on one file system.</summary>
    public string SpoolDirectory { get; }

    /// <summary>Keeps an uploaded zip under its hash. The upload's temporary file is moved (or, when that content is
    /// already stored, deleted): the same content twice is one file.</summary>
    public StoredCode Store(UploadedZip zip)
    {
        string hex = zip.Sha256Hex;
        string target = ZipPath(hex);
        if (File.Exists(target))
        {
            ManagementBody.TryDelete(zip.Path);
        }
        else
        {
            // Same name, same bytes: overwriting a concurrent store of the same content is harmless, and a rename.
            File.Move(zip.Path, target, overwrite: true);
        }
        return new StoredCode(hex, zip.CodeSha256, zip.Size, target);
    }

    /// <summary>A zip stored earlier (e.g. before a restart), by its hex hash.</summary>
    public bool TryGet(string sha256Hex, out StoredCode code)
    {
        code = null!;
        if (!IsHex(sha256Hex))
        {
            return false;
        }
        var file = new FileInfo(ZipPath(sha256Hex));
        if (!file.Exists)
        {
            return false;
        }
        code = new StoredCode(sha256Hex, Convert.ToBase64String(Convert.FromHexString(sha256Hex)), file.Length, file.FullName);
        return true;
    }

    public CodeExtractionResult Extract(StoredCode code) => Extract(code.Sha256Hex);

    /// <summary>The zip's extraction folder, made on first use and reused after (also across restarts).</summary>
    /// <exception cref="ArgumentException">Not a hex SHA-256.</exception>
    /// <exception cref="FileNotFoundException">No zip with that hash is stored.</exception>
    public CodeExtractionResult Extract(string sha256Hex)
    {
        if (!IsHex(sha256Hex))
        {
            throw new ArgumentException("Expected a lower-case hex SHA-256.", nameof(sha256Hex));
        }
        string zipPath = ZipPath(sha256Hex);
        if (!File.Exists(zipPath))
        {
            throw new FileNotFoundException("No stored zip with this hash.", zipPath);
        }
        string final = Path.Combine(Root, sha256Hex);
        if (Directory.Exists(final))
        {
            return CodeExtractionResult.Ok(final, ZipExtractor.DeclaredSize(zipPath));
        }
        string temporary = Path.Combine(Root, TemporaryPrefix + sha256Hex + "-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(temporary);
        var result = ZipExtractor.Extract(zipPath, temporary, _maxUnzippedBytes);
        if (!result.Succeeded)
        {
            DeleteTree(temporary);
            return result;
        }
        UnixModes.Set(temporary, UnixModes.Directory0755); // as /var/task
        try
        {
            Directory.Move(temporary, final);
        }
        catch (IOException) when (Directory.Exists(final))
        {
            // Another extraction of the same zip renamed first: same content, use it.
            DeleteTree(temporary);
        }
        return CodeExtractionResult.Ok(final, result.UnzippedSize);
    }

    /// <summary>AWS's <c>CodeSha256</c> (base64 SHA-256) and size of a zip file, read in a stream.</summary>
    public static (string CodeSha256, long Size) HashZipFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        byte[] hash = SHA256.HashData(stream);
        return (Convert.ToBase64String(hash), stream.Length);
    }

    private string ZipPath(string hex) => Path.Combine(ZipsDirectory, hex + ".zip");

    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    private static bool IsHex(string value) => value.Length == 64 && !value.AsSpan().ContainsAnyExcept(LowerHex);

    /// <summary>Half-written extractions and uploads from a previous run.</summary>
    private void DeleteLeftovers()
    {
        foreach (var dir in Directory.EnumerateDirectories(Root, TemporaryPrefix + "*"))
        {
            DeleteTree(dir);
        }
        foreach (var file in Directory.EnumerateFiles(SpoolDirectory))
        {
            ManagementBody.TryDelete(file);
        }
    }

    /// <summary>Deletes a folder tree, first making its folders writable (an extraction may hold 0555 folders).
    /// Symlinks are removed, never followed.</summary>
    internal static void DeleteTree(string path)
    {
        try
        {
            foreach (var dir in new DirectoryInfo(path).EnumerateDirectories("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }))
            {
                UnixModes.AddOwnerRwx(dir);
            }
            Directory.Delete(path, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the next start's cleanup.
        }
    }
}
