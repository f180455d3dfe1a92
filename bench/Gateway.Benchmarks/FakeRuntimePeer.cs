using System.Net.Sockets;
using System.Text;
using Gateway.Runtime.Http;

namespace Gateway.Benchmarks;

/// <summary>
/// The runtime's side of one environment's Runtime API connection, played in-process on a blocking Unix socket so that
/// <see cref="DispatchRoundTripBenchmarks"/> measures the gateway's side of a real exchange without a worker process:
/// it reads the event the gateway writes (the /next response), then answers as the C# runtime client does in its
/// pipelined mode: POST /invocation/{id}/response with a 64-byte body and GET /next in one send.
/// </summary>
/// <remarks>
/// Nothing here allocates per invocation (blocking <see cref="Socket.Receive(Span{byte})"/> and
/// <see cref="Socket.Send(ReadOnlySpan{byte})"/>, <see cref="ResponseHeadParser"/> over spans), so every byte the
/// allocation budget counts is the gateway's. The gateway's 202 for the previous answer may arrive before or after
/// the next event; it is skipped wherever it is.
/// </remarks>
internal sealed class FakeRuntimePeer : IDisposable
{
    private static ReadOnlySpan<byte> Next => "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: localhost\r\nUser-Agent: gateway-bench\r\n\r\n"u8;

    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly byte[] _answer;
    private int _start;
    private int _end;

    public FakeRuntimePeer(string socketPath, string requestId, int bodyLength)
    {
        _socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        _answer = [
            .. Encoding.ASCII.GetBytes($"POST /2018-06-01/runtime/invocation/{requestId}/response HTTP/1.1\r\nHost: localhost\r\nUser-Agent: gateway-bench\r\nContent-Length: {bodyLength}\r\n\r\n"),
            .. Enumerable.Repeat((byte)'x', bodyLength),
            .. Next,
        ];
    }

    /// <summary>The first GET /next: the environment becomes ready (init done) and idle.</summary>
    public void AskForFirstEvent() => _socket.Send(Next);

    /// <summary>Reads one event (skipping any 202), answers it, asks for the next; returns the event's body length.</summary>
    public int AnswerOneEvent()
    {
        while (true)
        {
            var head = ReadHead(out int bodyLength);
            Skip(head + bodyLength);
            if (_lastStatus == 200)
            {
                _socket.Send(_answer);
                return bodyLength;
            }
        }
    }

    private int _lastStatus;

    private int ReadHead(out int bodyLength)
    {
        while (true)
        {
            if (ResponseHeadParser.TryParse(_buffer.AsSpan(_start, _end - _start), out var head))
            {
                _lastStatus = head.StatusCode;
                bodyLength = (int)head.ContentLength;
                return head.HeadLength;
            }
            Fill();
        }
    }

    private void Skip(int count)
    {
        while (_end - _start < count)
        {
            Fill();
        }
        _start += count;
        if (_start == _end)
        {
            _start = _end = 0;
        }
    }

    private void Fill()
    {
        if (_end == _buffer.Length)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        int n = _socket.Receive(_buffer.AsSpan(_end));
        if (n == 0)
        {
            throw new InvalidOperationException("the gateway closed the Runtime API connection");
        }
        _end += n;
    }

    public void Dispose() => _socket.Dispose();
}
