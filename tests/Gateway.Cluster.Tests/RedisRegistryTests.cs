using System.Security.Cryptography;
using Gateway.Cluster.Registry;
using StackExchange.Redis;

namespace Gateway.Cluster.Tests;

/// <summary>The shared registry's Redis side (scripts, change log, code chunks) against a real redis-server.</summary>
public sealed class RedisRegistryTests(RedisServer redis) : IClassFixture<RedisServer>, IAsyncLifetime
{
    private ClusterConnection _a = null!;
    private ClusterConnection _b = null!;

    public async Task InitializeAsync()
    {
        _a = await ClusterConnection.ConnectAsync(new ClusterOptions(redis.Url, "node-a", 2), _ => { });
        _b = await ClusterConnection.ConnectAsync(new ClusterOptions(redis.Url, "node-b", 2), _ => { });
        // Each test starts from an empty registry (the fixture's Redis is shared by the class).
        await _a.Database.KeyDeleteAsync([RegistryKeys.Revision, RegistryKeys.Functions, RegistryKeys.Deleted, RegistryKeys.Changes]);
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    [Fact]
    public void A_commit_round_trips_and_a_full_pull_returns_every_document_and_tombstone()
    {
        var registry = new RedisRegistry(_a);
        Assert.Equal(new RegistryCommit(true, 1), registry.Commit(0, [new("f", """{"Name":"f"}"""), new("g", """{"Name":"g"}""")], []));
        Assert.Equal(new RegistryCommit(true, 2), registry.Commit(1, [new("f", """{"Name":"f","v":2}""")], ["g"]));

        var all = new RedisRegistry(_b).Pull(-1);
        Assert.True(all.Everything);
        Assert.Equal(2, all.Revision);
        Assert.Equal([new RegistryDocument("f", """{"Name":"f","v":2}""")], all.Documents);
        Assert.Equal(["g"], all.Deleted);
    }

    [Fact]
    public async Task Each_commit_bumps_the_revision_appends_one_change_log_entry_and_publishes_it()
    {
        var registry = new RedisRegistry(_a);
        var notified = new System.Collections.Concurrent.ConcurrentQueue<long>();
        new RedisRegistry(_b).Subscribe(notified.Enqueue);
        await _b.Subscriber.PingAsync(); // the (synchronous) subscription is in place before the first commit

        registry.Commit(0, [new("f", "{}")], []);
        registry.Commit(1, [new("g", "{}"), new("h", "{}")], []);
        registry.Commit(2, [], ["f"]);

        Assert.Equal("3", (string?)await _a.Database.StringGetAsync(RegistryKeys.Revision));
        var log = await _a.Database.StreamRangeAsync(RegistryKeys.Changes);
        Assert.Equal(["1-1", "2-1", "3-1"], log.Select(e => (string)e.Id!));
        Assert.Equal(["f", "g\nh", "f"], log.Select(e => (string)e["names"]!));
        Assert.All(log, e => Assert.Equal("node-a", (string)e["node"]!));

        // From the change log: only what changed since revision 1, each name once; a deleted one without a document.
        var since1 = new RedisRegistry(_b).Pull(1);
        Assert.False(since1.Everything);
        Assert.Equal(3, since1.Revision);
        Assert.Equal([new RegistryDocument("g", "{}"), new RegistryDocument("h", "{}"), new RegistryDocument("f", null)], since1.Documents);
        Assert.Equal(RegistryChanges.None(3), new RedisRegistry(_b).Pull(3));

        for (int i = 0; i < 200 && notified.Count < 3; i++)
        {
            await Task.Delay(10);
        }
        // Each revision published exactly once. StackExchange.Redis runs handler-based pub/sub callbacks concurrently, so
        // their order is not guaranteed (a CI run saw 2, 1, 3); the follower only wakes on one and pulls by revision.
        Assert.Equal([1L, 2L, 3L], notified.Order());
    }

    [Fact]
    public async Task A_node_behind_the_trimmed_change_log_or_ahead_of_Redis_gets_everything()
    {
        var registry = new RedisRegistry(_a);
        registry.Commit(0, [new("f", "{}")], []);
        registry.Commit(1, [new("g", "{}")], []);
        await _a.Database.StreamTrimAsync(RegistryKeys.Changes, 1); // revision 1's entry is gone

        Assert.True(registry.Pull(0).Everything);
        Assert.False(registry.Pull(1).Everything);
        Assert.True(registry.Pull(7).Everything); // Redis went back in time (restored without its AOF): reload
    }

    [Fact]
    public void Two_nodes_committing_on_the_same_revision_one_wins_the_other_is_refused_with_the_current_revision()
    {
        var a = new RedisRegistry(_a);
        var b = new RedisRegistry(_b);
        Assert.True(a.Commit(0, [new("from-a", "{}")], []).Committed);
        Assert.Equal(new RegistryCommit(false, 1), b.Commit(0, [new("from-b", "{}")], []));
        Assert.DoesNotContain(a.Pull(-1).Documents, d => d.Name == "from-b"); // nothing of the refused commit was written

        var caughtUp = b.Pull(0);
        Assert.Equal(1, caughtUp.Revision);
        Assert.True(b.Commit(caughtUp.Revision, [new("from-b", "{}")], []).Committed);
        Assert.Equal(["from-a", "from-b"], a.Pull(-1).Documents.Select(d => d.Name).Order());
    }

    [Fact]
    public async Task Racing_writers_on_two_connections_lose_no_change()
    {
        // Each writer: read the revision, commit on it, on a refusal catch up and try again (what FunctionRegistry does).
        const int PerWriter = 40;
        async Task WriteAsync(ClusterConnection connection, string prefix)
        {
            await Task.Yield();
            var registry = new RedisRegistry(connection);
            long revision = registry.Revision();
            for (int i = 0; i < PerWriter; i++)
            {
                while (true)
                {
                    var commit = registry.Commit(revision, [new($"{prefix}-{i}", "{}")], []);
                    revision = commit.Revision;
                    if (commit.Committed)
                    {
                        break;
                    }
                }
            }
        }
        await Task.WhenAll(Task.Run(() => WriteAsync(_a, "a")), Task.Run(() => WriteAsync(_b, "b")), Task.Run(() => WriteAsync(_a, "c"))).WaitAsync(TimeSpan.FromSeconds(60));

        var all = new RedisRegistry(_a).Pull(-1);
        Assert.Equal(3 * PerWriter, all.Revision);
        Assert.Equal(3 * PerWriter, all.Documents.Count);
        Assert.Equal(3 * PerWriter, (await _a.Database.StreamRangeAsync(RegistryKeys.Changes)).Length);
    }

    [Fact]
    public void Seeding_writes_only_names_the_cluster_has_nothing_for_unless_forced()
    {
        var registry = new RedisRegistry(_a);
        registry.Commit(0, [new("changed", """{"api":true}""")], ["deleted"]);

        var (revision, seeded) = registry.Seed([new("changed", """{"file":true}""", false), new("deleted", "{}", false), new("new", """{"file":true}""", false)]);
        Assert.Equal(2, revision);
        Assert.Equal(["new"], seeded);
        Assert.Equal((2, (IReadOnlyList<string>)[]), registry.Seed([new("new", """{"file":2}""", false)])); // nothing to write: no revision

        var (_, forced) = registry.Seed([new("deleted", """{"file":true}""", true)]);
        Assert.Equal(["deleted"], forced);
        var all = registry.Pull(-1);
        Assert.Equal(["changed", "deleted", "new"], all.Documents.Select(d => d.Name).Order());
        Assert.Empty(all.Deleted);
        Assert.Contains(new RegistryDocument("changed", """{"api":true}"""), all.Documents);
    }

    [Fact]
    public void A_zip_is_stored_in_chunks_and_read_back_whole()
    {
        var blobs = new RedisCodeBlobs(_a);
        var zip = RandomNumberGenerator.GetBytes(RedisCodeBlobs.ChunkBytes * 2 + 123);
        string hex = Convert.ToHexStringLower(SHA256.HashData(zip));
        Assert.False(blobs.Contains(hex));
        blobs.Put(hex, new MemoryStream(zip));
        Assert.True(blobs.Contains(hex));

        var copy = new MemoryStream();
        Assert.True(new RedisCodeBlobs(_b).TryCopyTo(hex, copy, out long size));
        Assert.Equal(zip.Length, size);
        Assert.Equal(zip, copy.ToArray());
        Assert.False(blobs.TryCopyTo(new string('0', 64), new MemoryStream(), out _));
    }

    [Fact]
    public async Task Commits_survive_a_Redis_restart()
    {
        var registry = new RedisRegistry(_a);
        registry.Commit(0, [new("durable", "{}")], []);
        await redis.KillAsync();
        await redis.StartAsync();
        RegistryChanges? all = null;
        for (int attempt = 0; attempt < 100 && all is null; attempt++)
        {
            try
            {
                all = registry.Pull(-1);
            }
            catch (RedisException)
            {
                await Task.Delay(100);
            }
        }
        Assert.NotNull(all);
        Assert.Equal(1, all.Revision);
        Assert.Equal("durable", Assert.Single(all.Documents).Name);
    }
}
