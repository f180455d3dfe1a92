using System.Buffers.Text;

namespace Gateway.LoadTests;

/// <summary>
/// Finds where one HTTP/1.1 response ends in bytes that arrive in pieces, without waiting: the synchronous twin of
/// HttpConnection's reader, for the epoll engine (which reads whatever a socket has and asks "is it complete?").
/// The head must fit in the buffer (16 KB); bodies (Content-Length or chunked) are skipped as they stream, keeping
/// only the start of a 429's body for its Reason.
/// </summary>
internal sealed class ResponseFramer
{
    private const int HeadLimit = 16 * 1024;

    private enum State { Head, Body, ChunkSize, ChunkData, Trailers }

    private readonly byte[] _buffer = new byte[HeadLimit];
    private readonly byte[] _capture = new byte[1024];   // the start of a 429's body
    private int _captureLength;
    private int _start;   // unread bytes are _buffer[_start.._end)
    private int _end;
    private State _state;
    private ResponseHead _head;
    private long _remaining;   // body or chunk bytes (chunk data includes its trailing CRLF) still to skip

    /// <summary>Where the next received bytes go (compacts first, so there is always room unless a head or chunk
    /// line fills the buffer, which <see cref="TryComplete"/> reports as a failure).</summary>
    public Span<byte> FreeSpace()
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_end == _buffer.Length && _start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        return _buffer.AsSpan(_end);
    }

    public void Advance(int received) => _end += received;

    public void Reset()
    {
        _start = _end = 0;
        _state = State.Head;
        _captureLength = 0;
    }

    /// <summary>Consumes what has arrived. Returns true when a response is complete (<paramref name="exchange"/> set)
    /// or malformed (a failed exchange); false when more bytes are needed.</summary>
    public bool TryComplete(out Exchange exchange)
    {
        exchange = default;
        while (true)
        {
            var unread = _buffer.AsSpan(_start, _end - _start);
            switch (_state)
            {
                case State.Head:
                {
                    int headEnd = unread.IndexOf("\r\n\r\n"u8);
                    if (headEnd < 0)
                    {
                        return NeedMore(out exchange);
                    }
                    if (!ResponseHead.TryParse(unread[..headEnd], out _head))
                    {
                        return Malformed(out exchange);
                    }
                    _start += headEnd + 4;
                    _captureLength = 0;
                    if (_head.Chunked)
                    {
                        _state = State.ChunkSize;
                    }
                    else if (_head.ContentLength >= 0)
                    {
                        _remaining = _head.ContentLength;
                        _state = State.Body;
                    }
                    else if (_head.Bodiless)
                    {
                        return Done(out exchange);
                    }
                    else
                    {
                        return Malformed(out exchange);   // read-until-close bodies are not used by the gateway
                    }
                    break;
                }
                case State.Body:
                    Skip(unread);
                    if (_remaining > 0)
                    {
                        return false;
                    }
                    return Done(out exchange);
                case State.ChunkSize:
                {
                    int lineEnd = unread.IndexOf("\r\n"u8);
                    if (lineEnd < 0)
                    {
                        return NeedMore(out exchange);
                    }
                    var line = unread[..lineEnd];
                    int semicolon = line.IndexOf((byte)';');
                    if (semicolon >= 0)
                    {
                        line = line[..semicolon];
                    }
                    if (!Utf8Parser.TryParse(line.Trim((byte)' '), out long size, out _, 'x') || size < 0)
                    {
                        return Malformed(out exchange);
                    }
                    _start += lineEnd + 2;
                    _remaining = size + 2;                  // the data and its CRLF
                    _state = size == 0 ? State.Trailers : State.ChunkData;
                    break;
                }
                case State.ChunkData:
                    Skip(unread);
                    if (_remaining > 0)
                    {
                        return false;
                    }
                    _state = State.ChunkSize;
                    break;
                case State.Trailers:
                {
                    // After the last chunk: trailer lines (none expected), then an empty line.
                    int lineEnd = unread.IndexOf("\r\n"u8);
                    if (lineEnd < 0)
                    {
                        return NeedMore(out exchange);
                    }
                    _start += lineEnd + 2;
                    if (lineEnd == 0)
                    {
                        return Done(out exchange);
                    }
                    break;
                }
            }
        }
    }

    private void Skip(ReadOnlySpan<byte> unread)
    {
        int take = (int)Math.Min(_remaining, unread.Length);
        if (_head.Status == 429)
        {
            int keep = Math.Min(take, _capture.Length - _captureLength);
            unread[..keep].CopyTo(_capture.AsSpan(_captureLength));
            _captureLength += keep;
        }
        _start += take;
        _remaining -= take;
    }

    private bool NeedMore(out Exchange exchange)
    {
        exchange = default;
        if (_end - _start == _buffer.Length)
        {
            return Malformed(out exchange);   // a head or chunk line longer than the buffer
        }
        return false;
    }

    private bool Done(out Exchange exchange)
    {
        string? reason = _head.Status == 429 ? ResponseHead.ThrottleReason(_capture.AsSpan(0, _captureLength)) : null;
        exchange = new Exchange(_head.Status, _head.FunctionError, false, reason, _head.RetryAfter);
        _state = State.Head;
        return true;
    }

    private bool Malformed(out Exchange exchange)
    {
        exchange = new Exchange(0, false, true);
        Reset();
        return true;
    }

    /// <summary>True when the response just completed asked for the connection to be closed.</summary>
    public bool CloseRequested => _head.Close;
}
