using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Gateway.Tests.Cluster;

/// <summary>
/// The shared registry end to end (issue 14): real native gateways on one real redis-server. A change made through
/// one node's management API is served by the others — created with a zip on one node and invoked on another,
/// configuration and reserved concurrency (down to admission: a 429) changed on the second and seen on the first,
/// deleted everywhere. "Within 1 s" is checked loosely: the change must show within <see cref="MaxPolls"/> polls
/// 50 ms apart (each poll's own time comes on top); the observed delays are printed.
/// </summary>
public sealed class SharedRegistryTests(ITestOutputHelper output)
{
    /// <summary>20 polls 50 ms apart: the issue's 1 s.</summary>
    private const int MaxPolls = 20;

    [Fact]
    public async Task A_change_through_either_node_is_served_by_the_other_within_a_second()
    {
        await using var redis = await RegistryRedis.StartAsync();
        await using var node1 = await GatewayProcess.StartAsync([], redis.NodeArgs("n1"));
        await using var node2 = await GatewayProcess.StartAsync([], redis.NodeArgs("n2"));

        // CreateFunction (a zip) on node 1 → node 2 has it (its code fetched from Redis and verified) and runs it.
        await node1.CreateFunctionAsync("shared", FunctionZip.BashAnswering("""{"from":"zip-1"}"""));
        await SeenWithinAsync("node 2 serves the function created on node 1", async () =>
        {
            using var response = await node2.Client.GetAsync("/2015-03-31/functions/shared/configuration");
            return response.StatusCode == HttpStatusCode.OK;
        });
        using (var invoked = await node2.InvokeAsync("shared", "{}"))
        {
            Assert.Equal(HttpStatusCode.OK, invoked.StatusCode);
            Assert.Equal("""{"from":"zip-1"}""", await invoked.Content.ReadAsStringAsync());
        }

        // UpdateFunctionConfiguration on node 2 → node 1.
        await node2.SendAsync(HttpMethod.Put, "/2015-03-31/functions/shared/configuration",
            new JsonObject { ["Description"] = "changed on node 2", ["Timeout"] = 7 }, HttpStatusCode.OK);
        await SeenWithinAsync("node 1 sees node 2's configuration", async () =>
        {
            var configuration = await node1.GetFunctionConfigurationAsync("shared");
            return configuration["Description"]?.GetValue<string>() == "changed on node 2" && configuration["Timeout"]?.GetValue<int>() == 7;
        });

        // PutFunctionConcurrency 0 on node 2 → node 1's admission throttles the function (Lambda's reason, 429).
        await node2.SendAsync(HttpMethod.Put, "/2017-10-31/functions/shared/concurrency", new JsonObject { ["ReservedConcurrentExecutions"] = 0 }, HttpStatusCode.OK);
        await SeenWithinAsync("node 1 throttles after node 2 reserved 0", async () =>
        {
            using var response = await node1.InvokeAsync("shared", "{}");
            return response.StatusCode == HttpStatusCode.TooManyRequests
                && (await response.Content.ReadAsStringAsync()).Contains("ReservedFunctionConcurrentInvocationLimitExceeded", StringComparison.Ordinal);
        });
        var concurrency = await node1.SendAsync(HttpMethod.Get, "/2019-09-30/functions/shared/concurrency", null, HttpStatusCode.OK);
        Assert.Equal(0, concurrency["ReservedConcurrentExecutions"]!.GetValue<int>());
        await node1.SendAsync(HttpMethod.Delete, "/2017-10-31/functions/shared/concurrency", null, HttpStatusCode.NoContent);

        // UpdateFunctionCode on node 2 → node 1 runs the new code (this time the zip travels the other way).
        await node2.UpdateFunctionCodeAsync("shared", FunctionZip.BashAnswering("""{"from":"zip-2"}"""));
        await SeenWithinAsync("node 1 runs node 2's new code", async () =>
        {
            using var response = await node1.InvokeAsync("shared", "{}");
            return response.StatusCode == HttpStatusCode.OK && await response.Content.ReadAsStringAsync() == """{"from":"zip-2"}""";
        });

        // DeleteFunction on node 1 → gone on node 2.
        await node1.SendAsync(HttpMethod.Delete, "/2015-03-31/functions/shared", null, HttpStatusCode.NoContent);
        await SeenWithinAsync("node 2 no longer has the function", async () =>
        {
            using var response = await node2.InvokeAsync("shared", "{}");
            return response.StatusCode == HttpStatusCode.NotFound;
        });
    }

