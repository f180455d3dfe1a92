using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using Gateway.Invocations;

namespace Gateway.RuntimeApi;

internal enum BodyStatus
{
    Complete,

    /// <summary>Over the limit, and not read to its end: the connection cannot carry another request.</summary>
    TooLarge,

    /// <summary>Over the limit, read to its end and thrown away: the runtime gets its 413 and the connection goes on.</summary>
    TooLargeDiscarded,

    Truncated,
}

/// <summary>
/// Reads a runtime's request body (Content-Length or chunked) into a pooled payload, stopping as soon as it
/// would exceed the limit: an oversized body is refused, never buffered whole.
/// </summary>
internal static class BodyReader
{
    private const int MaxChunkLine = 1024;

    /// <summary>A Content-Length body at least this large is read straight from the socket into the payload once the
    /// connection's pipe holds none of it: one user-space copy of those bytes on the gateway (payload → the caller's
    /// response) instead of two (pipe → payload → response).</summary>
    internal const int DirectReadBytes = 64 * 1024;

    /// <summary>How much of a body over <paramref name="limit"/> is read and thrown away before the 413 (see
    /// <see cref="ReadAsync"/>'s drainLimit): the limit and 1 MiB more, and at least 16 MiB. Beyond it, the 413 goes out
    /// at once and the connection closes: a runtime posting that much is not worth reading for.</summary>
    public static long DrainLimit(long limit) => Math.Max(limit + 1024 * 1024, 16L * 1024 * 1024);

    /// <param name="target">Where the bytes go; null to read and discard them.</param>
    /// <param name="socket">The connection's transport, for reading a large body's bytes without the pipe; null: through the pipe.</param>
    /// <param name="drainLimit">A body over <paramref name="limit"/> but within this is read to its end and discarded
    /// (<see cref="BodyStatus.TooLargeDiscarded"/>) rather than refused unread (<see cref="BodyStatus.TooLarge"/>).
    /// Clients that write the whole body before they read the reply (Python's http.client, urllib and requests, Java's
    /// HttpURLConnection) otherwise hit a closed socket (EPIPE, ECONNRESET) instead of the 413, and the runtime dies.
    /// AWS reads the body before it judges the size (RIE: io.ReadAll in rapi/handler/invocationresponse.go,
    /// io.LimitReader(…, MaxDirectResponseSize+1) in core/directinvoke/directinvoke.go).</param>
    public static ValueTask<BodyStatus> ReadAsync(PipeReader reader, RuntimeRequestHead head, PooledPayload? target, int limit, RuntimeTransport? socket = null, long drainLimit = 0)
    {
        if (head.Chunked)
        {
            return ReadChunkedAsync(reader, target, limit, drainLimit);
        }
        if (head.ContentLength <= 0)
        {
            return new ValueTask<BodyStatus>(BodyStatus.Complete);
        }
        if (head.ContentLength > limit)
        {
            return head.ContentLength <= drainLimit
                ? DiscardOversizedAsync(reader, head.ContentLength)
                : new ValueTask<BodyStatus>(BodyStatus.TooLarge);
        }
        if (socket is not null && target is not null && head.ContentLength >= DirectReadBytes)
        {
            return ReadLengthDirectAsync(reader, socket, head.ContentLength, target);
        }
        return ReadLengthAsync(reader, head.ContentLength, target);
    }

    /// <summary>A large Content-Length body: what the pipe already holds is copied from it, the rest is received from the
    /// socket straight into the payload's segments. Only while the pipe holds nothing: the pipe reads from the socket
    /// only inside its own ReadAsync, so bytes received here cannot be ones it has buffered.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<BodyStatus> ReadLengthDirectAsync(PipeReader reader, RuntimeTransport socket, long length, PooledPayload target)
    {
        long remaining = length;
        while (remaining > 0)
        {
            if (reader.TryRead(out var read))
            {
                var buffer = read.Buffer;
                if (!buffer.IsEmpty || read.IsCompleted)
                {
                    var take = buffer.Slice(0, Math.Min(remaining, buffer.Length));
                    target.Write(take);
                    remaining -= take.Length;
                    reader.AdvanceTo(take.End);
                    if (remaining > 0 && read.IsCompleted)
                    {
                        return BodyStatus.Truncated;
                    }
                    continue;
                }
                reader.AdvanceTo(buffer.Start); // nothing buffered after all
            }
            var memory = target.GetMemory();
            if (memory.Length > remaining)
            {
                memory = memory[..(int)remaining];
            }
            int n = await socket.ReceiveAsync(memory).ConfigureAwait(false);
            if (n == 0)
            {
                return BodyStatus.Truncated;
            }
            target.Advance(n);
            remaining -= n;
        }
        return BodyStatus.Complete;
    }

