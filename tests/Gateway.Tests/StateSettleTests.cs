using System.Net;
using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>
/// <c>--state-settle-ms</c>: a created function stays Pending and an updated one InProgress for that long, as on AWS,
/// so a client that forgets a waiter meets AWS's 409s here — an invoke of a Pending function ("The function is
/// currently in the following state: Pending") and a second update ("An update is in progress for resource: …",
/// LS-REC test_lambda_concurrent_code_updates) — while the aws CLI's waiters see it through. A gateway stopped
/// before a function settled settles it at its next start.
/// </summary>
public sealed class StateSettleTests : IAsyncLifetime
{
    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayProcess.StartAsync([], "--state-settle-ms", "2500");

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private static JsonObject Create(string name) => new()
    {
        ["FunctionName"] = name,
        ["Runtime"] = "provided.al2023",
        ["Role"] = ManagementApi.Role,
        ["Handler"] = "x",
        ["Code"] = new JsonObject { ["ZipFile"] = Convert.ToBase64String(FunctionZip.BashAnswering("settled")) },
    };

    private async Task<(HttpStatusCode Status, string? ErrorType, string Message)> SendAsync(HttpMethod method, string path, JsonObject? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? new StringContent("{}") : new StringContent(body.ToJsonString()) };
        using var response = await _gateway.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        string message = response.IsSuccessStatusCode ? text
            : (JsonNode.Parse(text)?["message"] ?? JsonNode.Parse(text)?["Message"])?.GetValue<string>() ?? text;
        return (response.StatusCode, response.Headers.TryGetValues("x-amzn-ErrorType", out var type) ? type.Single() : null, message);
    }

    [Fact]
    public async Task Pending_and_InProgress_last_as_set_and_refuse_as_AWS_meanwhile_while_the_CLIs_waiters_see_them_through()
    {
        await _gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions", Create("settling"), HttpStatusCode.Created);
        Assert.Equal("Pending", (await _gateway.GetFunctionConfigurationAsync("settling"))["State"]!.GetValue<string>());
        var early = await SendAsync(HttpMethod.Post, "/2015-03-31/functions/settling/invocations");
        Assert.Equal((HttpStatusCode.Conflict, "ResourceConflictException"), (early.Status, early.ErrorType));
        Assert.Equal("The operation cannot be performed at this time. The function is currently in the following state: Pending", early.Message);

        using var aws = new AwsCli("/usr/bin/aws");
        var active = await aws.LambdaAsync(_gateway, ["wait", "function-active-v2", "--function-name", "settling"]);
        Assert.True(active.ExitCode == 0, active.Stderr);
        var invoked = await SendAsync(HttpMethod.Post, "/2015-03-31/functions/settling/invocations");
        Assert.Equal(HttpStatusCode.OK, invoked.Status);

        var code = new JsonObject { ["ZipFile"] = Convert.ToBase64String(FunctionZip.BashAnswering("updated")) };
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Put, "/2015-03-31/functions/settling/code", code)).Status);
        var second = await SendAsync(HttpMethod.Put, "/2015-03-31/functions/settling/configuration", new JsonObject { ["Timeout"] = 5 });
        Assert.Equal((HttpStatusCode.Conflict, "ResourceConflictException"), (second.Status, second.ErrorType));
        Assert.Matches(@"^The operation cannot be performed at this time\. An update is in progress for resource: arn:aws:lambda:[a-z0-9-]+:\d{12}:function:settling$", second.Message);

        var updated = await aws.LambdaAsync(_gateway, ["wait", "function-updated-v2", "--function-name", "settling"]);
        Assert.True(updated.ExitCode == 0, updated.Stderr);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Put, "/2015-03-31/functions/settling/configuration", new JsonObject { ["Timeout"] = 5 })).Status);
    }

    [Fact]
    public async Task A_function_a_stopped_gateway_left_Pending_is_Active_after_the_restart()
    {
        await _gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions", Create("left-pending"), HttpStatusCode.Created);
        Assert.Equal(0, await _gateway.StopAsync());
        _gateway = await GatewayProcess.RestartAsync(_gateway);
        var configuration = await _gateway.GetFunctionConfigurationAsync("left-pending");
        Assert.Equal("Active", configuration["State"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Post, "/2015-03-31/functions/left-pending/invocations")).Status);
    }
}
