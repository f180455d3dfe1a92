namespace Gateway.Functions.Code;

/// <summary>
/// A decoded <c>ZipFile</c> spooled to a temporary file, with the hash taken while it was written.
/// </summary>
/// <param name="Path">The temporary file; <see cref="CodeStore.Store"/> moves it, <see cref="ManagementBody.Dispose"/>
/// deletes it if it is still there.</param>
/// <param name="Size">Decoded bytes (AWS's <c>CodeSize</c>).</param>
/// <param name="Sha256">The raw SHA-256 of the decoded bytes.</param>
internal sealed record UploadedZip(string Path, long Size, byte[] Sha256)
{
    /// <summary>base64(SHA-256), as AWS's <c>CodeSha256</c>.</summary>
    public string CodeSha256 => Convert.ToBase64String(Sha256);

    /// <summary>Lower-case hex of the hash: the content's name in the <see cref="CodeStore"/>.</summary>
    public string Sha256Hex => Convert.ToHexStringLower(Sha256);
}
