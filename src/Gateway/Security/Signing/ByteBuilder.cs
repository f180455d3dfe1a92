using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace Gateway.Security.Signing;

/// <summary>
/// A growable byte buffer rented from the shared pool, for the canonical request and the string to sign (a few
/// hundred bytes). Whoever holds it returns it with <see cref="Dispose"/>.
/// </summary>
internal struct ByteBuilder : IDisposable
{
    private byte[] _buffer;

    public ByteBuilder(int capacity) => _buffer = ArrayPool<byte>.Shared.Rent(capacity);

    public int Length { get; set; }

    /// <summary>False for a default one, or one disposed.</summary>
    public readonly bool HasBuffer => _buffer is { Length: > 0 };

    public readonly int Capacity => _buffer?.Length ?? 0;

    public readonly ReadOnlySpan<byte> Written => _buffer.AsSpan(0, Length);

    public void Append(byte value)
    {
        Ensure(1);
        _buffer[Length++] = value;
    }

    public void Append(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(Length));
        Length += bytes.Length;
    }

    /// <summary>ASCII or any text, as UTF-8. ASCII (all an SDK's request sends) is narrowed directly, without the
    /// encoder's layers; from the first other character on, the rest goes through UTF-8 (the same bytes: a code
    /// point's encoding does not depend on what came before it).</summary>
    public void Append(ReadOnlySpan<char> text)
    {
        Ensure(text.Length);
        var status = Ascii.FromUtf16(text, _buffer.AsSpan(Length), out int written);
        Length += written;
        if (status != OperationStatus.Done)
        {
            var rest = text[written..];
            Ensure(Encoding.UTF8.GetMaxByteCount(rest.Length));
            Length += Encoding.UTF8.GetBytes(rest, _buffer.AsSpan(Length));
        }
    }

    /// <summary><paramref name="length"/> bytes of room after what is written, not yet counted: the caller writes them
    /// and adds to <see cref="Length"/> (or leaves it, and they are overwritten).</summary>
    public Span<byte> Reserve(int length)
    {
        Ensure(length);
        return _buffer.AsSpan(Length, length);
    }

    public void AppendHex(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length * 2);
        Hex.EncodeLower(bytes, _buffer.AsSpan(Length));
        Length += bytes.Length * 2;
    }

    /// <summary>Inlined: the check is all nearly every append needs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Ensure(int more)
    {
        if (Length + more > _buffer.Length)
        {
            Grow(more);
        }
    }

    private void Grow(int more)
    {
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, Length + more));
        _buffer.AsSpan(0, Length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    public void Dispose()
    {
        if (_buffer is { Length: > 0 })
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }
}