    [Fact]
    public async Task A_change_while_Redis_is_down_is_a_short_ServiceException_without_the_Redis_clients_diagnostics()
    {
        await using var redis = await RegistryRedis.StartAsync();
        await using var node = await GatewayProcess.StartAsync([], redis.NodeArgs("n1"));
        await node.CreateFunctionAsync("kept", FunctionZip.BashAnswering("""{"ok":true}"""));
        await redis.KillAsync();

        using var response = await node.Client.PutAsync("/2017-10-31/functions/kept/concurrency",
            new StringContent("""{"ReservedConcurrentExecutions":1}""", Encoding.UTF8, "application/json")).WithTimeout();
        var body = await response.Content.ReadAsStringAsync();

        // AWS's ServiceException (500), with a message a caller can read: the Redis client's own message carries about
        // 1 KB of its diagnostics (thread-pool counters, its version, a help link), which stay in the gateway.
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("ServiceException", response.Headers.GetValues("x-amzn-ErrorType").Single());
        var message = JsonNode.Parse(body)!["Message"]!.GetValue<string>(); // ServiceException: capital M, as AWS writes it
        Assert.StartsWith("The change could not be saved: the cluster registry (Redis) ", message);
        Assert.True(message.Length < 120, message);
    }

    [Fact]
    public async Task Concurrent_changes_on_two_nodes_lose_none_and_a_name_taken_twice_is_created_once()
    {
        await using var redis = await RegistryRedis.StartAsync();
        await using var node1 = await GatewayProcess.StartAsync([], redis.NodeArgs("n1"));
        await using var node2 = await GatewayProcess.StartAsync([], redis.NodeArgs("n2"));
        var zip = FunctionZip.BashAnswering("{}");

        // Ten creates on each node at once. None is lost: each one either commits (a lost race is computed again on
        // the newer state) or, after FunctionRegistry.MaxConflictAttempts lost races in a row, is refused whole with
        // Lambda's ResourceConflictException — and then exists on neither node. Every committed one is on both.
        const int PerNode = 10;
        var creates = await Task.WhenAll(Enumerable.Range(0, PerNode).SelectMany(i => new[] { (node1, $"a-{i}"), (node2, $"b-{i}") })
            .Select(async pair =>
            {
                var (node, name) = pair;
                using var response = await node.Client.PostAsync("/2015-03-31/functions", new StringContent(CreateBody(name, zip), Encoding.UTF8, "application/json")).WithTimeout();
                return (Name: name, Status: (int)response.StatusCode, Body: await response.Content.ReadAsStringAsync());
            }));
        foreach (var refused in creates.Where(c => c.Status != 201))
        {
            Assert.Equal(409, refused.Status);
            Assert.Contains("An update is in progress for resource", refused.Body);
        }
        var created = creates.Where(c => c.Status == 201).Select(c => c.Name).ToHashSet();
        output.WriteLine($"{created.Count} of {creates.Length} concurrent creates committed; {creates.Length - created.Count} refused with ResourceConflictException");
        Assert.NotEmpty(created);
        foreach (var node in new[] { node1, node2 })
        {
            await Poll.UntilAsync(async () => (await ListNamesAsync(node)).SetEquals(created), "exactly the committed functions listed on every node", 10_000);
        }

        // The same new name on both nodes at once: exactly one 201, the other AWS's 409 "Function already exist".
        var answers = await Task.WhenAll(new[] { node1, node2 }.Select(async node =>
        {
            using var response = await node.Client.PostAsync("/2015-03-31/functions", new StringContent(CreateBody("contested", zip), Encoding.UTF8, "application/json"));
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }));
        Assert.Equal([201, 409], answers.Select(a => a.Item1).Order());
        Assert.Contains("Function already exist: contested", answers.Single(a => a.Item1 == 409).Item2);
    }

