using System.Text;

namespace Gateway.Runtime.Http;

/// <summary>
/// Appends the pieces of an HTTP/1.1 request head to a caller-provided span. A <c>ref struct</c> over
/// stack or scratch memory: building a head allocates nothing. The caller sizes the span from known
/// bounds; running out of room is a bug, not an input error.
/// </summary>
internal ref struct RequestHeadWriter
{
    private readonly Span<byte> _destination;
    private int _length;

    public RequestHeadWriter(Span<byte> destination)
    {
        _destination = destination;
        _length = 0;
    }

    public readonly ReadOnlySpan<byte> Written => _destination[.._length];

    public void Append(scoped ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_destination[_length..]);
        _length += bytes.Length;
    }

    /// <summary>Appends a string as a header value: printable ASCII is kept, anything else becomes '?',
    /// so no caller-supplied text (an exception type name, say) can break the head's framing.</summary>
    public void AppendHeaderValue(string value)
    {
        Span<byte> target = _destination.Slice(_length, value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            target[i] = (byte)HeaderSafe(value[i]);
        }

        _length += value.Length;
    }

    /// <summary><paramref name="value"/> with <see cref="AppendHeaderValue"/>'s rule applied, for a head (or trailer)
    /// built as a string.</summary>
    public static string ToHeaderValue(string value) =>
        string.Create(value.Length, value, static (target, source) =>
        {
            for (int i = 0; i < source.Length; i++)
            {
                target[i] = HeaderSafe(source[i]);
            }
        });

    private static char HeaderSafe(char c) => c is >= ' ' and <= '~' ? c : '?';

    /// <summary>Appends an ASCII string already validated by the caller (a request id).</summary>
    public void AppendAscii(string value)
    {
        _length += Encoding.ASCII.GetBytes(value, _destination[_length..]);
    }

    public void AppendInt(int value)
    {
        value.TryFormat(_destination[_length..], out int written);
        _length += written;
    }
}
