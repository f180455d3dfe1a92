using System.IO.Pipelines;

namespace Gateway.Functions.Code;

/// <summary>
/// Reads a CreateFunction / UpdateFunctionCode body (up to ~70 MB, almost all of it the base64 ZipFile) from the
/// request's <see cref="PipeReader"/> without holding it: the ZipFile is decoded to a file in the spool folder as it
/// arrives, and only a small JSON skeleton stays in memory (<see cref="ManagementBodyParser"/>).
/// </summary>
/// <remarks>
/// Limits, in the order AWS applies them: a declared Content-Length over the request cap is refused before any byte
/// is read; a chunked body is read to the cap and refused at the first byte past it (the rest is never read); the
/// decoded zip is refused at the first byte past the zipped cap. Because the zipped cap is met first by any body
/// whose ZipFile is too large, that error wins as it does on AWS (LocalStack's AWS-validated tests note "the zipped
/// size is checked before the request size").
/// </remarks>
internal static class ManagementBodyReader
{
    /// <param name="spoolDirectory">Where the decoded zip is written; on the same file system as the
    /// <see cref="CodeStore"/> so that storing it is a rename (<see cref="CodeStore.SpoolDirectory"/>).</param>
    public static async ValueTask<ManagementBody> ReadAsync(PipeReader body, long? contentLength, ManagementBodyLimits limits,
        string spoolDirectory, CancellationToken ct)
    {
        var parser = new ManagementBodyParser(limits, spoolDirectory);
        if (contentLength > limits.MaxRequestBytes)
        {
            parser.Fail(CodeErrors.RequestTooLarge(limits.MaxRequestBytes, limits.Operation));
            return parser.ToBody(bytesRead: 0);
        }
        long total = 0;
        try
        {
            while (true)
            {
                var result = await body.ReadAsync(ct).ConfigureAwait(false);
                var buffer = result.Buffer;
                // Read before AdvanceTo: afterwards the pipe recycles the segments and the buffer's Length is garbage.
                long length = buffer.Length;
                long allowed = limits.MaxRequestBytes - total;
                // Parse up to the cap first: a zip over its own cap inside the allowed bytes reports that error.
                var within = length > allowed ? buffer.Slice(0, allowed) : buffer;
                try
                {
                    foreach (var segment in within)
                    {
                        if (!parser.Feed(segment.Span))
                        {
                            break;
                        }
                    }
                }
                catch (IOException ex)
                {
                    // The spool could not be written (a full disk): the read is ended before the refusal, or Kestrel's
                    // drain of the rest of the body fails ("reading is already in progress") and cuts the answer off.
                    body.AdvanceTo(buffer.End);
                    throw new SpoolWriteException(ex);
                }
                total += length;
                // Everything seen is consumed: the parser keeps its own state, so nothing is ever re-read.
                body.AdvanceTo(buffer.End);
                if (parser.Error is null && length > allowed)
                {
                    parser.Fail(CodeErrors.RequestTooLarge(limits.MaxRequestBytes, limits.Operation));
                }
                if (parser.Error is not null)
                {
                    return parser.ToBody(total);
                }
                if (result.IsCompleted)
                {
                    parser.Complete();
                    return parser.ToBody(total);
                }
                if (result.IsCanceled)
                {
                    throw new OperationCanceledException("The request body read was canceled.");
                }
            }
        }
        catch
        {
            parser.Dispose();
            throw;
        }
    }
}

/// <summary>The zip's spool could not be written (a full disk): the service's failure, told apart from a body the client
/// could not send (Kestrel's BadHttpRequestException is an IOException too).</summary>
internal sealed class SpoolWriteException(IOException inner) : IOException(inner.Message, inner)
{
    /// <summary>ENOSPC.</summary>
    public bool DiskFull => InnerException!.HResult == 28 || InnerException.Message.Contains("space", StringComparison.OrdinalIgnoreCase);
}
