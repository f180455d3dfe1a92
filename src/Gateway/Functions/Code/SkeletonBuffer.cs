using System.Buffers;

namespace Gateway.Functions.Code;

/// <summary>
/// The body's skeleton: a pooled, growable byte buffer with a hard cap. <see cref="TryAppend(byte)"/> returns false
/// instead of growing past the cap, so no body can make it bigger.
/// </summary>
internal sealed class SkeletonBuffer : IDisposable
{
    private readonly int _cap;
    private byte[] _buffer;
    private int _length;

    public SkeletonBuffer(int cap, int initial = 4096)
    {
        _cap = cap;
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Min(initial, cap));
    }

    public int Length => _length;

    /// <summary>Bytes held (the rented array), used or not.</summary>
    public int Capacity => _buffer.Length;

    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _length);

    public ReadOnlySpan<byte> Slice(int start) => _buffer.AsSpan(start, _length - start);

    /// <summary>Drops everything after <paramref name="length"/>.</summary>
    public void Truncate(int length) => _length = length;

    public bool TryAppend(byte b) => TryAppend([b]);

    public bool TryAppend(ReadOnlySpan<byte> bytes)
    {
        if (_length + bytes.Length > _buffer.Length && !TryGrow(_length + bytes.Length))
        {
            return false;
        }
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
        return true;
    }

    private bool TryGrow(int needed)
    {
        if (needed > _cap)
        {
            return false;
        }
        var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max((long)_buffer.Length * 2, needed), _cap));
        _buffer.AsSpan(0, _length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
        return true;
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        _length = 0;
    }
}
