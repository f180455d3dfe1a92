namespace Gateway.Tests;

/// <summary>AWS's official Node.js runtime interface client (aws-lambda-ric 3.3.0) as a function's bootstrap, unmodified, over TCP.</summary>
public sealed class NodeRuntimeTests : IAsyncLifetime
{
    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync()
    {
        var environment = new Dictionary<string, string> { ["GATEWAY_NODE_RIC_DIR"] = TestPaths.NodeRicDirectory };
        _gateway = await GatewayProcess.StartAsync(
        [
            new TestFunction("node-echo", TestPaths.NodeEchoDirectory, "index.handler") { Environment = environment, Timeout = 10 },
            new TestFunction("node-fail", TestPaths.NodeEchoDirectory, "index.fail") { Environment = environment, Timeout = 10 },
        ], "--sandbox", "none"); // the fixture runs the RIC from a host folder outside its code, which a namespace does not show
    }

    public Task DisposeAsync() => _gateway.DisposeAsync().AsTask();

    [Fact]
    public async Task The_Node_runtime_interface_client_runs_a_function()
    {
        var payload = """{"hello":"node","list":[1,2,3]}""";

        using var response = await _gateway.InvokeAsync("node-echo", payload, logType: "Tail");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(payload, await response.Content.ReadAsStringAsync());
        var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();
        Assert.Contains($"END RequestId: {requestId}", Encoding.UTF8.GetString(Convert.FromBase64String(response.Headers.GetValues("X-Amz-Log-Result").Single())));

        // And again on the same warm environment.
        using var second = await _gateway.InvokeAsync("node-echo", "[42]");
        Assert.Equal("[42]", await second.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_Node_handler_error_reaches_the_caller_as_an_Unhandled_function_error()
    {
        using var response = await _gateway.InvokeAsync("node-fail", "{}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        var body = await GatewayProcess.ReadJsonAsync(response);
        Assert.Equal("Error", body.GetProperty("errorType").GetString());
        Assert.Equal("node-echo: failure requested", body.GetProperty("errorMessage").GetString());
        Assert.True(body.GetProperty("trace").GetArrayLength() > 0);
    }
}
