using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Gateway.Invoke;
using Microsoft.AspNetCore.Http;

namespace Gateway.Management;

/// <summary>An uploaded deployment package, decoded to a temporary file.</summary>
internal sealed record UploadedCode(string Path, long Size, string CodeSha256);

/// <summary>A deployment package in place: its code folder (what environments run) and the zip kept for GetFunction.</summary>
internal sealed record InstalledCode(string Directory, string CodeSha256, long CodeSize)
{
    /// <summary>The folder's <c>bootstrap</c>: not checked here; a missing or non-executable one fails at invoke with
    /// Runtime.InvalidEntrypoint, as on AWS.</summary>
    public string Bootstrap => System.IO.Path.Combine(Directory, "bootstrap");
}

/// <summary>A management request body: the request (its ZipFile member no longer holding the zip) and the decoded
/// zip, or the refusal. Disposing deletes the temporary file.</summary>
internal sealed class ManagementUpload<T> : IDisposable
{
    public T? Request { get; init; }

    public UploadedCode? Zip { get; init; }

    /// <summary>Null with a null <see cref="Request"/>: the client went away, nothing to answer.</summary>
    public LambdaError? Error { get; init; }

    public void Dispose()
    {
        if (Zip is not null)
        {
            try
            {
                File.Delete(Zip.Path);
            }
            catch (IOException)
            {
                // A temp file left behind is swept with the data folder's tmp; nothing to tell the client.
            }
        }
    }
}

/// <summary>
/// The one place the management endpoints meet the zip layer: reading a body that carries a base64 zip, and turning
/// a zip into a code folder. This is a thin, self-contained stand-in for the <c>code</c> branch's
/// <c>ManagementBodyReader</c> and <c>CodeStore</c> (same inputs and outputs), kept in one file so that taking that
/// work is a change here only. The stand-in buffers the body in a temporary file and the base64 string in memory; the
/// real reader streams it.
/// </summary>
internal sealed class CodePackages
{
    /// <summary>AWS's request limit for CreateFunction and UpdateFunctionCode (LS-REC test_oversized_request_create_lambda).</summary>
    public const long RequestLimit = 70167211;

    /// <summary>50 MB zipped (LS-REC: "Zipped size must be smaller than 52428800 bytes", a 413).</summary>
    public const long ZippedLimit = 52428800;

    /// <summary>250 MB unzipped (LS-REC: "Unzipped size must be smaller than 262144000 bytes").</summary>
    public const long UnzippedLimit = 262144000;

    public const string CorruptZip = "Could not unzip uploaded file. Please check your file, then try to upload again.";

    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    private readonly string _codeRoot;
    private readonly string _spool;

    public CodePackages(string dataDirectory)
    {
        _codeRoot = Path.GetFullPath(Path.Combine(dataDirectory, "code"));
        _spool = Path.GetFullPath(Path.Combine(dataDirectory, "tmp", "uploads"));
    }

