using System.Net.Sockets;
using Gateway.Environments;

namespace Gateway.RuntimeApi;

/// <summary>
/// Serves the Runtime API on a connection accepted from an environment's own listener (its Unix socket or loopback
/// TCP port), so the connection belongs to that environment by construction. Chosen by --runtime-api-server:
/// <c>builtin</c> (the hand-written HTTP/1.1 server, <see cref="RuntimeApiConnection"/>) or <c>kestrel</c>
/// (<see cref="Kestrel.KestrelRuntimeApiServer"/>).
/// </summary>
internal interface IRuntimeApiServer
{
    void Serve(Socket socket, ExecutionEnvironment environment);
}

/// <summary>The hand-written server: one <see cref="RuntimeApiConnection"/> loop per accepted socket.</summary>
internal sealed class BuiltinRuntimeApiServer : IRuntimeApiServer
{
    public static readonly BuiltinRuntimeApiServer Instance = new();

    public const string Name = "builtin";

    public void Serve(Socket socket, ExecutionEnvironment environment)
    {
        RuntimeTransport transport;
        try
        {
            transport = RuntimeTransport.Create(socket, environment.Options.RuntimeApiEpoll);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            // epoll refused the socket (out of memory, descriptor limits): drop this connection, keep accepting.
            Console.Error.WriteLine($"[gateway] Runtime API connection of {environment.Function.Name} refused: {ex.Message}");
            socket.Dispose();
            return;
        }
        var connection = new RuntimeApiConnection(transport, environment);
        environment.OnConnectionOpened(connection);
        _ = connection.RunAsync();
    }
}
