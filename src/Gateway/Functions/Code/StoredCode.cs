namespace Gateway.Functions.Code;

/// <summary>A deployment package kept by the <see cref="CodeStore"/>, named by its content.</summary>
/// <param name="Sha256Hex">Lower-case hex SHA-256: the zip's file name and its extraction folder's name.</param>
/// <param name="CodeSha256">base64(SHA-256), AWS's <c>CodeSha256</c>.</param>
/// <param name="Size">The zip's size, AWS's <c>CodeSize</c>.</param>
/// <param name="ZipPath"><c>{DataDirectory}/code/zips/{hex}.zip</c>.</param>
internal sealed record StoredCode(string Sha256Hex, string CodeSha256, long Size, string ZipPath);

/// <summary>What <see cref="CodeStore.Extract(StoredCode)"/> produced: the code folder and the unzipped size, or the
/// error AWS answers with (a corrupt zip, or one that unzips too large).</summary>
internal readonly record struct CodeExtractionResult(string? Directory, long UnzippedSize, ManagementBodyError? Error)
{
    public bool Succeeded => Error is null;

    public static CodeExtractionResult Ok(string directory, long unzippedSize) => new(directory, unzippedSize, null);

    public static CodeExtractionResult Failed(ManagementBodyError error) => new(null, 0, error);
}
