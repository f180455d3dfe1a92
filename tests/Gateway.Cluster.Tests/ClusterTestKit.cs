using StackExchange.Redis;

namespace Gateway.Cluster.Tests;

/// <summary>Small helpers shared by the cluster tests: connections as distinct nodes, a clean slate, bounded polling.</summary>
internal static class ClusterTestKit
{
    public static Task<ClusterConnection> ConnectAsync(RedisServer redis, string nodeId, int nodes = 3, TimeSpan? lease = null) =>
        ClusterConnection.ConnectAsync(new ClusterOptions(redis.Url, nodeId, nodes) { NodeLease = lease ?? TimeSpan.FromSeconds(5) }, _ => { });

    /// <summary>Deletes every gateway key (tests of one class share one Redis).</summary>
    public static async Task ResetAsync(ClusterConnection connection) =>
        await connection.Database.ScriptEvaluateAsync(
            "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end return 1", [], ["{gw:*"]);

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes (no timing
    /// assertion: the timeout only keeps a broken test from hanging).</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                {
                    return true;
                }
            }
            catch (RedisException)
            {
                // still reconnecting
            }
            await Task.Delay(100);
        }
        return false;
    }
}
