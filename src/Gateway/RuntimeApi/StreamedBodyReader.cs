using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace Gateway.RuntimeApi;

/// <summary>What a streamed /response ended with: how it ended, and the error its trailers reported, if any.</summary>
internal readonly record struct StreamedBody(BodyStatus Status, long Length, string? ErrorType, string? ErrorBodyBase64);

/// <summary>
/// Reads a streamed /response body (chunked, or Content-Length) and hands each piece to <c>forward</c> as soon as it
/// is read — nothing is held back to wait for the rest. The chunked form's trailers carry a mid-stream failure:
/// <c>Lambda-Runtime-Function-Error-Type</c> and <c>Lambda-Runtime-Function-Error-Body</c> (base64 of the error JSON).
/// </summary>
internal static class StreamedBodyReader
{
    public static async ValueTask<StreamedBody> ReadAsync(PipeReader reader, RuntimeRequestHead head, long limit, Func<ReadOnlySequence<byte>, ValueTask> forward)
    {
        if (!head.Chunked)
        {
            if (head.ContentLength <= 0)
            {
                return new StreamedBody(BodyStatus.Complete, 0, null, null);
            }
            if (head.ContentLength > limit)
            {
                return new StreamedBody(BodyStatus.TooLarge, head.ContentLength, null, null);
            }
            var status = await ForwardAsync(reader, head.ContentLength, forward).ConfigureAwait(false);
            return new StreamedBody(status, head.ContentLength, null, null);
        }

        long total = 0;
        while (true)
        {
            var size = await BodyReader.ReadLineAsync(reader).ConfigureAwait(false);
            if (size is null or < 0)
            {
                return new StreamedBody(BodyStatus.Truncated, total, null, null);
            }
            if (size == 0)
            {
                return await ReadTrailersAsync(reader, total).ConfigureAwait(false);
            }
            if (size > limit - total)
            {
                return new StreamedBody(BodyStatus.TooLarge, total + size.Value, null, null);
            }
            total += size.Value;
            var status = await ForwardAsync(reader, size.Value, forward).ConfigureAwait(false);
            if (status != BodyStatus.Complete)
            {
                return new StreamedBody(status, total, null, null);
            }
            if (await BodyReader.ReadRawLineLengthAsync(reader).ConfigureAwait(false) != 0)
            {
                return new StreamedBody(BodyStatus.Truncated, total, null, null);
            }
        }
    }

    /// <summary>Forwards <paramref name="length"/> bytes, each read as it comes (one chunk may arrive in several reads).</summary>
    private static async ValueTask<BodyStatus> ForwardAsync(PipeReader reader, long length, Func<ReadOnlySequence<byte>, ValueTask> forward)
    {
        long remaining = length;
        while (remaining > 0)
        {
            var read = await reader.ReadAsync().ConfigureAwait(false);
            var buffer = read.Buffer;
            var take = buffer.Slice(0, Math.Min(remaining, buffer.Length));
            if (!take.IsEmpty)
            {
                await forward(take).ConfigureAwait(false); // before AdvanceTo: the bytes stay valid until forwarded
            }
            remaining -= take.Length;
            reader.AdvanceTo(take.End);
            if (remaining > 0 && read.IsCompleted)
            {
                return BodyStatus.Truncated;
            }
        }
        return BodyStatus.Complete;
    }

    private static async ValueTask<StreamedBody> ReadTrailersAsync(PipeReader reader, long total)
    {
        string? errorType = null;
        string? errorBody = null;
        while (true)
        {
            var line = await ReadLineTextAsync(reader).ConfigureAwait(false);
            if (line is null)
            {
                return new StreamedBody(BodyStatus.Truncated, total, errorType, errorBody);
            }
            if (line.Length == 0)
            {
                return new StreamedBody(BodyStatus.Complete, total, errorType, errorBody);
            }
            int colon = line.IndexOf(':');
            if (colon <= 0)
            {
                continue;
            }
            var name = line.AsSpan(0, colon).Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Lambda-Runtime-Function-Error-Type", StringComparison.OrdinalIgnoreCase))
            {
                errorType = value;
            }
            else if (name.Equals("Lambda-Runtime-Function-Error-Body", StringComparison.OrdinalIgnoreCase))
            {
                errorBody = value;
            }
        }
    }

    /// <summary>One CRLF-terminated trailer line as text; null at EOF or when longer than a request head may be
    /// (<see cref="RuntimeRequestParser.MaxHeadSize"/>, as Kestrel's runtime server bounds trailers): an error document
    /// of up to ~780 KB fits as base64 (aws-lambda-go puts the error JSON there).</summary>
    private static async ValueTask<string?> ReadLineTextAsync(PipeReader reader)
    {
        while (true)
        {
            var read = await reader.ReadAsync().ConfigureAwait(false);
            var buffer = read.Buffer;
            var sequenceReader = new SequenceReader<byte>(buffer);
            if (sequenceReader.TryReadTo(out ReadOnlySequence<byte> line, "\r\n"u8))
            {
                var text = Encoding.UTF8.GetString(line);
                reader.AdvanceTo(sequenceReader.Position);
                return text;
            }
            if (buffer.Length > RuntimeRequestParser.MaxHeadSize || read.IsCompleted)
            {
                reader.AdvanceTo(buffer.End);
                return null;
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
