using Gateway.Cluster.Events;
using Gateway.EventStore;
using Gateway.EventStore.Tests;

namespace Gateway.Cluster.Tests.Events;

/// <summary>The event store's contract cases against the Redis Streams store (a restart = a new store with the same node id).</summary>
public sealed class RedisEventStoreContractTests(RedisServer redis) : EventStoreContract, IClassFixture<RedisServer>, IAsyncLifetime
{
    private ClusterConnection _connection = null!;

    public async Task InitializeAsync()
    {
        _connection = await ClusterConnection.ConnectAsync(new ClusterOptions(redis.Url, "n1", 1), _ => { });
        await _connection.Database.ScriptEvaluateAsync("return redis.call('FLUSHDB')", [], []);
    }

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    protected override Task<IEventStore> OpenAsync() => ReopenAsync();

    protected override Task<IEventStore> ReopenAsync()
        => Task.FromResult<IEventStore>(new RedisStreamEventStore(_connection, new RedisEventStoreOptions { MaintenanceInterval = Timeout.InfiniteTimeSpan }));
}
