using Gateway.Cluster.Admission;

namespace Gateway.Cluster.Tests;

/// <summary>
/// The node's own Redis transport (Transport/SocketTransport.cs): a sync invoke's admission resumes on the thread that
/// read its reply (no thread-pool hop), a queued Event's does not, and the script still runs when Redis has forgotten
/// it (NOSCRIPT: first use, or a restarted Redis) or was restarted under the connection.
/// </summary>
public sealed class InlineRepliesTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static readonly AdmissionLimits Open = new(100, 100, -1, 1000, 100_000, 100_000, AccountBurst: false);

    [Fact]
    public async Task A_sync_admission_resumes_on_the_redis_reader_thread_and_a_queued_one_on_the_pool()
    {
        await using var connection = await ClusterTestKit.ConnectAsync(redis, "inline-a");
        await ClusterTestKit.ResetAsync(connection);
        var client = new ClusterAdmissionClient(connection);
        await client.AdmitAsync("warm-up", Open, chargeRequest: true, needsNewEnvironment: false); // the script's first EVAL

        var (names, queuedThread, queuedOnPool) = await ResumingThreadsAsync(client);

        // A reply already there when the caller registers completes on the caller's own thread: allowed, but rare.
        Assert.Contains("Redis reader", names);
        Assert.True(names.Count(n => n == "Redis reader") >= names.Count / 2, string.Join(", ", names));
        Assert.NotEqual("Redis reader", queuedThread);
        Assert.True(queuedOnPool);
    }

    /// <summary>Where each await resumes (outside the test method: xunit's context would take every continuation).</summary>
    private static async Task<(List<string?> Sync, string? Queued, bool QueuedOnPool)> ResumingThreadsAsync(ClusterAdmissionClient client)
    {
        var names = new List<string?>();
        for (int i = 0; i < 20; i++)
        {
            var reply = await client.AdmitAsync("inline", Open, chargeRequest: true, needsNewEnvironment: false).ConfigureAwait(false);
            Assert.True(reply.IsAdmitted);
            names.Add(Thread.CurrentThread.Name);
            client.Release("inline", reply.FromUnreservedPool);
        }
        var queued = await client.AdmitAsync("queued", Open, chargeRequest: false, needsNewEnvironment: false).ConfigureAwait(false);
        Assert.True(queued.IsAdmitted);
        return (names, Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread);
    }

    [Fact]
    public async Task An_admission_runs_after_redis_forgot_its_script()
    {
        await using var connection = await ClusterTestKit.ConnectAsync(redis, "inline-b");
        await ClusterTestKit.ResetAsync(connection);
        var client = new ClusterAdmissionClient(connection);
        Assert.True((await client.AdmitAsync("flushed", Open, chargeRequest: true, needsNewEnvironment: false)).IsAdmitted);

        await redis.CliAsync("SCRIPT", "FLUSH"); // what a restarted Redis (or a new one) knows: no scripts
        var reply = await client.AdmitAsync("flushed", Open, chargeRequest: true, needsNewEnvironment: false);

        Assert.True(reply.IsAdmitted);
        Assert.Equal(2, await client.HeldAsync(AdmissionKeys.FunctionField("flushed"))); // ran once more, not twice
    }

    [Fact]
    public async Task Admissions_resume_after_redis_restarts_under_the_connection()
    {
        await using var connection = await ClusterTestKit.ConnectAsync(redis, "inline-c");
        await ClusterTestKit.ResetAsync(connection);
        var client = new ClusterAdmissionClient(connection);
        Assert.True((await client.AdmitAsync("restart", Open, chargeRequest: true, needsNewEnvironment: false)).IsAdmitted);

        await redis.KillAsync();
        await redis.StartAsync();

        Assert.True(await ClusterTestKit.EventuallyAsync(
            async () => (await client.AdmitAsync("restart", Open, chargeRequest: true, needsNewEnvironment: false)).IsAdmitted,
            TimeSpan.FromSeconds(30)));
    }
}
