using System.Buffers;
using System.Net.Sockets;
using Gateway.Runtime.Http;

namespace Gateway.Runtime.Transport;

/// <summary>
/// One persistent HTTP/1.1 connection to the Runtime API and the single receive buffer it reuses.
///
/// The I/O is synchronous on purpose. A runtime has exactly one request in flight and nothing else to
/// do while it waits, so a blocking <c>recv</c> that wakes the waiting thread directly is the shortest
/// path; async socket calls would bounce every response through the epoll thread and the thread pool.
///
/// The receive buffer grows to the largest response seen (bounded by <see cref="HttpLimits"/>) and is
/// kept: the next event of the same function is likely to be as large.
/// </summary>
internal sealed class RuntimeConnection : IDisposable
{
    private const int InitialBufferBytes = 16 * 1024;
    private const int MinReceiveBytes = 4 * 1024;

    private readonly RuntimeApiEndpoint _endpoint;
    private readonly int _maxBodyBytes;
    private Socket? _socket;
    private byte[] _buffer;
    private int _start; // first byte not yet consumed by a response
    private int _end;   // one past the last byte received
    private int _headStart;
    private int _bodyStart;
    private int _bodyLength;
    private bool _receivedAny;
    private bool _pipelinedOwed; // a pipelined request's response is still to be read (TryReadPipelined)
    private bool _pollBeforeReceive; // a Unix stream socket: wait in poll, not in recv (Receive says why)
    private int _receiveTimeoutMs;   // the socket's receive timeout, mirrored for that poll (0: none)
    private volatile bool _disposed;

    public RuntimeConnection(RuntimeApiEndpoint endpoint, int maxBodyBytes = HttpLimits.MaxBodyBytes)
    {
        _endpoint = endpoint;
        _maxBodyBytes = maxBodyBytes;
        _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
    }

    /// <summary>The last response's head. Its header ranges index <see cref="HeadBytes"/>.</summary>
    public ResponseHead Head;

    public ReadOnlySpan<byte> HeadBytes => _buffer.AsSpan(_headStart, Head.HeadLength);

    /// <summary>The last response's body; valid until the next <see cref="Exchange"/>.</summary>
    public ReadOnlyMemory<byte> Body => _buffer.AsMemory(_bodyStart, _bodyLength);

    /// <summary>Why the last exchange failed, for the runtime's one line on stderr.</summary>
    public string? LastError { get; private set; }

    public RuntimeApiEndpoint Endpoint => _endpoint;

