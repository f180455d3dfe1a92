using Gateway.Cluster;

namespace Gateway.ClusterMode;

/// <summary>
/// The one place the gateway enters cluster mode (<c>--cluster</c>). Without it this returns null and nothing of
/// Gateway.Cluster is constructed: the single-node path never touches Redis. With it, the node connects (returning
/// even while Redis is down: the connection keeps retrying) and each area swaps in its cluster-backed part.
/// </summary>
internal static class ClusterStartup
{
    public static async Task<ClusterConnection?> ConnectAsync(GatewayOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Cluster))
        {
            return null;
        }
        var nodeId = string.IsNullOrWhiteSpace(options.NodeId) ? Environment.MachineName : options.NodeId;
        var clusterOptions = new ClusterOptions(options.Cluster, nodeId, Math.Max(1, options.ClusterNodes));
        clusterOptions.ToConfigurationString(); // a malformed URL stops the start with its message (FormatException)
        var connection = await ClusterConnection.ConnectAsync(clusterOptions, message => Console.WriteLine("[gateway] cluster: " + message)).ConfigureAwait(false);
        Console.WriteLine($"[gateway] cluster node '{nodeId}' on {options.Cluster} ({(connection.IsConnected ? "connected" : "Redis unreachable: retrying")})");
        return connection;
    }
}
