using Gateway.Cluster.Events;

namespace Gateway.ClusterMode;

/// <summary>The shared Event queue's settings from the gateway's options (only built in cluster mode).</summary>
internal static class ClusterEvents
{
    public static RedisEventStoreOptions Options(GatewayOptions options)
    {
        var idle = TimeSpan.FromSeconds(Math.Max(1, options.ClusterEventIdleReclaimSeconds));
        return new RedisEventStoreOptions { IdleReclaim = idle, TouchInterval = idle / 5 };
    }
}