    /// <summary>Sends <paramref name="request"/> (a complete request, head and body) and reads the response.</summary>
    /// <param name="pipelined">True when <paramref name="request"/> holds a second request after the first (HTTP/1.1
    /// pipelining): its response is then read by <see cref="TryReadPipelined"/>.</param>
    public ExchangeStatus Exchange(ReadOnlySpan<byte> request, bool pipelined = false)
    {
        for (int attempt = 0; ; attempt++)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            bool fresh = _socket is null;
            if (fresh && !TryConnect())
            {
                return ExchangeStatus.Unreachable;
            }

            _receivedAny = false;
            LastError = null;
            ReadOutcome outcome = SendAndReceive(_socket!, request, out bool sendFailed);
            if (outcome == ReadOutcome.Complete)
            {
                if (!Head.KeepAlive || sendFailed)
                {
                    CloseSocket(); // "Connection: close" (or a server that stopped reading): next request reconnects
                }
                else
                {
                    _pipelinedOwed = pipelined;
                }

                return ExchangeStatus.Completed;
            }

            CloseSocket();

            // A reused connection that ends without a single byte of answer was closed by the server,
            // most likely while it sat idle (while the handler ran): reconnect once and send again. That
            // is safe for POSTs too, because the Runtime API keys everything on the request id: a post the
            // server did take is answered 400/403 the second time, never applied twice. A fresh connection
            // that dies, or an answer cut off half-way, means the peer itself is in trouble.
            if (outcome == ReadOutcome.NoResponse && !fresh && attempt == 0)
            {
                continue;
            }

            LastError ??= "The Runtime API closed the connection before answering.";
            return ExchangeStatus.ConnectionLost;
        }
    }

    /// <summary>
    /// Reads the response to the request that was sent behind the last exchange's (see <see cref="Exchange"/>).
    /// False when there is none to read (the server closed the connection after its first answer) or it did not
    /// arrive whole: the caller then sends that request again on a fresh exchange, as if it had never been sent.
    /// </summary>
    public bool TryReadPipelined()
    {
        Socket? socket = _socket;
        if (!_pipelinedOwed || socket is null)
        {
            return false;
        }

        _pipelinedOwed = false;
        _receivedAny = false;
        LastError = null;
        ReadOutcome outcome;
        try
        {
            outcome = ReadResponse(socket);
        }
        catch (SocketException e)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            LastError = Describe(e);
            outcome = ReadOutcome.NoResponse;
        }

        if (outcome == ReadOutcome.Complete)
        {
            if (!Head.KeepAlive)
            {
                CloseSocket();
            }

            return true;
        }

        CloseSocket();
        return false;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        // Disposing the socket also aborts a Receive blocked in /next on another thread (cancellation).
        // The receive buffer is deliberately not returned to the pool: that thread may still be writing it.
        _disposed = true;
        CloseSocket();
    }

    private bool TryConnect()
    {
        try
        {
            _socket = _endpoint.Connect();
            _pollBeforeReceive = _socket.AddressFamily == AddressFamily.Unix;
            _receiveTimeoutMs = 0;
            LastError = null;
            return true;
        }
        catch (SocketException e)
        {
            LastError = Describe(e);
            return false;
        }
    }

    private void CloseSocket()
    {
        Socket? socket = Interlocked.Exchange(ref _socket, null);
        socket?.Dispose();
        _pipelinedOwed = false;
        _start = _end = 0; // bytes from a dead connection are never the start of the next response
    }

    private ReadOutcome SendAndReceive(Socket socket, ReadOnlySpan<byte> request, out bool sendFailed)
    {
        sendFailed = false;
        try
        {
            SendAll(socket, request);
        }
        catch (SocketException e)
        {
            // A server may answer before it has read the whole body (413 for an oversized response) and
            // hang up; its answer is still waiting in our receive queue, so read it rather than lose it.
            ObjectDisposedException.ThrowIf(_disposed, this);
            LastError = Describe(e);
            sendFailed = true;

            // Bounded, in case the send failed for a reason that left the peer neither answering nor gone.
            socket.ReceiveTimeout = 2000;
            _receiveTimeoutMs = 2000;
        }

        try
        {
            return ReadResponse(socket);
        }
        catch (SocketException e)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            LastError = Describe(e);
            return _receivedAny ? ReadOutcome.Truncated : ReadOutcome.NoResponse;
        }
    }

    // SocketException.Message is not always the errno's text on Unix; the error code always is exact.
    private static string Describe(SocketException e) => $"{e.SocketErrorCode} ({e.Message})";

    private static void SendAll(Socket socket, ReadOnlySpan<byte> request)
    {
        while (!request.IsEmpty)
        {
            int sent = socket.Send(request);
            request = request[sent..];
        }
    }

    private enum ReadOutcome : byte
    {
        Complete,
        NoResponse, // EOF before the first byte of a response
        Truncated,  // EOF part-way through a response
    }

    private ReadOutcome ReadResponse(Socket socket)
    {
        // Anything the server sent beyond the previous response moves to the front, so that offsets
        // from here on are stable while the buffer grows.
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        _receivedAny = _end > 0;
        int headStart = 0;
        while (true)
        {
            // The parser never sees more than the head limit, so a head that never ends costs at most
            // that much scanning and memory before it is refused.
            while (!ResponseHeadParser.TryParse(
                       _buffer.AsSpan(headStart, Math.Min(_end - headStart, HttpLimits.MaxHeadBytes)), out Head))
            {
                if (_end - headStart >= HttpLimits.MaxHeadBytes)
                {
                    RuntimeApiProtocolException.Throw("Response head exceeds the maximum head size.");
                }

                if (!Receive(socket, MinReceiveBytes))
                {
                    return _receivedAny ? ReadOutcome.Truncated : ReadOutcome.NoResponse;
                }
            }

            int bodyStart = headStart + Head.HeadLength;
            if (Head.IsInterim)
            {
                headStart = bodyStart; // 1xx (e.g. 100 Continue) precedes the real response
                continue;
            }

            _headStart = headStart;
            _bodyStart = bodyStart;
            return Head.Framing switch
            {
                BodyFraming.None => CompleteBody(bodyStart, bodyStart),
                BodyFraming.ContentLength => ReadContentLengthBody(socket, bodyStart),
                BodyFraming.Chunked => ReadChunkedBody(socket, bodyStart),
                _ => ReadBodyUntilClose(socket, bodyStart),
            };
        }
    }

    private ReadOutcome ReadContentLengthBody(Socket socket, int bodyStart)
    {
        // The declared length is checked before a single body byte is awaited.
        if (Head.ContentLength > _maxBodyBytes)
        {
            RuntimeApiProtocolException.Throw("Response body exceeds the maximum body size.");
        }

        int bodyEnd = bodyStart + (int)Head.ContentLength;
        EnsureCapacity(bodyEnd);
        while (_end < bodyEnd)
        {
            if (!Receive(socket, 0))
            {
                return ReadOutcome.Truncated;
            }
        }

        return CompleteBody(bodyEnd, bodyEnd);
    }

    private ReadOutcome ReadChunkedBody(Socket socket, int bodyStart)
    {
        var decoder = new ChunkedBodyDecoder(_maxBodyBytes);
        int read = bodyStart;
        int written = bodyStart;
        while (!decoder.Decode(_buffer, ref read, _end, ref written))
        {
            // Everything received so far is consumed; drop the framing bytes so the decoded data stays
            // contiguous and the space they took is reused by the next receive.
            _end = read = written;
            if (!Receive(socket, MinReceiveBytes))
            {
                return ReadOutcome.Truncated;
            }
        }

        _bodyLength = written - bodyStart;
        _start = read;
        return ReadOutcome.Complete;
    }

    private ReadOutcome ReadBodyUntilClose(Socket socket, int bodyStart)
    {
        while (Receive(socket, MinReceiveBytes))
        {
            if (_end - bodyStart > _maxBodyBytes)
            {
                RuntimeApiProtocolException.Throw("Response body exceeds the maximum body size.");
            }
        }

        return CompleteBody(_end, _end);
    }

    private ReadOutcome CompleteBody(int bodyEnd, int consumedTo)
    {
        _bodyLength = bodyEnd - _bodyStart;
        _start = consumedTo;
        return ReadOutcome.Complete;
    }

    /// <summary>Receives at least one byte into the free tail of the buffer (growing it when fewer than
    /// <paramref name="minFree"/> bytes are free). Returns false at end of stream.</summary>
    private bool Receive(Socket socket, int minFree)
    {
        if (_buffer.Length - _end < Math.Max(minFree, 1))
        {
            EnsureCapacity(_end + Math.Max(minFree, _buffer.Length));
        }

        // On a Unix stream socket a thread blocked in recv sleeps on the socket's single wait queue, which the kernel
        // also wakes whenever the peer frees bytes this side sent (unix_write_space): every time the gateway reads
        // this runtime's /response, the runtime waiting for its next event would be woken for nothing, and the
        // gateway's read would pay for that wake-up. poll's waiter is woken only for what it asked for (POLLIN), so
        // the runtime waits there and reads once data is in. TCP wakes writers only after the send buffer was full.
        if (_pollBeforeReceive && !socket.Poll(_receiveTimeoutMs > 0 ? _receiveTimeoutMs * 1000 : -1, SelectMode.SelectRead))
        {
            throw new SocketException((int)SocketError.TimedOut);
        }

        int received = socket.Receive(_buffer.AsSpan(_end));
        if (received == 0)
        {
            return false;
        }

        _end += received;
        _receivedAny = true;
        return true;
    }

    private void EnsureCapacity(int required)
    {
        if (required <= _buffer.Length)
        {
            return;
        }

        // Bounded by the limits: a head is at most MaxHeadBytes and a body at most _maxBodyBytes, both
        // refused before the buffer grows past them.
        byte[] larger = ArrayPool<byte>.Shared.Rent(required);
        _buffer.AsSpan(0, _end).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
