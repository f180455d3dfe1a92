namespace Gateway.Functions.Code;

/// <summary>Where the body's <c>ZipFile</c> was: UpdateFunctionCode sends it at the top level, CreateFunction under
/// <c>Code</c>. An endpoint uses <see cref="ManagementBody.Zip"/> only when it is where its operation expects it.</summary>
internal enum ZipFileLocation
{
    None,
    TopLevel,
    Code,
}

/// <summary>A string value too long for the skeleton (not a ZipFile): its content was dropped, its length kept.
/// No Lambda member but ZipFile accepts anything near 64 KB, so an endpoint only needs the length to refuse it.</summary>
/// <param name="Placeholder">What stands for it in <see cref="ManagementBody.Json"/>.</param>
/// <param name="EncodedLength">Bytes between the quotes as sent (escapes not decoded).</param>
internal readonly record struct DivertedString(string Placeholder, long EncodedLength);

/// <summary>
/// A management request body as <see cref="ManagementBodyReader"/> read it: a small JSON skeleton to deserialize,
/// the decoded ZipFile on disk, or the error to answer with. Disposing it returns the skeleton's buffer and deletes
/// the spooled zip unless <see cref="CodeStore.Store"/> has moved it away.
/// </summary>
internal sealed class ManagementBody : IDisposable
{
    /// <summary>Stands for ZipFile's value in <see cref="Json"/>. Valid base64 (of "spooled"), so a model that types
    /// ZipFile as <c>byte[]</c> still deserializes; the content is in <see cref="Zip"/>.</summary>
    public const string ZipFilePlaceholder = "c3Bvb2xlZA==";

    internal static ReadOnlySpan<byte> ZipFilePlaceholderUtf8 => "c3Bvb2xlZA=="u8;

    /// <summary>The prefix of a <see cref="DivertedString.Placeholder"/> (followed by its index).</summary>
    public const string DivertedPlaceholderPrefix = "<gateway:diverted-string:";

    private readonly SkeletonBuffer? _skeleton;
    private readonly IReadOnlyList<DivertedString> _diverted;

    internal ManagementBody(SkeletonBuffer? skeleton, UploadedZip? zip, ZipFileLocation location, IReadOnlyList<DivertedString> diverted,
        ManagementBodyError? error, long bytesRead, int peakBufferedBytes)
    {
        _skeleton = skeleton;
        Zip = zip;
        ZipLocation = zip is null ? ZipFileLocation.None : location;
        _diverted = diverted;
        Error = error;
        BytesRead = bytesRead;
        PeakBufferedBytes = peakBufferedBytes;
    }

    /// <summary>The body with every long string replaced by a placeholder; empty when <see cref="Error"/> is set.
    /// Valid JSON whenever the body was (the skeleton is not parsed here: the endpoint's deserializer checks it).</summary>
    public ReadOnlyMemory<byte> Json => Error is null && _skeleton is not null ? _skeleton.Written : ReadOnlyMemory<byte>.Empty;

    /// <summary>The decoded ZipFile (small or large: always a file), or null when the body had none.</summary>
    public UploadedZip? Zip { get; }

    public ZipFileLocation ZipLocation { get; }

    public IReadOnlyList<DivertedString> DivertedStrings => _diverted;

    /// <summary>Set when the body must be refused. The body may not have been read to its end (an oversize one never
    /// is), so the endpoint answers and closes the connection.</summary>
    public ManagementBodyError? Error { get; }

    /// <summary>Body bytes read (for an oversize body: where reading stopped).</summary>
    public long BytesRead { get; }

    /// <summary>Diagnostic: the most bytes the reader held at once (skeleton plus decoder buffers), whatever the
    /// body's size. Tests assert it stays small.</summary>
    public int PeakBufferedBytes { get; }

    /// <summary>The diverted string a deserialized value stands for, if it is a placeholder.</summary>
    public bool TryGetDivertedString(string? value, out DivertedString diverted)
    {
        diverted = default;
        if (value is null || !value.StartsWith(DivertedPlaceholderPrefix, StringComparison.Ordinal))
        {
            return false;
        }
        foreach (var d in _diverted)
        {
            if (d.Placeholder == value)
            {
                diverted = d;
                return true;
            }
        }
        return false;
    }

    public void Dispose()
    {
        _skeleton?.Dispose();
        if (Zip is not null)
        {
            TryDelete(Zip.Path);
        }
    }

    internal static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A leftover upload in the spool folder costs disk, not correctness; CodeStore clears the folder on start.
        }
    }
}
