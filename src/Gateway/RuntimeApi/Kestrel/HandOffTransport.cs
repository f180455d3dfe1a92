using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;

namespace Gateway.RuntimeApi.Kestrel;

/// <summary>The one endpoint the Runtime API's Kestrel server binds: not an address, the hand-off queue below.</summary>
internal sealed class HandOffEndPoint : EndPoint
{
    public override string ToString() => "runtime-api-hand-off";
}

/// <summary>
/// Kestrel's transport for the Runtime API: its "accept" returns the connections the environments' own listeners
/// accepted (each environment binds its Unix socket and TCP port and accepts, as with the hand-written server) after
/// Kestrel's socket transport has wrapped them (<c>SocketConnectionContextFactory.Create</c>, the very call Kestrel's
/// <c>ListenUnixSocket</c> listener makes for each accepted socket).
/// </summary>
/// <remarks>
/// Why not <c>ListenUnixSocket</c> per environment: a running Kestrel server cannot add listeners (environments come
/// and go at run time), and a server per environment costs a heartbeat thread, a memory pool and milliseconds of
/// start-up on every cold start. Past the accept, the per-request path is the same code either way.
/// </remarks>
internal sealed class HandOffTransport : IConnectionListenerFactory, IConnectionListener
{
    private readonly Channel<ConnectionContext> _accepted = Channel.CreateUnbounded<ConnectionContext>(
        new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });

    public EndPoint EndPoint { get; } = new HandOffEndPoint();

    /// <summary>Queues an accepted connection for Kestrel; false once the server has stopped (the caller disposes it).</summary>
    public bool Offer(ConnectionContext connection) => _accepted.Writer.TryWrite(connection);

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
        => ValueTask.FromResult<IConnectionListener>(this);

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _accepted.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            return null; // unbound: Kestrel's accept loop ends
        }
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _accepted.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _accepted.Writer.TryComplete();
        while (_accepted.Reader.TryRead(out var left))
        {
            await left.DisposeAsync().ConfigureAwait(false);
        }
    }
}
