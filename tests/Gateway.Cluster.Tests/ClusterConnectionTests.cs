using StackExchange.Redis;

namespace Gateway.Cluster.Tests;

public sealed class ClusterConnectionTests(RedisServer redis) : IClassFixture<RedisServer>
{
    [Fact]
    public void Url_becomes_a_configuration_string_that_keeps_retrying()
    {
        var options = new ClusterOptions("redis://:s%40cret@10.0.0.5:6380/2", "n1", 3);
        var configuration = options.ToConfigurationString();
        Assert.StartsWith("10.0.0.5:6380,", configuration);
        Assert.Contains("defaultDatabase=2", configuration);
        Assert.Contains("password=s@cret", configuration);
        Assert.Contains("abortConnect=false", configuration);
        Assert.Throws<FormatException>(() => new ClusterOptions("http://127.0.0.1:6379", "n1", 1).ToConfigurationString());
    }

    [Fact]
    public async Task Connects_runs_a_script_with_keys_and_values_and_survives_a_restart()
    {
        await using var connection = await ClusterConnection.ConnectAsync(new ClusterOptions(redis.Url, "n1", 1), _ => { });
        const string Increment = "return redis.call('INCRBY', KEYS[1], ARGV[1])";
        var key = (RedisKey)(ClusterKeys.AdmissionTag + ":test:counter");
        Assert.Equal(5L, (long)await connection.Database.ScriptEvaluateAsync(Increment, [key], [5]));

        await redis.KillAsync();
        await redis.StartAsync();

        // AOF always: the acknowledged increment came back; the multiplexer reconnects by itself.
        long value = 0;
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                value = (long)await connection.Database.ScriptEvaluateAsync(Increment, [key], [1]);
                break;
            }
            catch (RedisException)
            {
                await Task.Delay(100);
            }
        }
        Assert.Equal(6L, value);
    }
}