    [Fact]
    public async Task A_node_joining_later_loads_the_cluster_and_its_functions_file_seeds_only_what_the_cluster_lacks()
    {
        await using var redis = await RegistryRedis.StartAsync();
        await using var node1 = await GatewayProcess.StartAsync([TestFunction.Sample("from-file-1", "echo")], redis.NodeArgs("n1"));
        await node1.CreateFunctionAsync("from-api", FunctionZip.BashAnswering("""{"api":true}"""));
        await node1.SendAsync(HttpMethod.Put, "/2015-03-31/functions/from-file-1/configuration", new JsonObject { ["Description"] = "changed through the API" }, HttpStatusCode.OK);

        // Node 2's file names from-file-1 too (the cluster's changed state wins) and a new one (seeded for everyone).
        await using var node2 = await GatewayProcess.StartAsync([TestFunction.Sample("from-file-1", "echo"), TestFunction.Sample("from-file-2", "echo")], redis.NodeArgs("n2"));
        using (var invoked = await node2.InvokeAsync("from-api", "{}"))
        {
            Assert.Equal("""{"api":true}""", await invoked.Content.ReadAsStringAsync());
        }
        Assert.Equal("changed through the API", (await node2.GetFunctionConfigurationAsync("from-file-1"))["Description"]!.GetValue<string>());
        Assert.Contains("from-file-1: the cluster's registry has this function already", node2.Output);
        await SeenWithinAsync("node 1 serves the function node 2's file seeded", async () =>
        {
            using var response = await node1.Client.GetAsync("/2015-03-31/functions/from-file-2/configuration");
            return response.StatusCode == HttpStatusCode.OK;
        });
    }

    /// <summary>
    /// A function with a layer runs with that layer on a node that never had it: the layer's zip travels through Redis
    /// with the function's code and the node merges its own /opt from it (before, it ran with an empty /opt there).
    /// </summary>
    [Fact]
    public async Task A_function_with_a_layer_runs_with_it_on_a_node_that_never_published_the_layer()
    {
        await using var redis = await RegistryRedis.StartAsync();
        await using var node1 = await GatewayProcess.StartAsync([], redis.NodeArgs("n1"));
        await using var node2 = await GatewayProcess.StartAsync([], redis.NodeArgs("n2"));
        var layerZip = FunctionZip.Build(("greeting.txt", "from the layer", 0b110_100_100));
        var layer = await node1.SendAsync(HttpMethod.Post, "/2018-10-31/layers/greeting/versions",
            new JsonObject { ["Content"] = new JsonObject { ["ZipFile"] = Convert.ToBase64String(layerZip) } }, HttpStatusCode.Created);
        var layerArn = layer["LayerVersionArn"]!.GetValue<string>();
        await node1.SendAsync(HttpMethod.Post, "/2015-03-31/functions", new JsonObject
        {
            ["FunctionName"] = "layered", ["Runtime"] = "provided.al2023", ["Role"] = ManagementApi.Role, ["Handler"] = "shell", ["Timeout"] = 30,
            ["Code"] = new JsonObject { ["ZipFile"] = Convert.ToBase64String(ShellFunction.Zip()) },
            ["Layers"] = new JsonArray(layerArn),
        }, HttpStatusCode.Created);
        const string read = "cat \"${GATEWAY_OPT_DIR:-/opt}/greeting.txt\"";
        Assert.Equal("from the layer", await ShellFunction.RunAsync(node1, "layered", read));
        // Node 1's merged folders go, as on another machine: node 2 must have its own.
        Directory.Delete(Path.Combine(node1.DataDirectory, "code", "opt"), recursive: true);

        await SeenWithinAsync("node 2 serves the layered function", async () =>
        {
            using var response = await node2.Client.GetAsync("/2015-03-31/functions/layered/configuration");
            return response.StatusCode == HttpStatusCode.OK;
        });
        Assert.Equal("from the layer", await ShellFunction.RunAsync(node2, "layered", read));
        var layers = (await node2.GetFunctionConfigurationAsync("layered"))["Layers"]!.AsArray();
        Assert.Equal(layerArn, Assert.Single(layers)!["Arn"]!.GetValue<string>());
    }

