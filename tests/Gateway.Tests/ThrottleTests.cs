using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>One invocation per environment: when every environment is busy and no more may start, a sync invoke is throttled.</summary>
public sealed class ThrottleTests
{
    [Fact]
    public async Task Beyond_an_explicit_MaxEnvironments_a_sync_invoke_gets_429_with_the_gateways_own_reason()
    {
        await using var gateway = await GatewayProcess.StartAsync([TestFunction.Sample("sleep") with { Timeout = 10, Provisioned = 1, MaxEnvironments = 2 }]);

        var busy = Enumerable.Range(0, 2).Select(_ => gateway.InvokeAsync("sleep", """{"ms":2000}""")).ToArray();
        await Poll.UntilAsync(async () => (await gateway.WorkerPidsAsync("sleep")).Length == 2 && (await gateway.StatusAsync())["functions"]![0]!["idleEnvironments"]!.GetValue<int>() == 0, "both environments to be busy");

        using var throttled = await gateway.InvokeAsync("sleep", """{"ms":1}""");

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal("TooManyRequestsException", throttled.Headers.GetValues("x-amzn-ErrorType").Single());
        Assert.True(int.Parse(throttled.Headers.GetValues("Retry-After").Single()) >= 1);
        // Not a Lambda reason: nothing was reserved. The gateway names its own cap.
        var body = JsonNode.Parse(await throttled.Content.ReadAsStringAsync())!;
        Assert.Equal("GatewayEnvironmentLimitExceeded", body["Reason"]!.GetValue<string>());
        Assert.Contains("not a Lambda limit", body["message"]!.GetValue<string>());
        foreach (var response in await Task.WhenAll(busy).WithTimeout())
        {
            Assert.Equal("""{"sleptMs":2000}""", await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Event_invocations_wait_for_a_free_environment_instead_of_being_throttled()
    {
        await using var gateway = await GatewayProcess.StartAsync([TestFunction.Sample("sleep") with { Timeout = 10, Provisioned = 1, MaxEnvironments = 1 }]);

        var ids = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            using var response = await gateway.InvokeAsync("sleep", """{"ms":50}""", invocationType: "Event");
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            ids.Add(response.Headers.GetValues("x-amzn-RequestId").Single());
        }

        foreach (var id in ids)
        {
            await gateway.WaitForLogAsync("sleep", $"REPORT RequestId: {id}");
        }
        Assert.Single(await gateway.WorkerPidsAsync("sleep"));
    }

    [Fact]
    public async Task Reserved_concurrency_caps_a_function_with_Lambdas_reason()
    {
        await using var gateway = await GatewayProcess.StartAsync([TestFunction.Sample("slow") with { Timeout = 30, Provisioned = 0, ReservedConcurrentExecutions = 2 }]);

        var running = Enumerable.Range(0, 2).Select(_ => gateway.InvokeAsync("slow", """{"ms":1500}""")).ToArray();
        await Poll.UntilAsync(async () => (await gateway.WorkerPidsAsync("slow")).Length == 2, "two slow environments to be running");

        using var throttled = await gateway.InvokeAsync("slow", """{"ms":1}""");

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal("TooManyRequestsException", throttled.Headers.GetValues("x-amzn-ErrorType").Single());
        Assert.Equal("1", throttled.Headers.GetValues("Retry-After").Single());
        Assert.Equal("""{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}""", await throttled.Content.ReadAsStringAsync());
        foreach (var response in await Task.WhenAll(running).WithTimeout())
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        using var after = await gateway.InvokeAsync("slow", """{"ms":1}""");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode); // the units came back when the invocations ended
    }

    [Fact]
    public async Task Without_Retry_After_a_429_is_what_AWSs_recorded_reserved_concurrency_throttles_are()
    {
        // LocalStack's AWS recordings (test_lambda.py::test_reserved_concurrency, reserved 0): botocore found no
        // retryAfterSeconds, so AWS sent no Retry-After; --throttle-retry-after false answers the same.
        await using var gateway = await GatewayProcess.StartAsync(
            [TestFunction.Sample("slow") with { Timeout = 30, Provisioned = 0, ReservedConcurrentExecutions = 0 }], "--throttle-retry-after", "false");

        using var throttled = await gateway.InvokeAsync("slow", """{"ms":1}""");

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.False(throttled.Headers.Contains("Retry-After"));
        Assert.Equal("TooManyRequestsException", throttled.Headers.GetValues("x-amzn-ErrorType").Single());
        Assert.Equal("""{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}""", await throttled.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_account_concurrency_limit_throttles_with_ConcurrentInvocationLimitExceeded()
    {
        await using var gateway = await GatewayProcess.StartAsync(
            [TestFunction.Sample("slow") with { Timeout = 30, Provisioned = 0 }],
            "--Gateway:AccountConcurrencyLimit=2", "--Gateway:MinimumUnreservedConcurrency=1");

        var running = Enumerable.Range(0, 2).Select(_ => gateway.InvokeAsync("slow", """{"ms":1500}""")).ToArray();
        await Poll.UntilAsync(async () => (await gateway.WorkerPidsAsync("slow")).Length == 2, "two slow environments to be running");

        using var throttled = await gateway.InvokeAsync("slow", """{"ms":1}""");

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal("""{"Reason":"ConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}""", await throttled.Content.ReadAsStringAsync());
        await Task.WhenAll(running).WithTimeout();
    }

    [Fact]
    public async Task Reserving_too_much_of_the_account_is_refused_at_start_with_AWSs_message()
    {
        var root = Directory.CreateTempSubdirectory("gateway-test-").FullName;
        var function = TestFunction.Sample("echo") with { ReservedConcurrentExecutions = 950 };
        await File.WriteAllTextAsync(Path.Combine(root, "functions.json"), new System.Text.Json.Nodes.JsonObject { ["Functions"] = new System.Text.Json.Nodes.JsonArray(function.ToJson()) }.ToJsonString());
        var gateway = GatewayProcess.Launch(root, GatewayProcess.FreePort());
        await using var _ = gateway;
        await gateway.WaitForExitAsync();

        Assert.Contains("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].", gateway.Output);
    }

    [Fact]
    public async Task Idle_on_demand_environments_are_stopped_after_the_keep_alive_but_never_below_provisioned()
    {
        await using var gateway = await GatewayProcess.StartAsync(
            [TestFunction.Sample("sleep") with { Timeout = 10, Provisioned = 1, MaxEnvironments = 4 }],
            "--Gateway:EnvironmentKeepAliveSeconds=1");

        var responses = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => gateway.InvokeAsync("sleep", """{"ms":500}""")).ToArray()).WithTimeout();
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var scaledUp = await gateway.WorkerPidsAsync("sleep");
        Assert.Equal(3, scaledUp.Length);

        await Poll.UntilAsync(async () => (await gateway.WorkerPidsAsync("sleep")).Length == 1, "the two on-demand environments to be stopped");
        var remaining = (await gateway.WorkerPidsAsync("sleep")).Single();
        Assert.Equal("provisioned-concurrency", Processes.EnvironmentVariable(remaining, "AWS_LAMBDA_INITIALIZATION_TYPE"));
        Assert.Equal(2, scaledUp.Count(pid => !Processes.IsAlive(pid)));
        using var after = await gateway.InvokeAsync("sleep", """{"ms":1}""");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task A_throttled_event_is_not_dropped_it_is_retried_until_it_runs()
    {
        await using var gateway = await GatewayProcess.StartAsync([TestFunction.Sample("slow") with { Timeout = 30, Provisioned = 0, ReservedConcurrentExecutions = 1 }]);
        var holder = gateway.InvokeAsync("slow", """{"ms":1500}""");
        await Poll.UntilAsync(async () => (await gateway.WorkerPidsAsync("slow")).Length == 1, "the sync invocation to hold the reserved unit");

        using var accepted = await gateway.InvokeAsync("slow", """{"ms":1}""", invocationType: "Event");
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var eventId = accepted.Headers.GetValues("x-amzn-RequestId").Single();

        // Throttled at first (the unit is held), then retried with backoff (1 s, 2 s, …) until it runs.
        await gateway.WaitForLogAsync("slow", $"REPORT RequestId: {eventId}");
        using var held = await holder.WithTimeout();
        Assert.Equal(HttpStatusCode.OK, held.StatusCode);
    }

    [Fact]
    public async Task An_event_over_the_request_rate_is_refused_on_the_invoke_call_itself()
    {
        // Reserved concurrency 1 and 1 request per second per unit: the second Event in the same second is over the rate.
        await using var gateway = await GatewayProcess.StartAsync(
            [TestFunction.Sample("echo") with { Provisioned = 1, ReservedConcurrentExecutions = 1 }],
            "--Gateway:RequestRateMultiplier=1");

        using var first = await gateway.InvokeAsync("echo", "{}", invocationType: "Event");
        using var second = await gateway.InvokeAsync("echo", "{}", invocationType: "Event");

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal("""{"Reason":"ReservedFunctionInvocationRateLimitExceeded","Type":"User","message":"Rate Exceeded."}""", await second.Content.ReadAsStringAsync());
        Assert.Equal("1", second.Headers.GetValues("Retry-After").Single());
    }
}
