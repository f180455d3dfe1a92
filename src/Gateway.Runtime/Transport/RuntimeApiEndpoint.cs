using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gateway.Runtime.Transport;

/// <summary>
/// Where the Runtime API listens, and how to reach it. The gateway's fast path is a Unix domain socket
/// named by <c>GATEWAY_RUNTIME_API_SOCKET</c>; without it the client behaves exactly like a stock
/// runtime and uses <c>AWS_LAMBDA_RUNTIME_API</c> (<c>host:port</c>). Both carry the same HTTP/1.1 bytes.
/// </summary>
internal sealed class RuntimeApiEndpoint
{
    public const string SocketVariable = "GATEWAY_RUNTIME_API_SOCKET";
    public const string TcpVariable = "AWS_LAMBDA_RUNTIME_API";

    // Longest Host header value accepted: a DNS name (253) plus ":65535". Bounds the request heads.
    private const int MaxHostBytes = 253 + 6;

    // Characters that would let the variable's value escape the Host header or the authority.
    private static readonly SearchValues<char> InvalidHostChars = SearchValues.Create(" \t\r\n/?#@");

    private RuntimeApiEndpoint(EndPoint endPoint, string host, string description)
    {
        EndPoint = endPoint;
        HostHeaderValue = Encoding.ASCII.GetBytes(host);
        Description = description;
    }

    public EndPoint EndPoint { get; }

    /// <summary>The <c>Host</c> header value (HTTP/1.1 requires one even on a Unix socket).</summary>
    public byte[] HostHeaderValue { get; }

    /// <summary>For messages: <c>unix:/path</c> or <c>host:port</c>.</summary>
    public string Description { get; }

    public bool IsUnixSocket => EndPoint is UnixDomainSocketEndPoint;

    /// <summary>Reads the two variables; throws <see cref="InvalidOperationException"/> with a message
    /// fit for stderr when neither names a usable endpoint.</summary>
    public static RuntimeApiEndpoint FromEnvironment()
    {
        string? socketPath = Environment.GetEnvironmentVariable(SocketVariable);
        if (!string.IsNullOrEmpty(socketPath))
        {
            return UnixSocket(socketPath);
        }

        string? hostAndPort = Environment.GetEnvironmentVariable(TcpVariable);
        if (!string.IsNullOrEmpty(hostAndPort))
        {
            return Tcp(hostAndPort);
        }

        throw new InvalidOperationException($"Neither {SocketVariable} nor {TcpVariable} is set; there is no Runtime API to connect to.");
    }

    public static RuntimeApiEndpoint UnixSocket(string path)
    {
        // Relative paths would depend on the function's working directory, which the gateway sets
        // per function; only an absolute path means the same socket to both sides.
        if (!Path.IsPathFullyQualified(path))
        {
            throw new InvalidOperationException($"{SocketVariable} must be an absolute path, not '{path}'.");
        }

        return new RuntimeApiEndpoint(new UnixDomainSocketEndPoint(path), "localhost", "unix:" + path);
    }

    /// <summary>Parses <c>host:port</c>, <c>1.2.3.4:port</c> or <c>[::1]:port</c>.</summary>
    public static RuntimeApiEndpoint Tcp(string hostAndPort)
    {
        int colon = hostAndPort.LastIndexOf(':');
        if (colon <= 0 || hostAndPort.Length > MaxHostBytes ||
            !int.TryParse(hostAndPort.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) ||
            port is < 1 or > 65535)
        {
            throw new InvalidOperationException($"{TcpVariable} must be host:port, not '{hostAndPort}'.");
        }

        string host = hostAndPort[..colon];
        string bareHost = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        if (bareHost.Length == 0 || !Ascii.IsValid(bareHost) || bareHost.AsSpan().ContainsAny(InvalidHostChars))
        {
            throw new InvalidOperationException($"{TcpVariable} has an invalid host: '{hostAndPort}'.");
        }

        EndPoint endPoint = IPAddress.TryParse(bareHost, out IPAddress? address)
            ? new IPEndPoint(address, port)
            : new DnsEndPoint(bareHost, port);
        return new RuntimeApiEndpoint(endPoint, hostAndPort, hostAndPort);
    }

    /// <summary>Opens a connection; throws <see cref="SocketException"/> when nothing listens.</summary>
    public Socket Connect()
    {
        Socket socket = EndPoint switch
        {
            UnixDomainSocketEndPoint => new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified),
            IPEndPoint ip => new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp),
            _ => new Socket(SocketType.Stream, ProtocolType.Tcp), // dual-mode: a name may resolve to v4 or v6
        };

        try
        {
            if (socket.AddressFamily != AddressFamily.Unix)
            {
                // Each request is written in one send and then we wait for the answer; Nagle would only
                // ever add delay (a delayed-ACK stall) to that pattern.
                socket.NoDelay = true;
            }

            socket.Connect(EndPoint);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
