using System.Net.Sockets;
using System.Text;
using Gateway.Runtime.Http;
using Gateway.Runtime.Transport;

namespace Gateway.Runtime;

/// <summary>
/// One invocation's streamed response: a chunked <c>POST /invocation/{id}/response</c> with
/// <c>Lambda-Runtime-Function-Response-Mode: streaming</c>, on its own connection (the main one stays free for
/// <c>/next</c>). Each <see cref="WriteAsync"/> is one HTTP chunk sent at once; the end is the last chunk, plus the
/// <c>Lambda-Runtime-Function-Error-Type</c>/<c>-Body</c> trailers when the handler failed (aws-lambda-ric's form).
/// </summary>
public sealed class LambdaResponseStream
{
    private readonly RuntimeApiEndpoint _endpoint;
    private readonly string _requestId;
    private Socket? _socket;

    internal LambdaResponseStream(RuntimeApiEndpoint endpoint, string requestId)
    {
        _endpoint = endpoint;
        _requestId = requestId;
    }

    /// <summary>The body's Content-Type; set it before the first write (default application/octet-stream).</summary>
    public string ContentType { get; set; } = "application/octet-stream";

    /// <summary>True once the request head (and so possibly bytes) has gone to the Runtime API.</summary>
    public bool Started => _socket is not null;

    /// <summary>Sends <paramref name="data"/> as one chunk, now.</summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data)
    {
        if (data.IsEmpty)
        {
            return; // an empty chunk would end the body
        }
        var socket = await StartAsync().ConfigureAwait(false);
        await SendAsync(socket, Encoding.ASCII.GetBytes($"{data.Length:x}\r\n")).ConfigureAwait(false);
        await SendAsync(socket, data).ConfigureAwait(false);
        await SendAsync(socket, "\r\n"u8.ToArray()).ConfigureAwait(false);
    }

    /// <summary>Sends <paramref name="text"/> as UTF-8, as one chunk.</summary>
    public ValueTask WriteAsync(string text) => WriteAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>Ends the body (with error trailers when <paramref name="errorType"/> is set) and reads the answer;
    /// true when the Runtime API accepted it (202).</summary>
    internal async ValueTask<bool> EndAsync(string? errorType, byte[]? errorDocument)
    {
        var socket = await StartAsync().ConfigureAwait(false);
        await SendAsync(socket, Encoding.ASCII.GetBytes(EndOfBody(errorType, errorDocument))).ConfigureAwait(false);
        try
        {
            return await ReadStatusAsync(socket).ConfigureAwait(false) == 202;
        }
        finally
        {
            socket.Dispose();
        }
    }

    /// <summary>The last chunk and, for a failure, the error trailers. The type is cut and sanitised as the buffered
    /// path's header is (<see cref="RequestHeadWriter.AppendHeaderValue"/>): a CR or LF in a LambdaException's type
    /// would otherwise end the trailer section early and break the chunked framing.</summary>
    internal static string EndOfBody(string? errorType, byte[]? errorDocument)
    {
        if (errorType is null)
        {
            return "0\r\n\r\n";
        }

        string type = RequestHeadWriter.ToHeaderValue(errorType.Length <= RuntimeApiClient.MaxErrorTypeHeaderChars
            ? errorType
            : errorType[..RuntimeApiClient.MaxErrorTypeHeaderChars]);
        return $"0\r\nLambda-Runtime-Function-Error-Type: {type}\r\nLambda-Runtime-Function-Error-Body: {Convert.ToBase64String(errorDocument ?? [])}\r\n\r\n";
    }

    private async ValueTask<Socket> StartAsync()
    {
        if (_socket is not null)
        {
            return _socket;
        }
        var socket = _endpoint.Connect();
        _socket = socket;
        var head = $"POST /2018-06-01/runtime/invocation/{_requestId}/response HTTP/1.1\r\nHost: {Encoding.ASCII.GetString(_endpoint.HostHeaderValue)}\r\n"
            + $"User-Agent: gateway-runtime/1.0\r\nLambda-Runtime-Function-Response-Mode: streaming\r\nContent-Type: {ContentType}\r\n"
            + "Transfer-Encoding: chunked\r\nTrailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n\r\n";
        await SendAsync(socket, Encoding.ASCII.GetBytes(head)).ConfigureAwait(false);
        return socket;
    }

    private static async ValueTask SendAsync(Socket socket, ReadOnlyMemory<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            int sent = await socket.SendAsync(bytes, SocketFlags.None).ConfigureAwait(false);
            bytes = bytes[sent..];
        }
    }

    /// <summary>The status code of the response to the post (its head only; the body is not needed).</summary>
    private static async ValueTask<int> ReadStatusAsync(Socket socket)
    {
        var buffer = new byte[4096];
        int filled = 0;
        while (filled < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }
            filled += n;
            if (buffer.AsSpan(0, filled).IndexOf("\r\n"u8) is int lineEnd and > 0)
            {
                var line = Encoding.ASCII.GetString(buffer, 0, lineEnd); // HTTP/1.1 202 Accepted
                var parts = line.Split(' ');
                return parts.Length >= 2 && int.TryParse(parts[1], out int status) ? status : -1;
            }
        }
        return -1;
    }
}
