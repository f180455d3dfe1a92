using Gateway.Cluster.Transport;
using StackExchange.Redis;

namespace Gateway.Cluster;

/// <summary>
/// The node's one multiplexed connection to Redis, shared by admission, the Event queue, the registry and
/// membership. It reconnects by itself; <see cref="IsConnected"/> says whether commands can go out now.
/// </summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _multiplexer;

    private ClusterConnection(ClusterOptions options, ConnectionMultiplexer multiplexer, InlineReplies replies)
    {
        Options = options;
        _multiplexer = multiplexer;
        Replies = replies;
    }

    public ClusterOptions Options { get; }

    public string NodeId => Options.NodeId;

    public IDatabase Database => _multiplexer.GetDatabase();

    public ISubscriber Subscriber => _multiplexer.GetSubscriber();

    public bool IsConnected => _multiplexer.IsConnected;

    /// <summary>Awaits a command so that its caller resumes on the thread that read the reply (see
    /// <see cref="InlineReplies"/>): the admission of a synchronous invoke.</summary>
    public InlineReplies Replies { get; }

    /// <summary>
    /// Connects (abortConnect=false: returns even when Redis is down, and keeps retrying). The caller decides
    /// whether a node may start without Redis; the gateway does, in degraded mode (README, Cluster).
    /// </summary>
    public static async Task<ClusterConnection> ConnectAsync(ClusterOptions options, Action<string> log)
    {
        var configuration = ConfigurationOptions.Parse(options.ToConfigurationString());
        configuration.ClientName = "gateway-" + options.NodeId;
        // Commands are written by the thread that sends them and replies read by a thread of the node's own, which
        // resumes awaited admissions inline: no thread-pool hop per command (Transport/SocketTransport.cs).
        var replies = new InlineReplies();
        configuration.Tunnel = new InlineTunnel(replies, TimeSpan.FromMilliseconds(configuration.ConnectTimeout));
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        multiplexer.ConnectionFailed += (_, e) => log($"Redis connection lost ({e.FailureType}): {e.Exception?.Message}");
        multiplexer.ConnectionRestored += (_, e) => log($"Redis connection restored ({e.ConnectionType}).");
        return new ClusterConnection(options, multiplexer, replies);
    }

    public async ValueTask DisposeAsync()
    {
        await _multiplexer.DisposeAsync().ConfigureAwait(false);
        Replies.Dispose();
    }
}
