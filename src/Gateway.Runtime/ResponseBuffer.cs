using System.Buffers;

namespace Gateway.Runtime;

/// <summary>
/// The <see cref="IBufferWriter{T}"/> a handler writes its response into: one pooled array, reused for
/// every invocation, with <see cref="HeadRoom"/> bytes kept free in front of the body. When the body is
/// done the request head is written into that room, right against the body, and head and body go out
/// in a single send — the body is never copied again after the handler wrote it.
/// </summary>
internal sealed class ResponseBuffer : IBufferWriter<byte>
{
    /// <summary>Enough for the largest head the client writes: the request line (with a request id of at
    /// most <see cref="RuntimeApiClient.MaxRequestIdBytes"/>), a Host of at most 259 bytes, an error-type
    /// header of at most <see cref="RuntimeApiClient.MaxErrorTypeHeaderChars"/>, and the fixed lines.</summary>
    public const int HeadRoom = 2048;

    private const int InitialBodyBytes = 16 * 1024;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(HeadRoom + InitialBodyBytes);
    private int _end = HeadRoom;

    public int WrittenCount => _end - HeadRoom;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(HeadRoom, WrittenCount);

    /// <summary>Forgets the body (the array stays: the next response is likely the same size).</summary>
    public void Clear() => _end = HeadRoom;

    public void Advance(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _end))
        {
            throw new ArgumentOutOfRangeException(nameof(count), "Advanced past the end of the memory returned by GetMemory/GetSpan.");
        }

        _end += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureFree(sizeHint);
        return _buffer.AsMemory(_end);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureFree(sizeHint);
        return _buffer.AsSpan(_end);
    }

    /// <summary>Places <paramref name="head"/> immediately before the body and returns head + body as
    /// the one span to send.</summary>
    public ReadOnlySpan<byte> PrependHead(ReadOnlySpan<byte> head)
    {
        if (head.Length > HeadRoom)
        {
            throw new InvalidOperationException("Request head larger than the reserved head room.");
        }

        int start = HeadRoom - head.Length;
        head.CopyTo(_buffer.AsSpan(start));
        return _buffer.AsSpan(start, _end - start);
    }

    /// <summary>Like <see cref="PrependHead(ReadOnlySpan{byte})"/>, with <paramref name="trailer"/> (the next
    /// request, pipelined) copied right after the body, so head, body and trailer go out in a single send.</summary>
    public ReadOnlySpan<byte> PrependHead(ReadOnlySpan<byte> head, ReadOnlySpan<byte> trailer)
    {
        EnsureFree(trailer.Length);
        trailer.CopyTo(_buffer.AsSpan(_end)); // past the body: WrittenCount does not change
        ReadOnlySpan<byte> framed = PrependHead(head);
        return _buffer.AsSpan(HeadRoom - head.Length, framed.Length + trailer.Length);
    }

    private void EnsureFree(int sizeHint)
    {
        int needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _end >= needed)
        {
            return;
        }

        // Doubling keeps the number of copies logarithmic in the response size. No cap here on purpose:
        // the size limit is the platform's to enforce (the gateway answers 413 and the caller gets
        // Function.ResponseSizeTooLarge, as on Lambda); memory is the function's own budget.
        long target = Math.Max((long)_buffer.Length * 2, (long)_end + needed);
        if (target > Array.MaxLength)
        {
            target = (long)_end + needed;
            if (target > Array.MaxLength)
            {
                throw new InvalidOperationException("The response is larger than the largest possible buffer.");
            }
        }

        byte[] larger = ArrayPool<byte>.Shared.Rent((int)target);
        _buffer.AsSpan(HeadRoom, WrittenCount).CopyTo(larger.AsSpan(HeadRoom));
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
