namespace Gateway.Tests;

/// <summary>Starting, stopping and crashing gateways: no orphan workers, no stale sockets, bad configuration refused.</summary>
public sealed class LifecycleTests
{
    [Fact]
    public async Task SIGTERM_stops_the_gateway_and_every_worker_and_removes_the_sockets()
    {
        var gateway = await GatewayProcess.StartAsync([TestFunction.Sample("echo") with { Provisioned = 3 }, new TestFunction("bash-echo", TestPaths.BashEchoDirectory, "function.handler")]);
        await using var _ = gateway;
        var workers = await gateway.AllWorkerPidsAsync();
        Assert.Equal(4, workers.Length);
        Assert.All(workers, pid => Assert.True(Processes.IsAlive(pid)));

        int exitCode = await gateway.StopAsync();

        Assert.Equal(0, exitCode);
        await Poll.UntilAsync(() => workers.All(pid => !Processes.IsAlive(pid)), "every worker to be gone");
        var run = Path.Combine(gateway.DataDirectory, "run");
        Assert.Empty(Directory.Exists(run) ? Directory.GetFiles(run) : []);
        var tmp = Path.Combine(gateway.DataDirectory, "tmp");
        Assert.Empty(Directory.Exists(tmp) ? Directory.GetDirectories(tmp) : []);
        // One log stream per environment ever started: none was started to replace those the shutdown killed.
        Assert.Equal(3, Directory.GetFiles(Path.Combine(gateway.DataDirectory, "logs", "echo"), "*.log").Length);
        Assert.Single(Directory.GetFiles(Path.Combine(gateway.DataDirectory, "logs", "bash-echo"), "*.log"));
    }

    [Fact]
    public async Task Workers_die_with_a_gateway_killed_by_SIGKILL_and_a_restart_cleans_up()
    {
        var gateway = await GatewayProcess.StartAsync([TestFunction.Sample("echo") with { Provisioned = 2 }, new TestFunction("bash-echo", TestPaths.BashEchoDirectory, "function.handler")]);
        var workers = await gateway.AllWorkerPidsAsync();

        gateway.Kill();

        // PR_SET_PDEATHSIG, set in each worker between fork and exec (gateway_spawn.c), kills it when the gateway dies.
        await Poll.UntilAsync(() => workers.All(pid => !Processes.IsAlive(pid)), "workers to die with the gateway");
        await using var restarted = await GatewayProcess.RestartAsync(gateway);
        using var response = await restarted.InvokeAsync("echo", "\"after a crash\"");
        Assert.Equal("\"after a crash\"", await response.Content.ReadAsStringAsync());
        var sockets = Directory.GetFiles(Path.Combine(restarted.DataDirectory, "run"), "*.sock");
        Assert.Equal(3, sockets.Length); // only the new environments' sockets
        await gateway.DisposeAsync();
    }

    [Fact]
    public async Task Without_setpriv_on_PATH_workers_still_die_with_a_gateway_killed_by_SIGKILL()
    {
        // The native gateway sets the parent-death signal itself; setpriv is only the JIT build's fallback. With no
        // PATH to find it on, the guarantee must hold all the same (and the gateway says nothing about setpriv).
        var gateway = await GatewayProcess.StartWithEnvironmentAsync([TestFunction.Sample("echo") with { Provisioned = 2 }], new Dictionary<string, string?> { ["PATH"] = "/nonexistent" });
        var workers = await gateway.AllWorkerPidsAsync();
        Assert.Equal(2, workers.Length);
        using (var response = await gateway.InvokeAsync("echo", "\"alive\""))
        {
            Assert.Equal("\"alive\"", await response.Content.ReadAsStringAsync());
        }

        gateway.Kill();

        await Poll.UntilAsync(() => workers.All(pid => !Processes.IsAlive(pid)), "workers to die with the gateway");
        Assert.DoesNotContain("setpriv", gateway.Output);
        await gateway.DisposeAsync();
    }

    [Fact]
    public async Task A_function_with_a_reserved_environment_variable_is_refused_at_start()
    {
        var output = await OutputOfRefusedStartAsync(TestFunction.Sample("echo") with { Environment = new() { ["AWS_REGION"] = "eu-west-1", ["OK_KEY"] = "v" } });

        Assert.Contains("Reserved keys used in this request: AWS_REGION", output);
    }

    [Fact]
    public async Task Environment_variables_over_4_KB_are_refused_with_the_measured_string()
    {
        // {"BIG":"…"} is 10 bytes + the value: 4087 bytes of value make 4097 bytes.
        var output = await OutputOfRefusedStartAsync(TestFunction.Sample("echo") with { Environment = new() { ["BIG"] = new string('x', 4087) } });

        Assert.Contains("exceeded the 4KB limit. String measured: {\"BIG\":\"xxx", output);
    }

    [Fact]
    public async Task An_async_clock_rate_of_zero_is_refused_at_start()
    {
        var output = await OutputOfRefusedStartAsync(TestFunction.Sample("echo"), "--Gateway:AsyncClockRate=0");

        Assert.Contains("Gateway:AsyncClockRate must be greater than 0", output);
    }

    [Fact]
    public async Task A_request_body_budget_smaller_than_the_payload_limit_is_refused_at_start()
    {
        var output = await OutputOfRefusedStartAsync(TestFunction.Sample("echo"), "--Gateway:RequestBodyBufferBytes=1000000");

        Assert.Contains("Gateway:RequestBodyBufferBytes must be at least the largest payload limit (6291456 bytes), not 1000000.", output);
    }

    /// <summary>Starts a gateway with one function it must refuse, waits for it to exit, and returns what it printed.</summary>
    private static async Task<string> OutputOfRefusedStartAsync(TestFunction function, params string[] extraArgs)
    {
        var root = Directory.CreateTempSubdirectory("gateway-test-").FullName;
        await File.WriteAllTextAsync(Path.Combine(root, "functions.json"), new System.Text.Json.Nodes.JsonObject { ["Functions"] = new System.Text.Json.Nodes.JsonArray(function.ToJson()) }.ToJsonString());
        var gateway = GatewayProcess.Launch(root, GatewayProcess.FreePort(), extraArgs);
        await using var _ = gateway; // deletes root
        await gateway.WaitForExitAsync();
        Assert.NotEqual(0, gateway.ExitCode);
        return gateway.Output;
    }
}