    /// <summary>
    /// The propagation delay, measured: 50 reserved-concurrency changes on node 1, each polled on node 2 every 5 ms
    /// until it shows; prints p50 and max (the API answer on node 1 → node 2's API answering with the new value).
    /// </summary>
    [Fact]
    public async Task Propagation_delay_over_50_changes()
    {
        await using var redis = await RegistryRedis.StartAsync();
        await using var node1 = await GatewayProcess.StartAsync([TestFunction.Sample("measured", "echo")], redis.NodeArgs("n1"));
        await using var node2 = await GatewayProcess.StartAsync([TestFunction.Sample("measured", "echo")], redis.NodeArgs("n2"));
        var delays = new List<double>();
        for (int i = 1; i <= 50; i++)
        {
            await node1.SendAsync(HttpMethod.Put, "/2017-10-31/functions/measured/concurrency", new JsonObject { ["ReservedConcurrentExecutions"] = i }, HttpStatusCode.OK);
            var clock = Stopwatch.StartNew();
            await Poll.UntilAsync(async () =>
            {
                using var response = await node2.Client.GetAsync("/2019-09-30/functions/measured/concurrency");
                var text = await response.Content.ReadAsStringAsync();
                if (text.Contains($"\"ReservedConcurrentExecutions\":{i}}}", StringComparison.Ordinal))
                {
                    return true;
                }
                await Task.Delay(5);
                return false;
            }, $"change {i} on node 2", 10_000);
            delays.Add(clock.Elapsed.TotalMilliseconds);
        }
        delays.Sort();
        output.WriteLine($"registry propagation over {delays.Count} changes (node 1 API answer → node 2 API shows it, 5 ms polls): " +
            $"p50 {delays[delays.Count / 2]:F1} ms, p90 {delays[delays.Count * 9 / 10]:F1} ms, max {delays[^1]:F1} ms; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        Assert.Equal(50, delays.Count);
    }

    private static string CreateBody(string name, byte[] zip) => new JsonObject
    {
        ["FunctionName"] = name, ["Runtime"] = "provided.al2023", ["Role"] = ManagementApi.Role, ["Handler"] = "function.handler",
        ["Code"] = new JsonObject { ["ZipFile"] = Convert.ToBase64String(zip) },
    }.ToWire();

    private static async Task<HashSet<string>> ListNamesAsync(GatewayProcess node)
    {
        var list = JsonNode.Parse(await node.Client.GetStringAsync("/2015-03-31/functions?MaxItems=50"))!;
        return list["Functions"]!.AsArray().Select(f => f!["FunctionName"]!.GetValue<string>()).ToHashSet();
    }

    /// <summary>Polls <paramref name="condition"/> 50 ms apart; fails past <see cref="MaxPolls"/> polls (the issue's 1 s).</summary>
    private async Task SeenWithinAsync(string what, Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        for (int poll = 1; poll <= MaxPolls; poll++)
        {
            if (await condition().WithTimeout(10_000))
            {
                output.WriteLine($"{what}: after {poll} poll(s), {clock.Elapsed.TotalMilliseconds:F0} ms");
                return;
            }
            await Task.Delay(50);
        }
        Assert.Fail($"{what}: not seen within {MaxPolls} polls 50 ms apart ({clock.Elapsed.TotalMilliseconds:F0} ms)");
    }

    /// <summary>A redis-server for these tests (AOF always, a free port, its own folder).</summary>
    private sealed class RegistryRedis : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly string _directory;

        private RegistryRedis(Process process, string directory, int port)
        {
            _process = process;
            _directory = directory;
            Url = $"redis://127.0.0.1:{port}";
        }

        public string Url { get; }

        public string[] NodeArgs(string nodeId) => ["--cluster", Url, "--node-id", nodeId, "--cluster-nodes", "2"];

        public static async Task<RegistryRedis> StartAsync()
        {
            int port = GatewayProcess.FreePort();
            string directory = Directory.CreateTempSubdirectory("gateway-registry-redis-").FullName;
            var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory,
                         "--appendonly", "yes", "--appendfsync", "always", "--save", "" })
            {
                start.ArgumentList.Add(arg);
            }
            var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start (scripts/install-deps.sh installs it)");
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var redis = new RegistryRedis(process, directory, port);
            await Poll.UntilAsync(async () =>
            {
                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync(IPAddress.Loopback, port);
                    return true;
                }
                catch (SocketException)
                {
                    return false;
                }
            }, $"redis-server to listen on {port}", 10_000);
            return redis;
        }

        /// <summary>SIGKILL: Redis is gone until the test ends.</summary>
        public async Task KillAsync()
        {
            _process.Kill();
            await _process.WaitForExitAsync().WithTimeout(10_000);
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync().WithTimeout(10_000);
            }
            _process.Dispose();
            TestMounts.RemoveUnder(_directory);
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
