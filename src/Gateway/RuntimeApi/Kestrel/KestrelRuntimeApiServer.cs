using System.Net.Sockets;
using Gateway.Environments;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.RuntimeApi.Kestrel;

/// <summary>
/// The Runtime API served by Kestrel itself (--runtime-api-server kestrel): one Kestrel server for the whole gateway,
/// HTTP/1.1 only, whose connections are the sockets each environment accepts on its own Unix socket (and loopback
/// TCP port) — see <see cref="HandOffTransport"/> — wrapped by Kestrel's socket transport. Requests go to a bare
/// <see cref="RuntimeApiApplication"/> (no routing, no middleware), which hands them to the connection's
/// <see cref="KestrelRuntimeConnection"/>: the same environment and invocation objects as the hand-written server.
/// </summary>
internal sealed class KestrelRuntimeApiServer : IRuntimeApiServer, IAsyncDisposable
{
    public const string Name = "kestrel";

    private readonly HandOffTransport _transport;
    private readonly SocketConnectionContextFactory _connections;
    private readonly KestrelServer _server;
    private readonly ServiceProvider _services;

    private KestrelRuntimeApiServer(GatewayOptions options, ILoggerFactory loggerFactory)
    {
        _transport = new HandOffTransport();
        // The front door's socket settings (Program.cs): inline scheduling when the gateway runs inline, and no buffer
        // rented for an idle connection (a runtime parked in /next holds no memory, like the hand-written server).
        _connections = new SocketConnectionContextFactory(new SocketConnectionFactoryOptions
        {
            UnsafePreferInlineScheduling = options.InlineScheduling,
            WaitForDataBeforeAllocatingBuffer = true,
        }, loggerFactory.CreateLogger("Gateway.RuntimeApi.Kestrel"));
        _services = new ServiceCollection().BuildServiceProvider();
        var kestrel = new KestrelServerOptions { ApplicationServices = _services, AddServerHeader = false };
        var limits = kestrel.Limits;
        // The hand-written server has no timeouts and no data rates: a /next may wait for hours, a streamed response
        // trickle at the function's pace. Bodies are limited by the connection itself (the response limits, 413).
        limits.KeepAliveTimeout = Timeout.InfiniteTimeSpan;
        limits.RequestHeadersTimeout = Timeout.InfiniteTimeSpan;
        limits.MinRequestBodyDataRate = null;
        limits.MinResponseDataRate = null;
        limits.MaxRequestBodySize = null;
        limits.MaxRequestHeadersTotalSize = RuntimeRequestParser.MaxHeadSize; // the hand-written parser's bound
        // Kestrel reads ahead at most this much per connection, and refuses to start unless a whole head fits in it.
        limits.MaxRequestBufferSize = RuntimeRequestParser.MaxHeadSize + 64 * 1024;
        kestrel.Listen(_transport.EndPoint, listen => listen.Protocols = HttpProtocols.Http1);
        _server = new KestrelServer(Options.Create(kestrel), _transport, loggerFactory);
    }

    public static async Task<KestrelRuntimeApiServer> StartAsync(GatewayOptions options, ILoggerFactory loggerFactory)
    {
        var server = new KestrelRuntimeApiServer(options, loggerFactory);
        await server._server.StartAsync(new RuntimeApiApplication(), CancellationToken.None).ConfigureAwait(false);
        return server;
    }

    public void Serve(Socket socket, ExecutionEnvironment environment)
    {
        var context = _connections.Create(socket);
        var connection = new KestrelRuntimeConnection(environment, context);
        context.Features.Set(connection);
        environment.OnConnectionOpened(connection); // closes it at once when the environment has ended
        if (connection.IsClosed || !_transport.Offer(context))
        {
            _ = DisposeUnservedAsync(context);
            return;
        }
        context.ConnectionClosed.Register(static state => ((KestrelRuntimeConnection)state!).OnClosed(), connection);
    }

    /// <summary>A connection the environment refused (it had ended) or the stopped server will never serve.</summary>
    private static async Task DisposeUnservedAsync(ConnectionContext context) => await context.DisposeAsync().ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _server.StopAsync(stopping.Token).ConfigureAwait(false);
        _server.Dispose();
        await _transport.DisposeAsync().ConfigureAwait(false);
        _connections.Dispose();
        await _services.DisposeAsync().ConfigureAwait(false);
    }
}
