using System.Buffers;
using System.IO.Pipelines;

namespace Gateway.UnitTests.Support;

/// <summary>
/// A <see cref="PipeReader"/> over fixed bytes that reveals them <paramref name="step"/> bytes at a time, each byte in
/// its own segment: a reader under test meets every split point and every multi-segment buffer. It follows pipe
/// semantics (a read returns new bytes only once everything visible has been examined) and fails the test, instead of
/// spinning for ever, when a reader keeps asking without examining what it was given.
/// </summary>
internal sealed class TricklePipeReader : PipeReader
{
    private readonly Chain[] _chain;
    private readonly int _length;
    private readonly int _step;
    private long _consumed;
    private long _examined;
    private long _visible;
    private int _reads;

    private readonly bool _releaseConsumed;

    /// <param name="releaseConsumed">Like a real pipe, take consumed bytes away (their segments become empty), so a reader
    /// that touches a buffer after AdvanceTo fails here as it would in production.</param>
    public TricklePipeReader(ReadOnlySpan<byte> data, int step = 1, bool releaseConsumed = true)
    {
        _length = data.Length;
        _step = step;
        _releaseConsumed = releaseConsumed;
        // chain[i] holds data[i]; chain[length] is an empty sentinel so every position maps to an absolute offset.
        _chain = new Chain[_length + 1];
        for (int i = 0; i <= _length; i++)
        {
            _chain[i] = new Chain(i < _length ? new[] { data[i] } : Array.Empty<byte>(), i);
            if (i > 0)
            {
                _chain[i - 1].SetNext(_chain[i]);
            }
        }
    }

    /// <summary>Bytes the reader under test has consumed (advanced past).</summary>
    public long Consumed => _consumed;

    public int Reads => _reads;

    public bool Completed { get; private set; }

    /// <summary>What is left after the consumed bytes (e.g. the next request on a keep-alive connection).</summary>
    public byte[] Remaining()
    {
        var result = new byte[_length - _consumed];
        for (long i = _consumed; i < _length; i++)
        {
            result[i - _consumed] = _chain[i].Memory.Length == 1 ? _chain[i].Memory.Span[0] : _chain[i].Released;
        }
        return result;
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) => new(Read());

    public override bool TryRead(out ReadResult result)
    {
        result = Read();
        return true;
    }

    private ReadResult Read()
    {
        if (++_reads > 10 * _length + 100)
        {
            throw new InvalidOperationException("The reader keeps reading without examining the data it was given (it would spin).");
        }
        if (_examined >= _visible && _visible < _length)
        {
            _visible = Math.Min(_visible + _step, _length);
        }
        var buffer = new ReadOnlySequence<byte>(_chain[_consumed], 0, _chain[_visible], 0);
        return new ReadResult(buffer, isCanceled: false, isCompleted: _visible == _length);
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        long c = Offset(consumed), e = Offset(examined);
        if (c < _consumed || e < c || e > _visible)
        {
            throw new InvalidOperationException($"Bad AdvanceTo: consumed {c} (was {_consumed}), examined {e}, visible {_visible}.");
        }
        if (_releaseConsumed)
        {
            for (long i = _consumed; i < c; i++)
            {
                _chain[i].Release();
            }
        }
        _consumed = c;
        _examined = Math.Max(_examined, e);
    }

    public override void CancelPendingRead()
    {
    }

    public override void Complete(Exception? exception = null) => Completed = true;

    private static long Offset(SequencePosition position)
        => ((Chain)position.GetObject()!).RunningIndex + position.GetInteger();

    private sealed class Chain : ReadOnlySequenceSegment<byte>
    {
        public Chain(byte[] data, long runningIndex)
        {
            Memory = data;
            RunningIndex = runningIndex;
        }

        public void SetNext(Chain next) => Next = next;

        public void Release()
        {
            _released = Memory.Span[0];
            Memory = ReadOnlyMemory<byte>.Empty;
        }

        private byte _released;

        public byte Released => _released;
    }
}
