using System.Text.Json.Nodes;

namespace Gateway.Tests.Cluster;

/// <summary>
/// The issue-14 scenarios that fit a test (loadtests/cluster-proof.sh runs all five at load): real Redis, real native
/// nodes (<see cref="ClusterNodes"/>), real workers; evidence from the functions themselves where it matters.
/// No timing assertion: every wait is a bounded poll for a state.
/// </summary>
public sealed class ClusterTests
{
    /// <summary>The proof's bash runtime: appends start/end lines to $RECORD_FILE (loadtests/cluster/recorder/bootstrap).</summary>
    private static TestFunction Recorder(string name, string records) => new(name, Path.Combine(TestPaths.RepoRoot, "loadtests", "cluster", "recorder"), "proof")
    {
        Timeout = 60,
        Provisioned = 1,
        Environment = new() { ["RECORD_FILE"] = records },
        Extra = new JsonObject { ["Runtime"] = "provided.al2023" },
    };

    private static string RecordFile(string dir)
    {
        var file = Path.Combine(dir, "records");
        File.WriteAllText(file, "");
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_111_111);
        File.SetUnixFileMode(file, (UnixFileMode)0b110_110_110); // workers run as their own uid when the gateway is root
        return file;
    }

    private static HashSet<string> EndedTags(string records) => File.ReadAllLines(records)
        .Select(l => l.Split(' ')).Where(p => p.Length == 7 && p[0] == "end").Select(p => p[3]).ToHashSet(StringComparer.Ordinal);

    [Fact]
    public async Task Reserved_concurrency_holds_across_nodes_and_a_killed_nodes_slot_comes_back()
    {
        await using var cluster = await ClusterNodes.StartAsync(2, [TestFunction.Sample("sleep") with { Timeout = 90, ReservedConcurrentExecutions = 1 }]);
        // Node 2 holds the function's only slot.
        var holding = cluster[1].InvokeAsync("sleep", """{"ms": 60000}""");
        await Poll.UntilAsync(async () => (await cluster[1].StatusAsync())["functions"]!.AsArray()
            .Any(f => f!["environments"]!.GetValue<int>() > f["idleEnvironments"]!.GetValue<int>()), "node 2 to run the long invocation");
        using (var refused = await cluster[0].InvokeAsync("sleep", """{"ms": 0}"""))
        {
            Assert.Equal((HttpStatusCode)429, refused.StatusCode);
            var body = await GatewayProcess.ReadJsonAsync(refused);
            Assert.Equal("ReservedFunctionConcurrentInvocationLimitExceeded", body.GetProperty("Reason").GetString());
        }
        var workers = await cluster[1].WorkerPidsAsync("sleep");
        cluster.KillNode(1);
        await Assert.ThrowsAnyAsync<Exception>(() => holding.WithTimeout(30_000));
        await Poll.UntilAsync(() => workers.All(pid => !Processes.IsAlive(pid)), "node 2's workers to die with it");
        // Once node 2's lease lapses its slot is free again: node 1 admits.
        await Poll.UntilAsync(async () =>
        {
            using var answer = await cluster[0].InvokeAsync("sleep", """{"ms": 0}""");
            return answer.StatusCode == HttpStatusCode.OK;
        }, "node 1 to admit once node 2's slot is reclaimed", 60_000);
    }

    [Fact]
    public async Task A_function_created_through_one_node_is_served_by_every_node()
    {
        await using var cluster = await ClusterNodes.StartAsync(3, []);
        await cluster[0].CreateFunctionAsync("made-on-n1", FunctionZip.Build(("bootstrap", File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "src", "Functions", "bash-echo", "bootstrap")), 0b111_101_101),
            ("function.sh", File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "src", "Functions", "bash-echo", "function.sh")), 0b110_100_100)));
        for (int i = 1; i < cluster.Count; i++)
        {
            var node = cluster[i];
            await Poll.UntilAsync(async () =>
            {
                using var answer = await node.InvokeAsync("made-on-n1", """{"hello":"cluster"}""");
                return answer.StatusCode == HttpStatusCode.OK;
            }, $"node n{i + 1} to serve the function created on n1");
        }
    }

    [Fact]
    public async Task Events_accepted_around_a_Redis_restart_all_run_and_the_nodes_survive()
    {
        var dir = Directory.CreateTempSubdirectory("gateway-cluster-records-").FullName;
        try
        {
            var records = RecordFile(dir);
            await using var cluster = await ClusterNodes.StartAsync(2, [Recorder("survivor", records)], "--sandbox", "none");
            var accepted = new List<string>();
            async Task SendAsync(int from, int to)
            {
                for (int k = from; k < to; k++)
                {
                    using var answer = await cluster[k % 2].InvokeAsync("survivor", $$"""{"id":"e-{{k}}","ms":0}""", invocationType: "Event");
                    if (answer.StatusCode == HttpStatusCode.Accepted)
                    {
                        accepted.Add($"e-{k}");
                    }
                }
            }
            await SendAsync(0, 40);
            Assert.Equal(40, accepted.Count);
            await cluster.Redis.KillAsync();
            await SendAsync(40, 50); // 503 while Redis is down (cluster mode): not accepted, so not promised
            await cluster.Redis.StartAsync();
            // Both nodes reconnect: each accepts Events again.
            for (int i = 0; i < 2; i++)
            {
                var node = cluster[i];
                await Poll.UntilAsync(async () =>
                {
                    using var answer = await node.InvokeAsync("survivor", $$"""{"id":"back-{{i}}","ms":0}""", invocationType: "Event");
                    return answer.StatusCode == HttpStatusCode.Accepted;
                }, $"node n{i + 1} to accept Events after the Redis restart", 30_000);
            }
            await SendAsync(50, 90);
            await Poll.UntilAsync(() => accepted.All(EndedTags(records).Contains), "every accepted event to run", 60_000);
            Assert.False(cluster[0].HasExited || cluster[1].HasExited, "a node exited across the Redis restart");
            Assert.DoesNotContain("Unhandled exception", cluster[0].Output + cluster[1].Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
