namespace Gateway.Logs;

/// <summary>
/// Function log lines echoed to the gateway's stdout, batched. Writing to a terminal is slow; a bounded buffer
/// flushed on a timer keeps a chatty function from slowing invocations down. When the buffer is full, lines
/// are dropped from the console only (the log files keep everything) and the drop is reported.
/// </summary>
internal sealed class ConsoleEcho
{
    private const int MaxBuffered = 1 << 20;

    private readonly object _lock = new();
    private readonly Stream _stdout = Console.OpenStandardOutput();
    private byte[] _buffer = new byte[64 * 1024];
    private int _length;
    private long _dropped;

    public void WriteLine(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> line)
    {
        int needed = prefix.Length + line.Length + 1;
        lock (_lock)
        {
            if (_length + needed > _buffer.Length)
            {
                if (_length + needed > MaxBuffered)
                {
                    _dropped++;
                    return;
                }
                Array.Resize(ref _buffer, Math.Min(MaxBuffered, Math.Max(_buffer.Length * 2, _length + needed)));
            }
            prefix.CopyTo(_buffer.AsSpan(_length));
            line.CopyTo(_buffer.AsSpan(_length + prefix.Length));
            _buffer[_length + needed - 1] = (byte)'\n';
            _length += needed;
        }
    }

    public void Flush()
    {
        byte[] toWrite;
        int length;
        long dropped;
        lock (_lock)
        {
            if (_length == 0 && _dropped == 0)
            {
                return;
            }
            toWrite = _buffer;
            length = _length;
            dropped = _dropped;
            _buffer = new byte[Math.Max(64 * 1024, _buffer.Length / 2)];
            _length = 0;
            _dropped = 0;
        }
        try
        {
            _stdout.Write(toWrite, 0, length);
            if (dropped > 0)
            {
                _stdout.Write(System.Text.Encoding.UTF8.GetBytes($"[gateway] {dropped} function log lines were not echoed to the console (it could not keep up); the log files have them.\n"));
            }
            _stdout.Flush();
        }
        catch (IOException)
        {
            // stdout closed (e.g. piped into a process that exited): echo is best effort.
        }
    }
}
