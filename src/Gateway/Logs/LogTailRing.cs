namespace Gateway.Logs;

/// <summary>
/// The last 4 KB of one invocation's log, kept as it is written so that X-Amz-Log-Result ("the last 4 KB of
/// the execution log, base64-encoded") costs nothing unless a caller asks for it.
/// </summary>
internal sealed class LogTailRing
{
    public const int Capacity = 4096;

    private readonly byte[] _ring = new byte[Capacity];
    private int _next;     // where the next byte goes
    private long _written; // total bytes appended since Clear

    public void Clear()
    {
        _next = 0;
        _written = 0;
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        _written += data.Length;
        if (data.Length >= Capacity)
        {
            data[^Capacity..].CopyTo(_ring);
            _next = 0;
            return;
        }
        int first = Math.Min(data.Length, Capacity - _next);
        data[..first].CopyTo(_ring.AsSpan(_next));
        data[first..].CopyTo(_ring);
        _next = (_next + data.Length) % Capacity;
    }

    /// <summary>The retained bytes, oldest first.</summary>
    public int CopyTo(Span<byte> destination)
    {
        if (_written < Capacity)
        {
            _ring.AsSpan(0, (int)_written).CopyTo(destination);
            return (int)_written;
        }
        _ring.AsSpan(_next).CopyTo(destination);
        _ring.AsSpan(0, _next).CopyTo(destination[(Capacity - _next)..]);
        return Capacity;
    }

    public string ToBase64()
    {
        Span<byte> buffer = stackalloc byte[Capacity];
        int n = CopyTo(buffer);
        return Convert.ToBase64String(buffer[..n]);
    }
}
