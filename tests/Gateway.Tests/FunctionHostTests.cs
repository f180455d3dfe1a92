using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>
/// The core built for change, end to end against the native binary: functions scale as Lambda scales, the machine's
/// own cap says what it is, a deploy under load loses no invocation, and the registry survives a restart.
/// </summary>
public sealed class FunctionHostTests
{
    [Fact]
    public async Task Without_a_reservation_a_function_scales_past_ten_environments()
    {
        // Before the reshape every function had a default cap of 10: 14 concurrent calls gave 10 × 200 and 4 × 429.
        await using var gateway = await GatewayProcess.StartAsync([TestFunction.Sample("sleep") with { Timeout = 30, Provisioned = 0 }]);

        var calls = Enumerable.Range(0, 14).Select(_ => gateway.InvokeAsync("sleep", """{"ms":1500}""")).ToArray();
        var responses = await Task.WhenAll(calls).WithTimeout(90_000);

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(14, (await gateway.StatusAsync())["functions"]![0]!["environments"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_machine_wide_environment_cap_refuses_with_its_own_reason_and_shows_in_metrics()
    {
        await using var gateway = await GatewayProcess.StartAsync([TestFunction.Sample("sleep") with { Timeout = 30, Provisioned = 0 }], "--Gateway:MaxEnvironments=2");

        var busy = Enumerable.Range(0, 2).Select(_ => gateway.InvokeAsync("sleep", """{"ms":2000}""")).ToArray();
        await Poll.UntilAsync(async () => (await gateway.WorkerPidsAsync("sleep")).Length == 2, "two environments to be running");
        using var refused = await gateway.InvokeAsync("sleep", """{"ms":1}""");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("GatewayEnvironmentLimitExceeded", JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["Reason"]!.GetValue<string>());
        var metrics = await gateway.Client.GetStringAsync("/metrics");
        Assert.Contains("gateway_environments_limit 2", metrics);
        Assert.Contains("""lambda_throttles_total{function="sleep",reason="GatewayEnvironmentLimitExceeded"} 1""", metrics);
        foreach (var response in await Task.WhenAll(busy).WithTimeout())
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task No_invocation_fails_while_the_code_is_updated_20_times()
    {
        await using var gateway = await GatewayProcess.StartAsync([]);
        await gateway.CreateFunctionAsync("deployed", FunctionZip.BashAnswering("""{"code":0}"""));
        await gateway.WaitUntilReadyAsync("deployed");

        using var stop = new CancellationTokenSource();
        var seen = new System.Collections.Concurrent.ConcurrentBag<string>();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        async Task FloodAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = await gateway.InvokeAsync("deployed", "{}");
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.OK || response.Headers.Contains("X-Amz-Function-Error"))
                {
                    failures.Add($"{(int)response.StatusCode} {body}");
                }
                else
                {
                    seen.Add(body);
                }
            }
        }
        var flood = Enumerable.Range(0, 4).Select(_ => Task.Run(FloodAsync)).ToArray();

        for (int version = 1; version <= 20; version++)
        {
            await gateway.UpdateFunctionCodeAsync("deployed", FunctionZip.BashAnswering($$"""{"code":{{version}}}"""));
            await gateway.WaitUntilReadyAsync("deployed");
            int target = version;
            await Poll.UntilAsync(() => seen.Contains($$"""{"code":{{target}}}"""), $"version {version}'s code to answer");
        }
        await stop.CancelAsync();
        await Task.WhenAll(flood).WithTimeout();

        Assert.True(failures.IsEmpty, string.Join('\n', failures) + "\n--- gateway output ---\n" + gateway.Output);
        Assert.All(seen, body => Assert.Matches("""^\{"code":([0-9]|1[0-9]|20)\}$""", body));
        Assert.DoesNotContain("Runtime.ExitError", gateway.Output);
    }

    [Fact]
    public async Task Functions_versions_aliases_and_concurrency_survive_a_restart()
    {
        await using var first = await GatewayProcess.StartAsync([]);
        {
            await first.CreateFunctionAsync("kept", FunctionZip.BashAnswering("""{"v":1}"""));
            await first.WaitUntilReadyAsync("kept");
            await first.SendAsync(HttpMethod.Post, "/2015-03-31/functions/kept/versions", new JsonObject(), HttpStatusCode.Created);
            await first.UpdateFunctionCodeAsync("kept", FunctionZip.BashAnswering("""{"v":2}"""));
            await first.WaitUntilReadyAsync("kept");
            await first.SendAsync(HttpMethod.Post, "/2015-03-31/functions/kept/aliases", new JsonObject { ["Name"] = "live", ["FunctionVersion"] = "1" }, HttpStatusCode.Created);
            await first.SendAsync(HttpMethod.Put, "/2017-10-31/functions/kept/concurrency", new JsonObject { ["ReservedConcurrentExecutions"] = 3 }, HttpStatusCode.OK);
            Assert.Equal(0, await first.StopAsync());
        }

        await using var gateway = await GatewayProcess.RestartAsync(first);

        var alias = await gateway.SendAsync(HttpMethod.Get, "/2015-03-31/functions/kept/aliases/live", null, HttpStatusCode.OK);
        Assert.Equal("1", alias["FunctionVersion"]!.GetValue<string>());
        var concurrency = await gateway.SendAsync(HttpMethod.Get, "/2019-09-30/functions/kept/concurrency", null, HttpStatusCode.OK);
        Assert.Equal(3, concurrency["ReservedConcurrentExecutions"]!.GetValue<int>());
        var versions = await gateway.SendAsync(HttpMethod.Get, "/2015-03-31/functions/kept/versions", null, HttpStatusCode.OK);
        Assert.Equal(["$LATEST", "1"], versions["Versions"]!.AsArray().Select(v => v!["Version"]!.GetValue<string>()));
        using var viaAlias = await gateway.InvokeAsync("kept:live", "{}");
        Assert.Equal("""{"v":1}""", await viaAlias.Content.ReadAsStringAsync());
        Assert.Equal("1", viaAlias.Headers.GetValues("X-Amz-Executed-Version").Single());
        using var latest = await gateway.InvokeAsync("kept", "{}");
        Assert.Equal("""{"v":2}""", await latest.Content.ReadAsStringAsync());
        Assert.Equal("$LATEST", latest.Headers.GetValues("X-Amz-Executed-Version").Single());
    }
}
