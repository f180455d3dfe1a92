using System.Buffers;
using System.IO.Pipelines;

namespace Gateway.Fuzz.Targets;

/// <summary>
/// Feeds bytes to a parser the way a socket does: in pieces. The piece size comes from the input itself, so the
/// fuzzer also explores where the boundaries fall (a header name split across two reads, a CRLF split in half).
/// </summary>
internal static class Segments
{
    /// <summary>A multi-segment sequence over <paramref name="data"/>, cut every <paramref name="piece"/> bytes.</summary>
    public static ReadOnlySequence<byte> Sequence(ReadOnlyMemory<byte> data, int piece)
    {
        if (data.Length <= piece)
        {
            return new ReadOnlySequence<byte>(data);
        }
        var first = new Segment(data[..piece], 0);
        var last = first;
        for (int offset = piece; offset < data.Length; offset += piece)
        {
            last = last.Append(data[offset..Math.Min(offset + piece, data.Length)]);
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>A reader whose writer has already written everything (in pieces) and completed: reads never wait.</summary>
    public static PipeReader Reader(ReadOnlyMemory<byte> data, int piece)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
        for (int offset = 0; offset < data.Length; offset += piece)
        {
            var part = data[offset..Math.Min(offset + piece, data.Length)];
            part.Span.CopyTo(pipe.Writer.GetSpan(part.Length));
            pipe.Writer.Advance(part.Length);
            // Flushed piece by piece, so the reader sees separate buffer segments as it would from a socket.
            _ = pipe.Writer.FlushAsync().AsTask().GetAwaiter().GetResult();
        }
        pipe.Writer.Complete();
        return pipe.Reader;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
