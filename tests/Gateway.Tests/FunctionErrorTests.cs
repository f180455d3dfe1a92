namespace Gateway.Tests;

/// <summary>How function failures reach the caller: 200 + X-Amz-Function-Error: Unhandled and AWS's error documents.</summary>
[Collection(SharedGatewayCollection.Name)]
public sealed class FunctionErrorTests(SharedGateway shared)
{
    private GatewayProcess Gateway => shared.Gateway;

    [Fact]
    public async Task A_runtime_reported_error_is_passed_through_verbatim()
    {
        using var response = await Gateway.InvokeAsync("fail", "{}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        var body = await GatewayProcess.ReadJsonAsync(response);
        Assert.Equal("InvalidOperationException", body.GetProperty("errorType").GetString());
        Assert.Contains("fail", body.GetProperty("errorMessage").GetString());
        Assert.True(body.GetProperty("stackTrace").GetArrayLength() > 0);
    }

    [Fact]
    public async Task A_runtime_that_exits_mid_invocation_is_Runtime_ExitError_and_is_replaced()
    {
        var before = await Gateway.WorkerPidsAsync("crash");

        using var response = await Gateway.InvokeAsync("crash", "{}", logType: "Tail");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();
        Assert.Equal($$"""{"errorType":"Runtime.ExitError","errorMessage":"RequestId: {{requestId}} Error: Runtime exited with error: exit status 3"}""", await response.Content.ReadAsStringAsync());
        var tail = Encoding.UTF8.GetString(Convert.FromBase64String(response.Headers.GetValues("X-Amz-Log-Result").Single()));
        Assert.Contains("crash", tail); // the line the function wrote to stderr before exiting
        // The REPORT names the error after its status, as AWS writes it for a failure during the invoke phase.
        var report = tail.Split('\n').Single(l => l.StartsWith("REPORT RequestId: " + requestId, StringComparison.Ordinal));
        Assert.EndsWith("\tStatus: error\tError Type: Runtime.ExitError\t", report);

        // The dead environment is replaced by a new pre-forked one, which serves the next invocation.
        await Poll.UntilAsync(async () => (await Gateway.WorkerPidsAsync("crash")) is [var pid] && !before.Contains(pid) && Processes.IsAlive(pid), "a replacement crash environment");
        Assert.All(before, pid => Assert.False(Processes.IsAlive(pid)));
        using var again = await Gateway.InvokeAsync("crash", "{}");
        Assert.Contains("exit status 3", await again.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_runtime_that_exits_0_mid_invocation_exited_without_providing_a_reason()
    {
        using var response = await Gateway.InvokeAsync("exit0", "{}");

        var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();
        Assert.Equal($$"""{"errorType":"Runtime.ExitError","errorMessage":"RequestId: {{requestId}} Error: Runtime exited without providing a reason"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_timeout_is_Sandbox_Timedout_and_the_environment_is_killed_and_replaced()
    {
        var before = await Gateway.WorkerPidsAsync("sleep");

        using var response = await Gateway.InvokeAsync("sleep", """{"ms":5000}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();
        Assert.Equal($$"""{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: {{requestId}} Error: Task timed out after 1.00 seconds"}""", await response.Content.ReadAsStringAsync());
        await Poll.UntilAsync(() => before.All(pid => !Processes.IsAlive(pid)), "the timed-out environment to be killed");
        var logs = await Gateway.WaitForLogAsync("sleep", $"REPORT RequestId: {requestId}");
        Assert.Contains($"{requestId} Task timed out after 1.00 seconds", logs);

        using var next = await Gateway.InvokeAsync("sleep", """{"ms":1}""");
        Assert.Equal("""{"sleptMs":1}""", await next.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_init_error_is_reported_verbatim_to_the_invocation_that_waited_for_it()
    {
        using var response = await Gateway.InvokeAsync("initfail", "{}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        var body = await GatewayProcess.ReadJsonAsync(response);
        Assert.False(string.IsNullOrEmpty(body.GetProperty("errorType").GetString()));
        Assert.Contains("init", body.GetProperty("errorMessage").GetString(), StringComparison.OrdinalIgnoreCase);
        var logs = await Gateway.WaitForLogAsync("initfail", "INIT_REPORT Init Duration:");
        Assert.Contains("Phase: init\tStatus: error", logs);
        var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();
        // The invocation's REPORT names the error too, as AWS's does after a failed init: the type the runtime posted
        // with /init/error (Lambda-Runtime-Function-Error-Type), as in INIT_REPORT.
        var logLines = (await Gateway.WaitForLogAsync("initfail", "REPORT RequestId: " + requestId)).Split('\n');
        var report = logLines.Single(l => l.StartsWith("REPORT RequestId: " + requestId, StringComparison.Ordinal)).TrimEnd('\r');
        var initReport = logLines.Last(l => l.StartsWith("INIT_REPORT", StringComparison.Ordinal)).TrimEnd('\r');
        var errorType = initReport[(initReport.IndexOf("Error Type: ", StringComparison.Ordinal) + "Error Type: ".Length)..];
        Assert.EndsWith($"\tStatus: error\tError Type: {errorType}\t", report);
    }

    [Fact]
    public async Task A_response_over_6_MB_plus_100_bytes_is_Function_ResponseSizeTooLarge()
    {
        using var fits = await Gateway.InvokeAsync("big", """{"bytes":6291556}""");
        Assert.False(fits.Headers.Contains("X-Amz-Function-Error"));
        Assert.Equal(6291556, (await fits.Content.ReadAsByteArrayAsync()).Length);

        using var response = await Gateway.InvokeAsync("big", """{"bytes":6291557}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        Assert.Equal("""{"errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"}""", await response.Content.ReadAsStringAsync());
        using var after = await Gateway.InvokeAsync("big", """{"bytes":3}""");
        Assert.Equal("aaa", await after.Content.ReadAsStringAsync());
    }
}
