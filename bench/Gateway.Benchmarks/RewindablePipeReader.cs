using System.Buffers;
using System.IO.Pipelines;

namespace Gateway.Benchmarks;

/// <summary>
/// An in-memory <see cref="PipeReader"/> over a prepared <see cref="ReadOnlySequence{T}"/> that can be rewound
/// and reused, so a benchmark measures the code under test and not a reader allocated per operation
/// (<c>PipeReader.Create(sequence)</c> allocates one) or a Pipe's own segment pool. Each read returns at most
/// <c>readSize</c> more bytes, like a socket delivering a body in pieces; reads always complete synchronously.
/// </summary>
internal sealed class RewindablePipeReader : PipeReader
{
    private readonly ReadOnlySequence<byte> _data;
    private readonly long _readSize;
    private SequencePosition _consumedAt;
    private long _consumed;
    private long _available;

    public RewindablePipeReader(ReadOnlySequence<byte> data, long readSize)
    {
        _data = data;
        _readSize = readSize;
        _consumedAt = data.Start;
    }

    public void Rewind()
    {
        _consumedAt = _data.Start;
        _consumed = 0;
        _available = 0;
    }

    public override bool TryRead(out ReadResult result)
    {
        _available = Math.Min(_data.Length, Math.Max(_available, _consumed) + _readSize);
        var buffer = _data.Slice(_consumedAt, _available - _consumed);
        result = new ReadResult(buffer, isCanceled: false, isCompleted: _available == _data.Length);
        return true;
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        TryRead(out var result);
        return new ValueTask<ReadResult>(result);
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        _consumedAt = consumed;
        _consumed = _data.GetOffset(consumed);
    }

    public override void CancelPendingRead()
    {
    }

    public override void Complete(Exception? exception = null)
    {
    }

    /// <summary>A sequence of <paramref name="data"/> cut into <paramref name="segmentSize"/>-byte segments
    /// (Kestrel hands a body over in its memory pool's 4 KB blocks).</summary>
    public static ReadOnlySequence<byte> Segmented(byte[] data, int segmentSize)
    {
        if (data.Length <= segmentSize)
        {
            return new ReadOnlySequence<byte>(data);
        }
        Segment first = new(data.AsMemory(0, segmentSize), 0);
        Segment last = first;
        for (int offset = segmentSize; offset < data.Length; offset += segmentSize)
        {
            last = last.Append(data.AsMemory(offset, Math.Min(segmentSize, data.Length - offset)));
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
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
