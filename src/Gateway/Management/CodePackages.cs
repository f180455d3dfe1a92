using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Gateway.Functions.Code;
using Gateway.Invoke;
using Microsoft.AspNetCore.Http;

namespace Gateway.Management;

/// <summary>A deployment package in place: its code folder (what environments run), AWS's hash and size of the zip.</summary>
/// <param name="UnzippedSize">What the zip unzips to (counts toward the 250 MB with the function's layers).</param>
internal sealed record InstalledCode(string Directory, string CodeSha256, long CodeSize, long UnzippedSize = 0)
{
    /// <summary>The folder's <c>bootstrap</c>: not checked here; a missing or non-executable one fails at invoke with
    /// Runtime.InvalidEntrypoint, as on AWS.</summary>
    public string Bootstrap => System.IO.Path.Combine(Directory, "bootstrap");
}

/// <summary>A management request body read: the request (its ZipFile member holding only a placeholder) and the
/// spooled zip, or the refusal. Disposing it deletes the spooled zip unless it was stored.</summary>
internal sealed class ManagementUpload<T>(ManagementBody? body) : IDisposable
{
    public T? Request { get; init; }

    /// <summary>The decoded ZipFile, when the body had one where the operation expects it.</summary>
    public UploadedZip? Zip { get; init; }

    /// <summary>Null with a null <see cref="Request"/>: the client went away, nothing to answer.</summary>
    public LambdaError? Error { get; init; }

    public void Dispose() => body?.Dispose();
}

/// <summary>
/// Where the management endpoints meet the zip layer (<see cref="ManagementBodyReader"/>, <see cref="CodeStore"/>):
/// reading a body that carries a base64 zip without holding it in memory, turning the zip into a code folder, and
/// finding a kept zip for GetFunction's Code.Location.
/// </summary>
internal sealed class CodePackages(CodeStore store)
{
    public CodeStore Store { get; } = store;

    /// <summary>Zips of functions-file folders, made on their first download.</summary>
    private readonly FolderZips _folders = new(store.Root);

