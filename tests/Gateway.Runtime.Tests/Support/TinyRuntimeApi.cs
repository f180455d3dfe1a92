using System.Net.Sockets;
using System.Text;
using Gateway.Runtime.Transport;

namespace Gateway.Runtime.Tests.Support;

/// <summary>
/// A Runtime API server just big enough to script one conversation with a runtime: it listens on a Unix socket in a
/// temporary folder (deleted on dispose), accepts connections, reads requests (head plus Content-Length body, with
/// pipelined requests kept for the next read) and sends whatever bytes the test scripts.
/// </summary>
internal sealed class TinyRuntimeApi : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "rt-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

    public TinyRuntimeApi()
    {
        Directory.CreateDirectory(_directory);
        SocketPath = Path.Combine(_directory, "runtime.sock");
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen();
    }

    public string SocketPath { get; }

    public RuntimeApiEndpoint Endpoint => RuntimeApiEndpoint.UnixSocket(SocketPath);

    public async Task<Connection> AcceptAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        return new Connection(await _listener.AcceptAsync(timeout.Token));
    }

    public void Dispose()
    {
        _listener.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    internal sealed record Request(string RequestLine, IReadOnlyDictionary<string, string> Headers, byte[] Body)
    {
        public string BodyText => Encoding.UTF8.GetString(Body);
    }

    internal sealed class Connection : IDisposable
    {
        private readonly Socket _socket;
        private readonly List<byte> _pending = [];

        public Connection(Socket socket) => _socket = socket;

        /// <summary>The next request: from bytes already received (a pipelined one) or from the socket.</summary>
        public async Task<Request> ReadRequestAsync()
        {
            using var timeout = new CancellationTokenSource(Timeout);
            int headEnd;
            while ((headEnd = IndexOfBlankLine()) < 0)
            {
                await ReceiveAsync(timeout.Token);
            }
            var head = Encoding.ASCII.GetString([.. _pending.GetRange(0, headEnd)]).Split("\r\n");
            var headers = head.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0], p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
            int length = headers.TryGetValue("Content-Length", out var value) ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : 0;
            int bodyStart = headEnd + 4;
            while (_pending.Count < bodyStart + length)
            {
                await ReceiveAsync(timeout.Token);
            }
            var body = _pending.GetRange(bodyStart, length).ToArray();
            _pending.RemoveRange(0, bodyStart + length);
            return new Request(head[0], headers, body);
        }

        /// <summary>Bytes received and not yet read as a request.</summary>
        public int Buffered => _pending.Count;

        public async Task SendAsync(string response)
        {
            using var timeout = new CancellationTokenSource(Timeout);
            await _socket.SendAsync(Encoding.UTF8.GetBytes(response), SocketFlags.None, timeout.Token);
        }

        public void Dispose() => _socket.Dispose();

        private int IndexOfBlankLine()
        {
            for (int i = 0; i + 3 < _pending.Count; i++)
            {
                if (_pending[i] == '\r' && _pending[i + 1] == '\n' && _pending[i + 2] == '\r' && _pending[i + 3] == '\n')
                {
                    return i;
                }
            }
            return -1;
        }

        private async Task ReceiveAsync(CancellationToken cancellationToken)
        {
            var buffer = new byte[4096];
            int n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (n == 0)
            {
                throw new EndOfStreamException("The runtime closed the connection.");
            }
            _pending.AddRange(buffer.AsSpan(0, n).ToArray());
        }
    }

    /// <summary>A /next answer as the gateway writes it.</summary>
    public static string Event(string requestId, string payload, string? traceId = null, string? clientContext = null)
    {
        var body = Encoding.UTF8.GetByteCount(payload);
        var optional = (traceId is null ? "" : $"Lambda-Runtime-Trace-Id: {traceId}\r\n") +
            (clientContext is null ? "" : $"Lambda-Runtime-Client-Context: {clientContext}\r\n");
        return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" +
            $"Lambda-Runtime-Aws-Request-Id: {requestId}\r\nLambda-Runtime-Deadline-Ms: 1767225603000\r\n" +
            "Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:fn\r\n" +
            optional + $"Content-Length: {body}\r\n\r\n{payload}";
    }

    public const string Accepted = "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"status\":\"OK\"}";

    public const string ContainerError =
        "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: 125\r\nConnection: close\r\n\r\n" +
        """{"errorMessage":"Container error. Non-recoverable state. Runtime should exit promptly.","errorType":"Runtime.ContainerError"}""";
}
