using System.Buffers;

namespace Gateway.Invocations;

/// <summary>
/// Payload bytes held in arrays rented from <see cref="ArrayPool{T}.Shared"/>: the one place a request or
/// response body is copied to on the gateway side. Everything after that (the write to a worker socket, the
/// write to the client) reads these same arrays.
/// </summary>
/// <remarks>
/// When the size is known up front (Content-Length) the payload is one array of exactly that size; otherwise it
/// grows in segments that double from 4 KB up to 1 MB, so an unknown-length body never needs a copy to grow.
/// Not thread-safe: one writer, then readers, then <see cref="Reset"/>.
/// </remarks>
internal sealed class PooledPayload
{
    private const int FirstSegment = 4096;
    private const int LargestSegment = 1 << 20;

    private readonly List<ArraySegment<byte>> _segments = new(4);
    private byte[]? _current;
    private int _currentUsed;

    /// <summary>Total bytes written.</summary>
    public long Length { get; private set; }

    /// <summary>Prepares for a body of <paramref name="expectedLength"/> bytes, when the sender said how many.</summary>
    public void Reserve(int expectedLength)
    {
        if (_current is null && _segments.Count == 0 && expectedLength > 0)
        {
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
                int size = Math.Clamp(_segments.Count == 0 ? FirstSegment : _segments[^1].Count * 2, FirstSegment, LargestSegment);
                _current = ArrayPool<byte>.Shared.Rent(Math.Max(size, Math.Min(source.Length, LargestSegment)));
                _currentUsed = 0;
            }
            int n = Math.Min(source.Length, _current.Length - _currentUsed);
            source[..n].CopyTo(_current.AsSpan(_currentUsed));
            _currentUsed += n;
            Length += n;
            source = source[n..];
        }
    }

    public void Write(in ReadOnlySequence<byte> source)
    {
        foreach (var memory in source)
        {
            Write(memory.Span);
        }
    }

    /// <summary>The written bytes as array segments (for gather writes to sockets and response bodies).</summary>
    public IReadOnlyList<ArraySegment<byte>> Segments
    {
        get
        {
            SealCurrent();
            return _segments;
        }
    }

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
            ArrayPool<byte>.Shared.Return(_current);
        }
        else if (_current is not null)
        {
            SealCurrent();
        }
        _current = null;
        _currentUsed = 0;
        foreach (var segment in _segments)
        {
            ArrayPool<byte>.Shared.Return(segment.Array!);
        }
        _segments.Clear();
        Length = 0;
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
