namespace Gateway.Tests;

/// <summary>
/// --runtime-api-server kestrel (issue 15's A/B): Kestrel serves each environment's Runtime API, and the C# runtime
/// (Unix socket, pipelined and not), the stock bash + curl runtime (TCP) and the gateway's endings (errors, timeouts,
/// init errors) behave as with the hand-written server. Any other test runs on Kestrel with
/// GATEWAY_TEST_RUNTIME_API_SERVER=kestrel.
/// </summary>
public sealed class KestrelRuntimeApiTests : IAsyncLifetime
{
    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayProcess.StartAsync(
    [
        TestFunction.Sample("echo") with { Provisioned = 2, MaxEnvironments = 4 },
        TestFunction.Sample("unpipelined-echo", "echo") with { Environment = new() { ["GATEWAY_RUNTIME_PIPELINING"] = "0" } },
        TestFunction.Sample("sleep") with { Timeout = 1, MaxEnvironments = 2 },
        TestFunction.Sample("fail"),
        TestFunction.Sample("initfail") with { Provisioned = 0 },
        new TestFunction("bash-echo", TestPaths.BashEchoDirectory, "function.handler"),
    ], new Dictionary<string, string?>(), "--runtime-api-server", "kestrel");

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task Sync_invocations_round_trip_exactly_through_Kestrel_on_the_unix_socket()
    {
        Assert.Contains("Runtime API served by Kestrel", _gateway.Output);
        foreach (var function in new[] { "echo", "unpipelined-echo" })
        {
            for (int i = 0; i < 20; i++)
            {
                var payload = $$"""{"n":{{i}},"function":"{{function}}"}""";
                using var response = await _gateway.InvokeAsync(function, payload);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.False(response.Headers.Contains("X-Amz-Function-Error"));
                Assert.Equal(payload, await response.Content.ReadAsStringAsync());
            }
        }
        // Larger than one synchronous write (the event goes out segment by segment) and than one read of the answer.
        var large = "\"" + new string('x', 300_000) + "\"";
        using var big = await _gateway.InvokeAsync("echo", large);
        Assert.Equal(large, await big.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_function_error_reaches_the_caller_verbatim()
    {
        using var response = await _gateway.InvokeAsync("fail", "{}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        var body = await GatewayProcess.ReadJsonAsync(response);
        Assert.Equal("InvalidOperationException", body.GetProperty("errorType").GetString());
        Assert.Contains("fail", body.GetProperty("errorMessage").GetString());
    }

    [Fact]
    public async Task A_timeout_is_Sandbox_Timedout_and_the_next_environment_serves_again()
    {
        using var response = await _gateway.InvokeAsync("sleep", """{"ms":5000}""");

        var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();
        Assert.Equal($$"""{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: {{requestId}} Error: Task timed out after 1.00 seconds"}""", await response.Content.ReadAsStringAsync());
        var logs = await _gateway.WaitForLogAsync("sleep", $"REPORT RequestId: {requestId}");
        Assert.Contains($"{requestId} Task timed out after 1.00 seconds", logs);
        using var next = await _gateway.InvokeAsync("sleep", """{"ms":1}""");
        Assert.Equal("""{"sleptMs":1}""", await next.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_init_error_is_reported_to_the_invocation_that_waited_for_it()
    {
        using var response = await _gateway.InvokeAsync("initfail", "{}");

        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        var body = await GatewayProcess.ReadJsonAsync(response);
        Assert.Contains("init", body.GetProperty("errorMessage").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_stock_bash_and_curl_runtime_works_unmodified_over_TCP()
    {
        var payload = """{"text":"Hello from bash","n":[1,2,3]}""";
        for (int i = 0; i < 3; i++)
        {
            using var response = await _gateway.InvokeAsync("bash-echo", payload, logType: "Tail");

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(payload, await response.Content.ReadAsStringAsync());
            Assert.Contains("START RequestId:", Encoding.UTF8.GetString(Convert.FromBase64String(response.Headers.GetValues("X-Amz-Log-Result").Single())));
        }
    }
}
