using System.Net.Sockets;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A deliberately minimal HTTP/1.1 client over a Unix or TCP socket, to play a runtime (well-behaved or not)
/// against an environment's Runtime API byte for byte.
/// </summary>
public sealed class RawHttp : IDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private byte[] _buffer = new byte[64 * 1024];
    private int _length;

    private RawHttp(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public static async Task<RawHttp> ConnectUnixAsync(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path)).WithTimeout(10_000);
        return new RawHttp(socket);
    }

    public static async Task<RawHttp> ConnectTcpAsync(string hostPort)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var parts = hostPort.Split(':');
        await socket.ConnectAsync(IPAddress.Parse(parts[0]), int.Parse(parts[1])).WithTimeout(10_000);
        return new RawHttp(socket);
    }

    public async Task SendAsync(string head, byte[]? body = null)
    {
        await _stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        if (body is not null)
        {
            await _stream.WriteAsync(body);
        }
    }

    public Task SendRawAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask();

    public Task<RawResponse> RequestAsync(string method, string path, byte[]? body = null, string extraHeaders = "")
    {
        var head = $"{method} {path} HTTP/1.1\r\nHost: runtime\r\n{extraHeaders}" + (body is null ? "\r\n" : $"Content-Length: {body.Length}\r\n\r\n");
        return SendAndReadAsync(head, body);
    }

    private async Task<RawResponse> SendAndReadAsync(string head, byte[]? body)
    {
        await SendAsync(head, body);
        return await ReadResponseAsync().WithTimeout(30_000);
    }

    /// <summary>Reads one response (status, headers, Content-Length body).</summary>
    public async Task<RawResponse> ReadResponseAsync()
    {
        int headEnd;
        while ((headEnd = IndexOf(_buffer.AsSpan(0, _length), "\r\n\r\n"u8)) < 0)
        {
            await FillAsync();
        }
        var headText = Encoding.ASCII.GetString(_buffer, 0, headEnd);
        var lines = headText.Split("\r\n");
        int status = int.Parse(lines[0].Split(' ')[1]);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            int colon = line.IndexOf(':');
            headers[line[..colon]] = line[(colon + 1)..].Trim();
        }
        int bodyLength = headers.TryGetValue("Content-Length", out var cl) ? int.Parse(cl) : 0;
        int start = headEnd + 4;
        while (_length - start < bodyLength)
        {
            await FillAsync();
        }
        var bodyBytes = _buffer.AsSpan(start, bodyLength).ToArray();
        int consumed = start + bodyLength;
        Buffer.BlockCopy(_buffer, consumed, _buffer, 0, _length - consumed);
        _length -= consumed;
        return new RawResponse(status, headers, bodyBytes);
    }

    /// <summary>True when the server closed the connection (a read returns 0) within the timeout.</summary>
    public async Task<bool> IsClosedByServerAsync(int timeoutMs = 10_000)
    {
        try
        {
            using var cts = new CancellationTokenSource(timeoutMs);
            var scratch = new byte[1024];
            while (true)
            {
                int n = await _stream.ReadAsync(scratch, cts.Token);
                if (n == 0)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private async Task FillAsync()
    {
        if (_length == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
        int n = await _stream.ReadAsync(_buffer.AsMemory(_length));
        if (n == 0)
        {
            throw new IOException("The server closed the connection.");
        }
        _length += n;
    }

    private static int IndexOf(ReadOnlySpan<byte> haystack, ReadOnlySpan<byte> needle) => haystack.IndexOf(needle);

    public void Dispose() => _stream.Dispose();
}

public sealed record RawResponse(int Status, Dictionary<string, string> Headers, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);
}