    /// <summary>Reads a Content-Length body over the limit to its end, keeping none of it.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<BodyStatus> DiscardOversizedAsync(PipeReader reader, long length)
        => await ReadLengthAsync(reader, length, null).ConfigureAwait(false) == BodyStatus.Complete ? BodyStatus.TooLargeDiscarded : BodyStatus.TooLarge;

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<BodyStatus> ReadLengthAsync(PipeReader reader, long length, PooledPayload? target)
    {
        long remaining = length;
        while (remaining > 0)
        {
            var read = await reader.ReadAsync().ConfigureAwait(false);
            var buffer = read.Buffer;
            var take = buffer.Slice(0, Math.Min(remaining, buffer.Length));
            target?.Write(take);
            remaining -= take.Length;
            reader.AdvanceTo(take.End);
            if (remaining > 0 && read.IsCompleted)
            {
                return BodyStatus.Truncated;
            }
        }
        return BodyStatus.Complete;
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<BodyStatus> ReadChunkedAsync(PipeReader reader, PooledPayload? target, int limit, long drainLimit)
    {
        long total = 0;
        bool over = false; // past the limit, within drainLimit: reading on to the end, keeping nothing
        while (true)
        {
            // chunk-size [; extensions] CRLF
            var line = await ReadLineAsync(reader).ConfigureAwait(false);
            if (line is null)
            {
                return Failed(BodyStatus.Truncated, over);
            }
            long size = line.Value;
            if (size < 0)
            {
                return Failed(BodyStatus.Truncated, over);
            }
            if (size == 0)
            {
                // trailers, then the final CRLF
                while (true)
                {
                    var trailer = await ReadRawLineLengthAsync(reader).ConfigureAwait(false);
                    if (trailer < 0)
                    {
                        return Failed(BodyStatus.Truncated, over);
                    }
                    if (trailer == 0)
                    {
                        return over ? BodyStatus.TooLargeDiscarded : BodyStatus.Complete;
                    }
                }
            }
            // Checked before adding, so a huge declared size cannot overflow past the limits.
            if (size > limit - total)
            {
                if (size > drainLimit - total)
                {
                    return BodyStatus.TooLarge;
                }
                over = true;
                target = null;
            }
            total += size;
            var status = await ReadLengthAsync(reader, size, target).ConfigureAwait(false);
            if (status != BodyStatus.Complete)
            {
                return Failed(status, over);
            }
            if (await ReadRawLineLengthAsync(reader).ConfigureAwait(false) != 0)
            {
                return Failed(BodyStatus.Truncated, over); // the CRLF after chunk data was missing
            }
        }
    }

    /// <summary>A body that broke off after it passed the limit is still too large (the invocation ends as one), and the
    /// connection cannot go on.</summary>
    private static BodyStatus Failed(BodyStatus status, bool over) => over ? BodyStatus.TooLarge : status;

    /// <summary>Reads a chunk-size line; returns its value, -1 if malformed, null at EOF.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    internal static async ValueTask<long?> ReadLineAsync(PipeReader reader)
    {
        while (true)
        {
            var read = await reader.ReadAsync().ConfigureAwait(false);
            var buffer = read.Buffer;
            var sequenceReader = new SequenceReader<byte>(buffer);
            if (sequenceReader.TryReadTo(out ReadOnlySequence<byte> line, "\r\n"u8))
            {
                // Parse before AdvanceTo: after it, the pipe may recycle the memory the line lives in.
                long result = ParseChunkSize(line);
                reader.AdvanceTo(sequenceReader.Position);
                return result;
            }
            if (buffer.Length > MaxChunkLine || read.IsCompleted)
            {
                reader.AdvanceTo(buffer.End);
                return buffer.Length > MaxChunkLine ? -1 : null;
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static long ParseChunkSize(in ReadOnlySequence<byte> line)
    {
        if (line.Length > MaxChunkLine)
        {
            return -1;
        }
        Span<byte> bytes = stackalloc byte[(int)line.Length];
        line.CopyTo(bytes);
        int semicolon = bytes.IndexOf((byte)';');
        var hex = (semicolon >= 0 ? bytes[..semicolon] : bytes).Trim(" \t"u8);
        return Utf8Parser.TryParse(hex, out long size, out int used, 'X') && used == hex.Length ? size : -1;
    }

    /// <summary>Reads one CRLF-terminated line and returns its length (0 for an empty line), or -1 at EOF / when too long.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    internal static async ValueTask<long> ReadRawLineLengthAsync(PipeReader reader)
    {
        while (true)
        {
            var read = await reader.ReadAsync().ConfigureAwait(false);
            var buffer = read.Buffer;
            var sequenceReader = new SequenceReader<byte>(buffer);
            if (sequenceReader.TryReadTo(out ReadOnlySequence<byte> line, "\r\n"u8))
            {
                long length = line.Length; // read before AdvanceTo releases the memory
                reader.AdvanceTo(sequenceReader.Position);
                return length;
            }
            if (buffer.Length > 64 * 1024 || read.IsCompleted)
            {
                reader.AdvanceTo(buffer.End);
                return -1;
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
