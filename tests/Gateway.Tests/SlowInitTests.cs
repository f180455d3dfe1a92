using System.Text.RegularExpressions;

namespace Gateway.Tests;

/// <summary>
/// An init that outlives the init phase's limit (AWS: 10 s; here <c>--init-timeout-seconds 1</c>) against the native
/// binary, with bash bootstraps that sleep before their first /next. AWS: "If all three tasks do not complete within 10
/// seconds, Lambda retries the Init phase at the time of the first function invocation with the configured function
/// timeout" (lambda-runtime-environment.html): an init that, whole, fits in the function's timeout succeeds (its time
/// is the invocation's Duration), and one longer than the timeout fails with the timeout in the message.
/// </summary>
public sealed class SlowInitTests : IAsyncLifetime
{
    private static readonly string Bootstrap = """
        #!/bin/bash
        set -euo pipefail
        sleep "$INIT_SLEEP"
        api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
        headers="$(mktemp)"
        while true; do
          curl -sS --fail -D "$headers" -o /dev/null "$api/invocation/next"
          id="$(grep -Fi 'Lambda-Runtime-Aws-Request-Id:' "$headers" | tr -d '[:space:]' | cut -d: -f2)"
          curl -sS -o /dev/null -X POST --data-binary '"ready"' "$api/invocation/$id/response"
        done

        """.Replace("\r", ""); // LF whatever the checkout's: bash reads a CR as part of a word

    private readonly string _code = Directory.CreateTempSubdirectory("gw-slow-init-").FullName;
    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync()
    {
        var bootstrap = Path.Combine(_code, "bootstrap");
        await File.WriteAllTextAsync(bootstrap, Bootstrap);
        File.SetUnixFileMode(bootstrap, (UnixFileMode)0b111_101_101);
        _gateway = await GatewayProcess.StartAsync(
        [
            new TestFunction("slow-init", _code, "handler") { Provisioned = 0, Timeout = 6, Environment = new() { ["INIT_SLEEP"] = "2" } },
            new TestFunction("never-ready", _code, "handler") { Provisioned = 0, Timeout = 2, Environment = new() { ["INIT_SLEEP"] = "600" } },
            new TestFunction("too-slow", _code, "handler") { Provisioned = 0, Timeout = 2, Environment = new() { ["INIT_SLEEP"] = "3" } },
        ], "--init-timeout-seconds", "1");
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        Directory.Delete(_code, recursive: true);
    }

    [Fact]
    public async Task An_init_past_the_init_limit_goes_on_within_the_function_timeout_and_succeeds()
    {
        using var response = await _gateway.InvokeAsync("slow-init", "{}", logType: "Tail");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("X-Amz-Function-Error"), await response.Content.ReadAsStringAsync());
        Assert.Equal("\"ready\"", await response.Content.ReadAsStringAsync());
        var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();
        var logs = await _gateway.WaitForLogAsync("slow-init", "REPORT RequestId: " + requestId);
        Assert.Contains("\tPhase: init\tStatus: timeout", logs);
        var report = logs.Split('\n').Single(l => l.StartsWith("REPORT RequestId: " + requestId, StringComparison.Ordinal));
        Assert.DoesNotContain("Init Duration", report); // the init's time was the invocation's ...
        Assert.DoesNotContain("Status:", report);
        var duration = double.Parse(Regex.Match(report, @"\tDuration: ([\d.]+) ms").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(duration >= 2000, report); // ... and is in its Duration (the bootstrap slept 2 s before its first /next)

        // The environment is ready now: the next invocation is warm.
        using var warm = await _gateway.InvokeAsync("slow-init", "{}");
        Assert.Equal("\"ready\"", await warm.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_init_that_never_finishes_times_out_with_the_function_timeout()
    {
        using var response = await _gateway.InvokeAsync("never-ready", "{}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();
        // As LocalStack's AWS recording of an init that never ends (test_lambda_runtime_exit_segfault) words it.
        Assert.Equal($$"""{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: {{requestId}} Error: Task timed out after 2.00 seconds"}""",
            await response.Content.ReadAsStringAsync());
        var logs = await _gateway.WaitForLogAsync("never-ready", "REPORT RequestId: " + requestId);
        var lines = logs.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        int start = lines.FindIndex(l => l.StartsWith("START RequestId: " + requestId, StringComparison.Ordinal));
        Assert.True(start > 0, logs);
        Assert.Matches(@"^INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: init\tStatus: timeout$", lines[start - 1]);
        Assert.Matches(@"^INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: invoke\tStatus: timeout$", lines[start + 1]);
        Assert.StartsWith("END RequestId: " + requestId, lines[start + 2]);
        Assert.EndsWith("\tStatus: timeout\t", lines[start + 3]);
    }

    [Fact]
    public async Task An_init_longer_than_the_function_timeout_fails_even_though_the_process_would_get_there()
    {
        // 3 s of init against a 2 s timeout: on AWS the retried init starts afresh and cannot fit, so neither may it here.
        using var response = await _gateway.InvokeAsync("too-slow", "{}");

        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();
        Assert.Equal($$"""{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: {{requestId}} Error: Task timed out after 2.00 seconds"}""",
            await response.Content.ReadAsStringAsync());
    }
}
