using System.Net;
using System.Net.Sockets;
using Gateway.Environments;

namespace Gateway.RuntimeApi;

/// <summary>
/// The Runtime API endpoint of one execution environment: a Unix domain socket (the fast path, named by
/// GATEWAY_RUNTIME_API_SOCKET) and, optionally, a loopback TCP port (AWS_LAMBDA_RUNTIME_API) for stock runtimes.
/// </summary>
/// <remarks>
/// Each environment has its own listeners, so a connection belongs to exactly one environment by construction:
/// a worker cannot see or answer another environment's invocations, whatever request id it sends.
/// </remarks>
internal sealed class RuntimeApiListener : IDisposable
{
    private readonly ExecutionEnvironment _environment;
    private readonly IRuntimeApiServer _server;
    private readonly Socket _unix;
    private readonly Socket? _tcp;

    public RuntimeApiListener(ExecutionEnvironment environment, string socketPath, bool tcp, IRuntimeApiServer server)
    {
        _environment = environment;
        _server = server;
        SocketPath = socketPath;
        File.Delete(socketPath);
        _unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _unix.Bind(new UnixDomainSocketEndPoint(socketPath));
        _unix.Listen(16);
        if (tcp)
        {
            _tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            _tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _tcp.Listen(16);
            TcpEndpoint = "127.0.0.1:" + ((IPEndPoint)_tcp.LocalEndPoint!).Port;
        }
    }

    public string SocketPath { get; }

    /// <summary>The value of AWS_LAMBDA_RUNTIME_API (host:port), or null when TCP is off.</summary>
    public string? TcpEndpoint { get; }

    public void Start()
    {
        _ = AcceptLoopAsync(_unix, noDelay: false);
        if (_tcp is not null)
        {
            _ = AcceptLoopAsync(_tcp, noDelay: true);
        }
    }

    private async Task AcceptLoopAsync(Socket listener, bool noDelay)
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return; // listener closed: the environment has ended
            }
            if (noDelay)
            {
                socket.NoDelay = true;
            }
            _server.Serve(socket, _environment);
        }
    }

    public void Dispose()
    {
        _unix.Dispose();
        _tcp?.Dispose();
        try
        {
            File.Delete(SocketPath);
        }
        catch (IOException)
        {
        }
    }
}
