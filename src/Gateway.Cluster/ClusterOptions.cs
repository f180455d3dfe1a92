namespace Gateway.Cluster;

/// <summary>
/// How this node joins a cluster: <c>--cluster redis://host:port[/db]</c>, <c>--node-id</c> and
/// <c>--cluster-nodes</c> (the number of nodes configured, for the static share used while Redis is unreachable).
/// </summary>
public sealed record ClusterOptions(string RedisUrl, string NodeId, int ConfiguredNodes)
{
    /// <summary>How long a node's lease lasts without a heartbeat before the others reclaim what it held.</summary>
    public TimeSpan NodeLease { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a node renews its lease (a third of the lease: two heartbeats may be lost).</summary>
    public TimeSpan Heartbeat => NodeLease / 3;

    /// <summary>Parses <c>redis://[:password@]host[:port][/db]</c> into StackExchange.Redis's configuration string.</summary>
    /// <exception cref="FormatException">Not a redis:// URL.</exception>
    public string ToConfigurationString()
    {
        if (!Uri.TryCreate(RedisUrl, UriKind.Absolute, out var uri) || (uri.Scheme != "redis" && uri.Scheme != "rediss"))
        {
            throw new FormatException($"--cluster must be a redis:// URL (redis://127.0.0.1:6379), not '{RedisUrl}'.");
        }
        var port = uri.IsDefaultPort || uri.Port <= 0 ? 6379 : uri.Port;
        var parts = new List<string> { $"{uri.Host}:{port}" };
        if (uri.AbsolutePath.Length > 1 && int.TryParse(uri.AbsolutePath.AsSpan(1), out var db))
        {
            parts.Add($"defaultDatabase={db}");
        }
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var user = colon < 0 ? "" : Uri.UnescapeDataString(uri.UserInfo[..colon]);
            var password = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[(colon + 1)..]);
            if (user.Length > 0)
            {
                parts.Add($"user={user}");
            }
            parts.Add($"password={password}");
        }
        if (uri.Scheme == "rediss")
        {
            parts.Add("ssl=true");
        }
        // Keep trying in the background instead of failing the start or a command for good: a node must survive
        // Redis restarting (the cluster proof restarts it mid-run).
        parts.Add("abortConnect=false");
        parts.Add("connectRetry=3");
        parts.Add("connectTimeout=2000");
        parts.Add("syncTimeout=2000");
        parts.Add("asyncTimeout=2000");
        parts.Add("keepAlive=1");
        return string.Join(',', parts);
    }
}
