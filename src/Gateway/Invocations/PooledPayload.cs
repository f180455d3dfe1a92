using System.Buffers;

namespace Gateway.Invocations;

/// <summary>
/// Payload bytes held in arrays rented from <see cref="ArrayPool{T}.Shared"/>: the one place a request or
/// response body is copied to on the gateway side. Everything after that (the write to a worker socket, the
/// write to the client) reads these same arrays.
/// </summary>
/// <remarks>
/// A small payload (up to 32 KB) whose size is known up front (Content-Length) is one array from the shared pool;
/// an unknown-length one grows in arrays that double from 4 KB to 32 KB. Anything larger is made of 64 KB segments
/// from <see cref="PayloadSegmentPool"/>, whose memory is bounded. Growing never needs a copy.
/// Not thread-safe: one writer, then readers, then <see cref="Reset"/>.
/// </remarks>
internal sealed class PooledPayload
{
    private const int FirstSegment = 4096;
    private const int LargestSharedArray = 32 * 1024;

    private readonly List<ArraySegment<byte>> _segments = new(4);
    private byte[]? _current;
    private int _currentUsed;
    private bool _large; // a large body is coming: go straight to 64 KB segments

    /// <summary>Total bytes written.</summary>
    public long Length { get; private set; }

    /// <summary>Prepares for a body of <paramref name="expectedLength"/> bytes, when the sender said how many.</summary>
    public void Reserve(int expectedLength)
    {
        if (_current is null && _segments.Count == 0 && expectedLength > 0)
        {
            if (expectedLength > LargestSharedArray)
            {
                _large = true;
                return;
            }
            _current = ArrayPool<byte>.Shared.Rent(expectedLength);
            _currentUsed = 0;
        }
    }

    /// <summary>Copies <paramref name="source"/> in; the caller has already checked it against the limit.</summary>
    public void Write(ReadOnlySpan<byte> source)
    {
        while (!source.IsEmpty)
        {
            if (_current is null || _currentUsed == _current.Length)
            {
                SealCurrent();
                int size = Math.Max(_segments.Count == 0 ? FirstSegment : _segments[^1].Count * 2, FirstSegment);
                _large |= size > LargestSharedArray;
                _current = _large
                    ? PayloadSegmentPool.Shared.Rent()
                    : ArrayPool<byte>.Shared.Rent(Math.Min(Math.Max(size, source.Length), LargestSharedArray));
                _currentUsed = 0;
            }
            int n = Math.Min(source.Length, _current.Length - _currentUsed);
            source[..n].CopyTo(_current.AsSpan(_currentUsed));
            _currentUsed += n;
            Length += n;
            source = source[n..];
        }
    }

    /// <summary>Room for the next bytes, written in place (a socket receive into it) and then committed with
    /// <see cref="Advance"/>: the way to fill a payload without a copy through another buffer.</summary>
    public Memory<byte> GetMemory()
    {
        if (_current is null || _currentUsed == _current.Length)
        {
            SealCurrent();
            _large = true; // only used for bodies too large for one shared array
            _current = PayloadSegmentPool.Shared.Rent();
            _currentUsed = 0;
        }
        return _current.AsMemory(_currentUsed);
    }

    /// <summary>Commits <paramref name="count"/> bytes written into the memory <see cref="GetMemory"/> returned.</summary>
    public void Advance(int count)
    {
        _currentUsed += count;
        Length += count;
    }

    public void Write(in ReadOnlySequence<byte> source)
    {
        foreach (var memory in source)
        {
            Write(memory.Span);
        }
    }

    /// <summary>The written bytes as array segments (for gather writes to sockets and response bodies); a struct, so a
    /// <c>foreach</c> over it allocates nothing.</summary>
    public PayloadSegments Segments
    {
        get
        {
            SealCurrent();
            return new PayloadSegments(_segments);
        }
    }

    /// <summary>How many filled chunks the payload has so far, counting the partly filled array being written
    /// (which, unlike <see cref="Segments"/>, this does not seal): for readers that follow the payload while it is
    /// still being written (<see cref="Invoke.JsonPayloadValidator"/>).</summary>
    public int ChunkCount => _segments.Count + (_current is not null && _currentUsed > 0 ? 1 : 0);

    /// <summary>Chunk <paramref name="index"/> (see <see cref="ChunkCount"/>); the last may still grow.</summary>
    public ReadOnlyMemory<byte> Chunk(int index)
        => index < _segments.Count ? _segments[index] : _current.AsMemory(0, _currentUsed);

    /// <summary>Copies the payload into one new array. For tests, logs and cold paths only.</summary>
    public byte[] ToArray()
    {
        var result = new byte[Length];
        int offset = 0;
        foreach (var segment in Segments)
        {
            segment.AsSpan().CopyTo(result.AsSpan(offset));
            offset += segment.Count;
        }
        return result;
    }

    /// <summary>Copies the first <c>destination.Length</c> bytes (or all, if fewer) into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<byte> destination)
    {
        int offset = 0;
        foreach (var segment in Segments)
        {
            int n = Math.Min(segment.Count, destination.Length - offset);
            segment.AsSpan(0, n).CopyTo(destination[offset..]);
            offset += n;
            if (offset == destination.Length)
            {
                break;
            }
        }
    }

    /// <summary>Returns every array to the pool; the payload is empty again and can be reused.</summary>
    public void Reset()
    {
        if (_current is not null && _currentUsed == 0)
        {
            ReturnArray(_current);
        }
        else if (_current is not null)
        {
            SealCurrent();
        }
        _current = null;
        _currentUsed = 0;
        foreach (var segment in _segments)
        {
            ReturnArray(segment.Array!);
        }
        _segments.Clear();
        Length = 0;
        _large = false;
    }

    // The shared pool never hands out 64 KB arrays for the sizes asked of it here (at most 32 KB).
    private static void ReturnArray(byte[] array)
    {
        if (array.Length == PayloadSegmentPool.SegmentBytes)
        {
            PayloadSegmentPool.Shared.Return(array);
        }
        else
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    private void SealCurrent()
    {
        if (_current is not null && _currentUsed > 0)
        {
            _segments.Add(new ArraySegment<byte>(_current, 0, _currentUsed));
            _current = null;
            _currentUsed = 0;
        }
    }
}
