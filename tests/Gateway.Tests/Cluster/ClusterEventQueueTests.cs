using Gateway.Cluster.Tests;
using System.Collections.Concurrent;
using System.Text.Json;

namespace Gateway.Tests.Cluster;

/// <summary>
/// The shared Event queue end to end: two native gateways on one Redis. Node 1 takes a flood of Events and is
/// SIGKILLed half-way; every request id it answered 202 must still run (node 2 reclaims node 1's in-flight events
/// once node 1's lease is gone). And while Redis is down an Event invoke answers 503 ServiceUnavailable, never 202.
/// The tests play membership: they SET each node's lease key and DEL the dead node's.
/// </summary>
public sealed class ClusterEventQueueTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Events = 1000;
    private const int KillAfter = 500;
    private const int Senders = 16;

    private static string[] Node(RedisServer redis, string id) => ["--cluster", redis.Url, "--node-id", id, "--cluster-nodes", "2"];

    private static string Lease(string id) => "{gw:nodes}:lease:" + id;

    [Fact]
    public async Task Every_event_node_1_answered_202_before_its_SIGKILL_runs_on_node_2()
    {
        await using var redis = await RedisServer.StartNewAsync();
        await redis.CliAsync("SET", Lease("n1"), "alive");
        await redis.CliAsync("SET", Lease("n2"), "alive");
        var destination = Directory.CreateTempSubdirectory("gateway-cluster-destination-").FullName;
        var echo = TestFunction.Sample("echo") with
        {
            Provisioned = 2,
            MaxEnvironments = 4,
            Extra = AsyncInvocationTests.Config(onSuccess: "file://" + destination), // both nodes append to one file (O_APPEND)
        };
        await using var node1 = await GatewayProcess.StartAsync([echo], Node(redis, "n1"));
        await using var node2 = await GatewayProcess.StartAsync([echo], Node(redis, "n2"));

        var accepted = new ConcurrentBag<string>();
        int sent = 0;
        using var killed = new CancellationTokenSource();
        async Task SendAsync()
        {
            while (!killed.IsCancellationRequested && Interlocked.Increment(ref sent) <= Events)
            {
                try
                {
                    using var response = await node1.InvokeAsync("echo", $$"""{"n":{{sent}}}""", invocationType: "Event");
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        accepted.Add(response.Headers.GetValues("x-amzn-RequestId").Single());
                        if (accepted.Count == KillAfter)
                        {
                            node1.Kill();
                            await killed.CancelAsync();
                        }
                    }
                }
                catch (HttpRequestException)
                {
                    return; // node 1 is gone: this one was never answered, so nothing was promised
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, Senders).Select(_ => Task.Run(SendAsync)));
        await node1.WaitForExitAsync();
        Assert.True(accepted.Count >= KillAfter, $"only {accepted.Count} events were accepted before the kill");

        // Node 1's heartbeat stopped: its lease lapses (here: the test, playing membership, deletes it).
        await redis.CliAsync("DEL", Lease("n1"));
        var file = Path.Combine(destination, "echo.jsonl");
        HashSet<string> ran = [];
        await Poll.UntilAsync(() =>
        {
            ran = DestinationRecords.Read(file).Where(r => r.GetProperty("requestContext").GetProperty("condition").GetString() == "Success")
                .Select(r => r.GetProperty("requestContext").GetProperty("requestId").GetString()!).ToHashSet();
            return accepted.All(ran.Contains);
        }, $"all {accepted.Count} accepted events run (a Success record each)", timeoutMs: 180_000);
        await node2.WaitForOutputAsync("node n1's lease is gone");
        output.WriteLine($"accepted by node 1 before its SIGKILL: {accepted.Count}; Success records: {ran.Count}");
        output.WriteLine(string.Join('\n', node2.Output.Split('\n').Where(l => l.Contains("event queue", StringComparison.Ordinal))));
        await Poll.UntilAsync(async () =>
        {
            var status = await node2.StatusAsync();
            return status["eventsPending"]!.GetValue<long>() == 0 && status["eventsInFlight"]!.GetValue<long>() == 0;
        }, "the shared queue to be empty");
    }

    [Fact]
    public async Task While_Redis_is_down_an_Event_invoke_answers_503_ServiceUnavailable_and_202_again_once_it_is_back()
    {
        await using var redis = await RedisServer.StartNewAsync();
        await using var node = await GatewayProcess.StartAsync([TestFunction.Sample("echo")], Node(redis, "n1"));
        using (var accepted = await node.InvokeAsync("echo", """{"before":1}""", invocationType: "Event"))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        await redis.KillAsync();
        using (var refused = await node.InvokeAsync("echo", """{"during":1}""", invocationType: "Event"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("ServiceUnavailable", refused.Headers.GetValues("x-amzn-ErrorType").Single());
            using var body = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
            Assert.Equal("Service", body.RootElement.GetProperty("Type").GetString());
            Assert.Contains("cannot be reached", body.RootElement.GetProperty("Message").GetString(), StringComparison.Ordinal);
        }
        // A sync invoke does not need the queue.
        using (var sync = await node.InvokeAsync("echo", """{"sync":1}"""))
        {
            Assert.Equal(HttpStatusCode.OK, sync.StatusCode);
        }
        Assert.False(node.HasExited);

        await redis.StartAsync();
        await Poll.UntilAsync(async () =>
        {
            using var again = await node.InvokeAsync("echo", """{"after":1}""", invocationType: "Event");
            return again.StatusCode == HttpStatusCode.Accepted;
        }, "an Event to be accepted again once Redis is back", timeoutMs: 60_000);
        Assert.False(node.HasExited);
    }
}
