using System.Net;
using RESPite.Transports;
using StackExchange.Redis;
using StackExchange.Redis.Configuration;

namespace Gateway.Cluster.Transport;

/// <summary>
/// Gives StackExchange.Redis this node's own transport (<see cref="SocketTransport"/>) for every connection it makes,
/// including each reconnect; the library keeps doing everything else (handshake, commands, reconnects, timeouts).
/// TLS (<c>rediss://</c>) keeps the library's own socket path: this transport does not speak TLS.
/// </summary>
#pragma warning disable SER009 // the library's experimental transport seam (StackExchange.Redis 3.4)
internal sealed class InlineTunnel(InlineReplies replies, TimeSpan connectTimeout) : Tunnel
{
    public override async ValueTask<DuplexTransport?> ConnectTransportAsync(EndPoint endpoint, ConnectionType connectionType, TlsOptions tls, CancellationToken cancellationToken)
    {
        if (tls.IsEnabled)
        {
            return null;
        }
        return await SocketTransport.ConnectAsync(endpoint, replies, connectTimeout).ConfigureAwait(false);
    }

    public override string ToString() => "gateway-inline";
}
