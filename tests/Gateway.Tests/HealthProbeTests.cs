namespace Gateway.Tests;

/// <summary>
/// The probes a load balancer or Kubernetes uses (Hosting/Probes/HealthProbes.cs, deploy/k8s/) and the graceful drain
/// on SIGTERM (<c>--drain-seconds</c>): readiness fails, requests in flight finish, then the gateway exits.
/// </summary>
public sealed class HealthProbeTests
{
    [Fact]
    public async Task Health_and_ready_answer_200_once_started()
    {
        await using var gateway = await GatewayProcess.StartAsync([TestFunction.Sample("echo")]);
        using var health = await gateway.Client.GetAsync("/_gateway/health").WithTimeout(10_000);
        using var ready = await gateway.Client.GetAsync("/_gateway/ready").WithTimeout(10_000);
        using var head = await gateway.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/_gateway/ready")).WithTimeout(10_000);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok\n", await health.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("ready\n", await ready.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
    }

    [Fact]
    public async Task Under_sigv4_only_the_two_probes_answer_unsigned()
    {
        var dir = Directory.CreateTempSubdirectory("gateway-probes-").FullName;
        try
        {
            var credentials = Path.Combine(dir, "credentials");
            await File.WriteAllTextAsync(credentials, "[tester]\naws_access_key_id = AKIDPROBES\naws_secret_access_key = secret\n");
            var root = Path.Combine(dir, "gw");
            Directory.CreateDirectory(root);
            await File.WriteAllTextAsync(Path.Combine(root, "functions.json"), """{ "Functions": [] }""");
            var gateway = GatewayProcess.Launch(root, GatewayProcess.FreePort(), "--auth", "sigv4", "--credentials", credentials);
            try
            {
                // The health probe is what makes waiting for an authenticated gateway possible at all.
                await Poll.UntilAsync(async () =>
                {
                    try
                    {
                        using var r = await gateway.Client.GetAsync("/_gateway/ready");
                        return r.StatusCode == HttpStatusCode.OK;
                    }
                    catch (HttpRequestException)
                    {
                        return false;
                    }
                }, "the signed gateway's readiness");
                using var health = await gateway.Client.GetAsync("/_gateway/health").WithTimeout(10_000);
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
                foreach (var path in new[] { "/_gateway/status", "/metrics", "/_gateway/healthz", "/_gateway/ready/x", "/2015-03-31/functions" })
                {
                    using var refused = await gateway.Client.GetAsync(path).WithTimeout(10_000);
                    Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{path}: {(int)refused.StatusCode}");
                }
                // POST to a probe path is not a probe: it goes through authentication like anything else.
                using var post = await gateway.Client.PostAsync("/_gateway/health", new StringContent("")).WithTimeout(10_000);
                Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
            }
            finally
            {
                await gateway.StopAsync();
                gateway.Client.Dispose();
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task With_drain_seconds_SIGTERM_lets_the_invocation_in_flight_finish()
    {
        await using var gateway = await GatewayProcess.StartAsync([TestFunction.Sample("sleep") with { Timeout = 30 }], "--drain-seconds", "60");
        var workers = await gateway.WorkerPidsAsync("sleep");
        // The invocation holds an environment (it has been dispatched) before SIGTERM.
        var inFlight = gateway.InvokeAsync("sleep", """{"ms": 3000}""");
        await Poll.UntilAsync(async () => (await gateway.StatusAsync())["functions"]!.AsArray()
            .Any(f => f!["environments"]!.GetValue<int>() > f["idleEnvironments"]!.GetValue<int>()), "the invocation to be running", 20_000);
        Processes.Signal(gateway.Pid, Processes.SIGTERM);

        using var answer = await inFlight.WithTimeout(60_000);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.False(answer.Headers.Contains("X-Amz-Function-Error"));
        Assert.Equal("""{"sleptMs":3000}""", await answer.Content.ReadAsStringAsync());
        await gateway.WaitForExitAsync(60_000);
        Assert.Equal(0, gateway.ExitCode);
        await Poll.UntilAsync(() => workers.All(pid => !Processes.IsAlive(pid)), "the workers to stop after the drain");
    }
}
