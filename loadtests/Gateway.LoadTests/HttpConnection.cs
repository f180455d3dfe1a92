using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gateway.LoadTests;

/// <summary>What one request/response exchange ended with.</summary>
/// <remarks>On a 429 with a small JSON body, <c>Reason</c> is the body's "Reason" and <c>RetryAfter</c> the
/// Retry-After header in seconds (-1 when absent); otherwise null and -1.</remarks>
internal readonly record struct Exchange(int Status, bool FunctionError, bool Failed, string? Reason = null, int RetryAfter = -1);

/// <summary>
/// One keep-alive HTTP/1.1 connection over a raw socket: send a prebuilt request, read exactly one response.
/// No pipelining. The response head must fit in the receive buffer (16 KB); the body is read and discarded
/// (Content-Length or chunked), so large payloads cost no memory.
/// </summary>
/// <remarks>
/// Raw sockets rather than HttpClient: the harness shares 2 cores with the server, and a request here is one
/// send and usually one receive, with no per-request allocation.
/// </remarks>
internal sealed class HttpConnection : IDisposable
{
    private const int HeadLimit = 16 * 1024;
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();

    private readonly EndPoint _endPoint;
    private readonly byte[] _buffer = new byte[HeadLimit];
    private Socket? _socket;
    private readonly byte[] _capture = new byte[1024];   // the start of a 429's body
    private int _captureLength;
    private bool _capturing;
    private int _start;   // unread bytes are _buffer[_start.._end)
    private int _end;

    public HttpConnection(EndPoint endPoint) => _endPoint = endPoint;

    public async ValueTask<Exchange> SendAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        try
        {
            if (_socket is null)
            {
                var socket = new Socket(_endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(_endPoint, cancellationToken).ConfigureAwait(false);
                _socket = socket;
                _start = _end = 0;
            }
            while (!request.IsEmpty)
            {
                int sent = await _socket.SendAsync(request, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                request = request[sent..];
            }
            return await ReadResponseAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            Reset();
            return new Exchange(0, false, true);
        }
    }

    private async ValueTask<Exchange> ReadResponseAsync(CancellationToken cancellationToken)
    {
        // Head: read until CRLFCRLF, within the buffer.
        int headEnd;
        while ((headEnd = _buffer.AsSpan(_start, _end - _start).IndexOf(HeaderEnd)) < 0)
        {
            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                return Fail();
            }
        }
        var head = _buffer.AsSpan(_start, headEnd);
        _start += headEnd + HeaderEnd.Length;
        if (!ResponseHead.TryParse(head, out var parsed))
        {
            return Fail();
        }
        var (status, contentLength, chunked, close, functionError, retryAfter) = parsed;

        // A throttle: keep (the start of) its body to learn the Reason. Only 429s pay for this.
        _capturing = status == 429;
        _captureLength = 0;
        bool ok = chunked ? await SkipChunkedAsync(cancellationToken).ConfigureAwait(false)
            : contentLength >= 0 ? await SkipAsync(contentLength, cancellationToken).ConfigureAwait(false)
            : parsed.Bodiless;
        _capturing = false;
        if (!ok)
        {
            return Fail();
        }
        string? reason = status == 429 ? ResponseHead.ThrottleReason(_capture.AsSpan(0, _captureLength)) : null;
        if (close)
        {
            Reset();
        }
        return new Exchange(status, functionError, false, reason, retryAfter);
    }

    private async ValueTask<bool> SkipAsync(long count, CancellationToken cancellationToken)
    {
        while (true)
        {
            int take = (int)Math.Min(count, _end - _start);
            if (_capturing)
            {
                int keep = Math.Min(take, _capture.Length - _captureLength);
                Buffer.BlockCopy(_buffer, _start, _capture, _captureLength, keep);
                _captureLength += keep;
            }
            _start += take;
            count -= take;
            if (count == 0)
            {
                return true;
            }
            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }
    }

    private async ValueTask<bool> SkipChunkedAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            int lineEnd;
            while ((lineEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0)
            {
                if (!await FillAsync(cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }
            }
            var line = _buffer.AsSpan(_start, lineEnd);
            int semicolon = line.IndexOf((byte)';');
            if (semicolon >= 0)
            {
                line = line[..semicolon];
            }
            if (!Utf8Parser.TryParse(line.Trim((byte)' '), out long size, out _, 'x'))
            {
                return false;
            }
            _start += lineEnd + 2;
            if (size == 0)
            {
                // Trailers (none expected) end with an empty line.
                while (true)
                {
                    while ((lineEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0)
                    {
                        if (!await FillAsync(cancellationToken).ConfigureAwait(false))
                        {
                            return false;
                        }
                    }
                    _start += lineEnd + 2;
                    if (lineEnd == 0)
                    {
                        return true;
                    }
                }
            }
            if (!await SkipAsync(size + 2, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }
    }

    /// <summary>Reads more bytes after the unread ones; false when the peer closed or the head overflows the buffer.</summary>
    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_end == _buffer.Length)
        {
            if (_start == 0)
            {
                return false;                                // a head or chunk line longer than 16 KB
            }
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        int read = await _socket!.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        _end += read;
        return read > 0;
    }

    private Exchange Fail()
    {
        Reset();
        return new Exchange(0, false, true);
    }

    private void Reset()
    {
        _socket?.Dispose();
        _socket = null;
        _start = _end = 0;
    }

    public void Dispose() => Reset();

    /// <summary>The request bytes for one invocation, built once and sent as is.</summary>
    /// <param name="sign">KEY:SECRET to sign the request with (SigV4, RequestSigner.cs), or null.</param>
    public static byte[] BuildRequest(Uri baseUrl, string path, string invocationType, ReadOnlySpan<byte> payload, string? sign = null)
    {
        var head = new StringBuilder()
            .Append("POST ").Append(path).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(baseUrl.Authority).Append("\r\n")
            .Append("Content-Type: application/json\r\n");
        if (!string.IsNullOrEmpty(invocationType))
        {
            head.Append("X-Amz-Invocation-Type: ").Append(invocationType).Append("\r\n");
        }
        if (sign is not null)
        {
            head.Append(RequestSigner.Headers(sign, baseUrl.Authority, path, invocationType, payload));
        }
        head.Append("Content-Length: ").Append(payload.Length).Append("\r\n\r\n");
        byte[] headBytes = Encoding.ASCII.GetBytes(head.ToString());
        byte[] request = new byte[headBytes.Length + payload.Length];
        headBytes.CopyTo(request, 0);
        payload.CopyTo(request.AsSpan(headBytes.Length));
        return request;
    }
}