    /// <summary>
    /// Reads a CreateFunction/UpdateFunctionCode body within <paramref name="limits"/>. The zip counts only where the
    /// operation expects it (<paramref name="zipLocation"/>). A long string in any other member was left out of the
    /// JSON by the reader; no such member takes 64 KB, so it is refused here.
    /// </summary>
    public async Task<ManagementUpload<T>> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> type, ManagementBodyLimits limits, ZipFileLocation zipLocation)
        where T : class
    {
        // Kestrel's own 30 MB request cap is the backstop for every other route; these bodies may reach AWS's 70 MB, and
        // the reader refuses past that with AWS's 413 while the body streams (nothing of it is held in memory).
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeLimit)
        {
            sizeLimit.MaxRequestBodySize = limits.MaxRequestBytes + 1;
        }
        ManagementBody body;
        try
        {
            body = await ManagementBodyReader.ReadAsync(context.Request.BodyReader, context.Request.ContentLength, limits, Store.SpoolDirectory, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Functions.Code.SpoolWriteException spool)
        {
            // Not the client: the spool could not be written. Answered as the service's failure, as the model lists
            // ServiceException for these operations; an empty 200 read as success to every SDK. (No host path.)
            return new ManagementUpload<T>(null)
            {
                Error = LambdaError.ServiceException(spool.DiskFull ? "The code could not be stored: the gateway's disk is full." : "The code could not be stored."),
            };
        }
        catch (Exception ex) when (ex is BadHttpRequestException or IOException or OperationCanceledException)
        {
            Invoke.UnreadableBody.Answer(context, ex);
            return new ManagementUpload<T>(null);
        }
        if (body.Error is { } bodyError)
        {
            return new ManagementUpload<T>(body) { Error = ToLambdaError(bodyError) };
        }
        if (body.DivertedStrings.Count > 0)
        {
            var longest = body.DivertedStrings.Max(d => d.EncodedLength);
            return new ManagementUpload<T>(body)
            {
                Error = LambdaError.Validation($"1 validation error detected: a string value of {longest} characters failed to satisfy constraint: Member must have length less than or equal to {limits.DivertThreshold}"),
            };
        }
        T? value;
        try
        {
            value = body.Json.IsEmpty ? null : JsonSerializer.Deserialize(body.Json.Span, type);
        }
        catch (JsonException ex)
        {
            return new ManagementUpload<T>(body) { Error = LambdaError.InvalidRequestContent("Could not parse request body into json: " + ex.Message) };
        }
        if (value is null)
        {
            return new ManagementUpload<T>(body) { Error = LambdaError.InvalidRequestContent("Could not parse request body into json: the body is empty") };
        }
        return new ManagementUpload<T>(body) { Request = value, Zip = body.ZipLocation == zipLocation ? body.Zip : null };
    }

    /// <summary>Stores the zip under its hash and extracts it (once per content). A corrupt zip or one over 250 MB
    /// unzipped is AWS's InvalidParameterValueException.</summary>
    public LambdaError? Install(UploadedZip zip, out InstalledCode? installed)
    {
        installed = null;
        try
        {
            var stored = Store.Store(zip);
            var extracted = Store.Extract(stored);
            if (extracted.Error is { } error)
            {
                return ToLambdaError(error);
            }
            installed = new InstalledCode(extracted.Directory!, stored.CodeSha256, stored.Size, extracted.UnzippedSize);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return LambdaError.ServiceException("The code could not be stored: " + ex.Message);
        }
    }

    /// <summary>The zip named <c>{sha256-hex}.zip</c>: a kept upload, else the zip of a functions-file folder with that
    /// hash (<see cref="FolderZips"/>); null when neither.</summary>
    public string? ZipFileFor(string fileName, Functions.Registry.RegistrySnapshot snapshot)
    {
        if (!fileName.EndsWith(".zip", StringComparison.Ordinal))
        {
            return null;
        }
        var hex = fileName[..^4];
        return Store.TryGet(hex, out var code) ? code.ZipPath : _folders.ZipFor(snapshot, hex);
    }


    /// <summary>Where GetFunction's Code.Location (and a layer's Content.Location) points: this gateway's
    /// <c>/_gateway/code/{hex}.zip</c>, presigned for the caller when requests are signed (a plain GET opens it, as
    /// AWS's presigned S3 link does).</summary>
    public static string LocationOf(HttpRequest request, string codeSha256, ManagementContext context)
    {
        var path = $"/_gateway/code/{HexOf(codeSha256)}.zip";
        return Security.Signing.PresignedLinks.For(request, $"{request.Scheme}://{request.Host}{path}", path, context.Region, context.Time.GetUtcNow());
    }

    /// <summary>The file name form of a base64 SHA-256 (lower-case hex); a hash that is not base64 is hashed again so the
    /// name stays safe.</summary>
    public static string HexOf(string codeSha256)
    {
        Span<byte> hash = stackalloc byte[32];
        return Convert.TryFromBase64String(codeSha256, hash, out int written) && written == 32
            ? Convert.ToHexStringLower(hash)
            : Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(codeSha256)));
    }

    /// <summary>The zip layer's refusal in Lambda's body shape: a 413 has <c>Message</c> and no Type (LS-REC), a 400
    /// InvalidParameterValueException has <c>Type: User</c> and <c>message</c>.</summary>
    internal static LambdaError ToLambdaError(ManagementBodyError error) => error.ErrorType switch
    {
        "RequestEntityTooLargeException" => LambdaError.RequestEntityTooLarge(error.Message),
        "InvalidParameterValueException" => LambdaError.InvalidParameterValue(error.Message),
        _ => new LambdaError(error.Status, error.ErrorType, error.Message, false, null),
    };
}
