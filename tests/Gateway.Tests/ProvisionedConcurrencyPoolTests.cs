using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>
/// Provisioned concurrency of a function without a reservation is held back from the account's unreserved pool, busy or
/// idle (monitoring-concurrency.html: limit 1,000, 200 provisioned for one function → "only 200 … remaining" after the
/// reservations; "Provisioned concurrency counts towards … Regional quotas"): other functions cannot use its slots, and
/// a READY provisioned alias is not throttled because they used the account up.
/// </summary>
public sealed class ProvisionedConcurrencyPoolTests
{
    [Fact]
    public async Task A_ready_provisioned_alias_keeps_its_slot_while_other_functions_use_the_account_up()
    {
        var root = Directory.CreateTempSubdirectory("gateway-pcpool-").FullName;
        await File.WriteAllTextAsync(Path.Combine(root, "functions.json"), """{"Functions":[]}""");
        await using var gateway = GatewayProcess.Launch(root, GatewayProcess.FreePort(),
            "--account-concurrency-limit", "3", "--minimum-unreserved-concurrency", "0");
        await gateway.WaitUntilWarmAsync();
        await ShellFunction.CreateAsync(gateway, "blue");
        await gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions/blue/versions", new JsonObject(), HttpStatusCode.Created);
        await gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions/blue/aliases", new JsonObject { ["Name"] = "pc", ["FunctionVersion"] = "1" }, HttpStatusCode.Created);
        await gateway.SendAsync(HttpMethod.Put, "/2019-09-30/functions/blue/provisioned-concurrency?Qualifier=pc",
            new JsonObject { ["ProvisionedConcurrentExecutions"] = 1 }, HttpStatusCode.Accepted);
        await Poll.UntilAsync(async () => (await gateway.SendAsync(HttpMethod.Get, "/2019-09-30/functions/blue/provisioned-concurrency?Qualifier=pc", null, HttpStatusCode.OK))
            ["Status"]!.GetValue<string>() == "READY", "provisioned concurrency READY", 60_000);
        await ShellFunction.CreateAsync(gateway, "hog");

        var settings = await gateway.SendAsync(HttpMethod.Get, "/2016-08-19/account-settings", null, HttpStatusCode.OK);
        Assert.Equal(3, settings["AccountLimit"]!["ConcurrentExecutions"]!.GetValue<int>());
        Assert.Equal(2, settings["AccountLimit"]!["UnreservedConcurrentExecutions"]!.GetValue<int>());

        // Two slots are left to on-demand environments: two hogs take them, a third is throttled.
        var hogs = Enumerable.Range(0, 2).Select(_ => ShellFunction.RunAsync(gateway, "hog", "sleep 4; echo hog")).ToArray();
        await Poll.UntilAsync(async () => await gateway.MetricAsync("lambda_concurrent_executions", "hog") == 2, "two hogs in flight");
        using (var third = await gateway.InvokeAsync("hog", "\"" + Convert.ToBase64String(Encoding.UTF8.GetBytes("echo third")) + "\""))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
            Assert.Contains("\"Reason\":\"ConcurrentInvocationLimitExceeded\"", await third.Content.ReadAsStringAsync());
        }

        // The provisioned alias runs on its own slot meanwhile.
        Assert.Equal("pc\n", await ShellFunction.RunAsync(gateway, "blue:pc", "echo pc"));
        Assert.All(await Task.WhenAll(hogs), output => Assert.Equal("hog\n", output));
    }
}