    /// <summary>
    /// Reads a JSON body of at most <see cref="RequestLimit"/> bytes whose <paramref name="zipOf"/> member is a base64
    /// zip, decodes that zip to a temporary file and clears the member (<paramref name="clearZip"/>).
    /// </summary>
    public async Task<ManagementUpload<T>> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> type, Func<T, string?> zipOf, Action<T> clearZip, string operation)
        where T : class
    {
        var request = context.Request;
        var tooLarge = LambdaError.RequestEntityTooLarge($"Request must be smaller than {RequestLimit} bytes for the {operation} operation");
        if (request.ContentLength > RequestLimit)
        {
            return new ManagementUpload<T> { Error = tooLarge };
        }
        Directory.CreateDirectory(_spool);
        var bodyPath = Path.Combine(_spool, Guid.NewGuid().ToString("N") + ".json");
        try
        {
            T? value;
            await using (var file = new FileStream(bodyPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous))
            {
                try
                {
                    if (!await CopyLimitedAsync(request.Body, file, RequestLimit, context.RequestAborted).ConfigureAwait(false))
                    {
                        return new ManagementUpload<T> { Error = tooLarge };
                    }
                }
                catch (Exception ex) when (ex is BadHttpRequestException or IOException or OperationCanceledException)
                {
                    return new ManagementUpload<T>();
                }
                file.Position = 0;
                try
                {
                    value = file.Length == 0 ? null : await JsonSerializer.DeserializeAsync(file, type, context.RequestAborted).ConfigureAwait(false);
                }
                catch (JsonException ex)
                {
                    return new ManagementUpload<T> { Error = LambdaError.InvalidRequestContent("Could not parse request body into json: " + ex.Message) };
                }
            }
            if (value is null)
            {
                return new ManagementUpload<T> { Error = LambdaError.InvalidRequestContent("Could not parse request body into json: the body is empty") };
            }
            if (zipOf(value) is not { } base64)
            {
                return new ManagementUpload<T> { Request = value };
            }
            clearZip(value);
            return DecodeZip(value, base64);
        }
        finally
        {
            File.Delete(bodyPath); // DeleteOnClose already did, unless the open failed half-way
        }
    }

    private ManagementUpload<T> DecodeZip<T>(T value, string base64)
    {
        byte[] zip;
        try
        {
            zip = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            return new ManagementUpload<T> { Error = LambdaError.InvalidRequestContent("Could not parse request body into json: ZipFile is not base64") };
        }
        if (zip.LongLength > ZippedLimit)
        {
            return new ManagementUpload<T> { Error = LambdaError.RequestEntityTooLarge($"Zipped size must be smaller than {ZippedLimit} bytes") };
        }
        var zipPath = Path.Combine(_spool, Guid.NewGuid().ToString("N") + ".zip");
        File.WriteAllBytes(zipPath, zip);
        return new ManagementUpload<T> { Request = value, Zip = new UploadedCode(zipPath, zip.LongLength, Convert.ToBase64String(SHA256.HashData(zip))) };
    }

    /// <summary>
    /// Puts an uploaded zip in place: kept as <c>code/{sha256-hex}.zip</c> (GetFunction's Code.Location) and extracted
    /// (with its Unix file modes) to <c>code/{sha256-hex}/</c>. Content-addressed, so the same zip uploaded twice is
    /// one folder. A corrupt zip or one over 250 MB unzipped is AWS's InvalidParameterValueException.
    /// </summary>
    public LambdaError? Install(UploadedCode zip, out InstalledCode? installed)
    {
        installed = null;
        var hex = HexOf(zip.CodeSha256);
        var folder = Path.Combine(_codeRoot, hex);
        var keptZip = Path.Combine(_codeRoot, hex + ".zip");
        Directory.CreateDirectory(_codeRoot);
        if (!Directory.Exists(folder))
        {
            var staging = Path.Combine(_codeRoot, ".staging-" + Guid.NewGuid().ToString("N"));
            try
            {
                using (var archive = ZipFile.OpenRead(zip.Path))
                {
                    long unzipped = 0;
                    foreach (var entry in archive.Entries)
                    {
                        unzipped += entry.Length;
                    }
                    if (unzipped >= UnzippedLimit)
                    {
                        return LambdaError.InvalidParameterValue($"Unzipped size must be smaller than {UnzippedLimit} bytes");
                    }
                    // .NET applies each entry's Unix mode (ExternalAttributes >> 16) on extraction and refuses entries
                    // that would land outside the folder.
                    archive.ExtractToDirectory(staging);
                }
                try
                {
                    Directory.Move(staging, folder);
                }
                catch (IOException) when (Directory.Exists(folder))
                {
                    // Another request installed the same zip first: theirs is identical.
                }
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException or NotSupportedException)
            {
                return LambdaError.InvalidParameterValue(CorruptZip);
            }
            finally
            {
                if (Directory.Exists(staging))
                {
                    Directory.Delete(staging, recursive: true);
                }
            }
        }
        if (!File.Exists(keptZip))
        {
            File.Copy(zip.Path, keptZip, overwrite: true);
        }
        installed = new InstalledCode(folder, zip.CodeSha256, zip.Size);
        return null;
    }

    /// <summary>The kept zip of a code hash given as <c>{hex}.zip</c>, or null.</summary>
    public string? ZipFileFor(string fileName)
    {
        if (!fileName.EndsWith(".zip", StringComparison.Ordinal) || fileName.Length != 64 + 4 || fileName.AsSpan(0, 64).ContainsAnyExcept(LowerHex))
        {
            return null;
        }
        var path = Path.Combine(_codeRoot, fileName);
        return File.Exists(path) ? path : null;
    }

    /// <summary>Where GetFunction's Code.Location points: this gateway's <c>/_gateway/code/{hex}.zip</c>.</summary>
    public static string LocationOf(HttpRequest request, string codeSha256) =>
        $"{request.Scheme}://{request.Host}/_gateway/code/{HexOf(codeSha256)}.zip";

    /// <summary>The file name form of a base64 SHA-256 (lower-case hex); a hash that is not base64 (a folder hash from
    /// the functions file) is hashed again so the name stays safe.</summary>
    public static string HexOf(string codeSha256)
    {
        Span<byte> hash = stackalloc byte[32];
        return Convert.TryFromBase64String(codeSha256, hash, out int written) && written == 32
            ? Convert.ToHexStringLower(hash)
            : Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(codeSha256)));
    }

    private static async Task<bool> CopyLimitedAsync(Stream source, Stream target, long limit, CancellationToken cancellationToken)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            long total = 0;
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
                if (total > limit)
                {
                    return false;
                }
                await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
            return true;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
