using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Gateway.Tests;

/// <summary>
/// AWS retries a failed on-demand init once, in the invoke phase, before it answers the invocation that waited for it
/// ("suppressed init"). Recorded CloudWatch logs read INIT_START, the init's output, <c>INIT_REPORT … Phase: init Status:
/// error</c>, the same output again (no second INIT_START), <c>INIT_REPORT … Phase: invoke Status: error</c>, START, END,
/// REPORT; a function whose init fails only the first time therefore succeeds on its first invocation.
/// </summary>
public sealed partial class InitRetryTests : IDisposable
{
    private readonly string _code = Directory.CreateTempSubdirectory("gateway-initretry-").FullName;

    /// <summary>A provided.al2023 bootstrap that counts its inits in /tmp (the environment's own, kept for the retry)
    /// and prints where it runs; MODE decides how its init ends: <c>first-fails</c> posts /init/error on the first attempt
    /// only, <c>init-error</c> always (naming the attempt), <c>exit</c> exits 1, <c>slow-retry</c> fails the first
    /// attempt and sleeps through the second; <c>leaves-lock</c> leaves a daemon (setsid) holding a lock the retry needs,
    /// <c>leaves-poster</c> one that posts /init/error a second later, while the retry is in init; <c>big-first</c> uses
    /// 150 MB in the first attempt only.</summary>
    private TestFunction Function(string mode, int timeout = 10, int memorySize = 128)
    {
        var bootstrap = Path.Combine(_code, "bootstrap");
        File.WriteAllText(bootstrap, """
            #!/bin/bash
            set -uo pipefail
            api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
            counter="${TMPDIR:-/tmp}/init-attempts"
            n=$(( $(cat "$counter" 2>/dev/null || echo 0) + 1 ))
            echo "$n" > "$counter"
            echo "init attempt $n stream=$AWS_LAMBDA_LOG_STREAM_NAME api=$AWS_LAMBDA_RUNTIME_API"
            fail() {
              curl -sS -o /dev/null -X POST -H 'Lambda-Runtime-Function-Error-Type: Runtime.ConfigError' \
                --data-binary "{\"errorMessage\":\"attempt $n failed\",\"errorType\":\"Runtime.ConfigError\"}" "$api/init/error"
              exec sleep 600
            }
            case "$MODE" in
              first-fails) [ "$n" = 1 ] && fail ;;
              init-error) fail ;;
              exit) exit 1 ;;
              slow-retry) [ "$n" = 1 ] && fail; exec sleep 600 ;;
              leaves-lock)
                if [ "$n" = 1 ]; then
                  setsid flock -n "$counter.lock" sleep 30 </dev/null >/dev/null 2>&1 &
                  sleep 0.5; exit 1
                fi
                flock -n "$counter.lock" true || { echo "the lock is still held"; exit 2; } ;;
              leaves-poster)
                if [ "$n" = 1 ]; then
                  setsid bash -c "sleep 1; curl -sS -o /dev/null -X POST --data-binary '{\"errorMessage\":\"orphan\"}' '$api/init/error'" </dev/null >/dev/null 2>&1 &
                  exit 1
                fi
                sleep 2.5 ;;
              big-first) [ "$n" = 1 ] && { perl -e '$x = "x" x (150 * 1024 * 1024)'; exit 1; } ;;
            esac
            headers="$(mktemp)"
            while true; do
              curl -sS --fail -D "$headers" -o "$headers.event" "$api/invocation/next" || exit 1
              id="$(grep -Fi 'Lambda-Runtime-Aws-Request-Id:' "$headers" | tr -d '[:space:]' | cut -d: -f2)"
              curl -sS -o /dev/null -X POST --data-binary "\"ok after $n inits\"" "$api/invocation/$id/response"
            done
            """.Replace("\r", ""));
        File.SetUnixFileMode(bootstrap, (UnixFileMode)0b111_101_101);
        return new TestFunction("retry", _code, "handler")
        {
            Timeout = timeout,
            MemorySize = memorySize,
            Provisioned = 0,
            Environment = new() { ["MODE"] = mode },
            Extra = new JsonObject { ["Runtime"] = "provided.al2023" },
        };
    }

    [Fact]
    public async Task An_init_that_fails_only_the_first_time_serves_the_first_invocation()
    {
        await using var gateway = await GatewayProcess.StartAsync([Function("first-fails")]);

        using var response = await gateway.InvokeAsync("retry", "{}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("X-Amz-Function-Error"), await response.Content.ReadAsStringAsync());
        Assert.Equal("\"ok after 2 inits\"", await response.Content.ReadAsStringAsync());
        var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();
        var lines = await LogLinesAsync(gateway, requestId);
        Assert.Single(lines, l => l.StartsWith("INIT_START ", StringComparison.Ordinal));
        var initReport = Assert.Single(lines, l => l.StartsWith("INIT_REPORT ", StringComparison.Ordinal));
        Assert.Matches(@"^INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: init\tStatus: error\tError Type: Runtime.ConfigError$", initReport);
        // The retry is the same environment: its output after the first INIT_REPORT, the same stream and Runtime API.
        var first = lines.FindIndex(l => l.StartsWith("init attempt 1 ", StringComparison.Ordinal));
        var second = lines.FindIndex(l => l.StartsWith("init attempt 2 ", StringComparison.Ordinal));
        int report = lines.IndexOf(initReport);
        int start = lines.IndexOf($"START RequestId: {requestId} Version: $LATEST");
        Assert.True(first >= 0 && first < report && report < second && second < start, string.Join('\n', lines));
        Assert.Equal(lines[first]["init attempt 1 ".Length..], lines[second]["init attempt 2 ".Length..]);
        // Its Duration counts the retry's init; no Init Duration (that init was the invocation's time).
        var reportLine = lines.Single(l => l.StartsWith("REPORT RequestId: " + requestId, StringComparison.Ordinal));
        Assert.DoesNotContain("Init Duration", reportLine);
        Assert.DoesNotContain("Status: error", reportLine);

        // The environment stays: the next invocation is warm, no third init.
        using var warm = await gateway.InvokeAsync("retry", "{}");
        Assert.Equal("\"ok after 2 inits\"", await warm.Content.ReadAsStringAsync());
        Assert.Single(await gateway.WorkerPidsAsync("retry"));
    }

    [Fact]
    public async Task An_init_error_on_both_attempts_answers_the_retrys_error_and_the_next_invocation_retries_again()
    {
        await using var gateway = await GatewayProcess.StartAsync([Function("init-error")]);

        using var response = await gateway.InvokeAsync("retry", "{}");

        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        Assert.Equal("""{"errorMessage":"attempt 2 failed","errorType":"Runtime.ConfigError"}""", await response.Content.ReadAsStringAsync());
        var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();
        var lines = await LogLinesAsync(gateway, requestId);
        AssertRetriedThenFailed(lines, requestId, "Runtime.ConfigError");
        // AWS's platform lines between START and END (recorded console output after a failed retry).
        int start = lines.IndexOf($"START RequestId: {requestId} Version: $LATEST");
        Assert.Equal(["Unknown application error occurred", "Runtime.ConfigError", $"END RequestId: {requestId}"], lines.Skip(start + 1).Take(3));
        var reportLine = lines.Single(l => l.StartsWith("REPORT RequestId: " + requestId, StringComparison.Ordinal));
        Assert.EndsWith("\tStatus: error\tError Type: Runtime.ConfigError", reportLine.TrimEnd('\t'));
        Assert.DoesNotContain("Init Duration", reportLine);

        // The environment ended; the next invocation's new one gets its own retry (the /tmp a reset leaves is kept).
        using var again = await gateway.InvokeAsync("retry", "{}");
        var message = (await GatewayProcess.ReadJsonAsync(again)).GetProperty("errorMessage").GetString()!;
        Assert.Matches(@"^attempt (2|4) failed$", message);
        var againId = again.Headers.GetValues("x-amzn-RequestId").Single();
        var all = await LogLinesAsync(gateway, againId);
        Assert.Equal(2, all.Count(l => l.StartsWith("INIT_START ", StringComparison.Ordinal)));
        Assert.Equal(4, all.Count(l => l.StartsWith("INIT_REPORT ", StringComparison.Ordinal)));
        await Poll.UntilAsync(async () => (await gateway.WorkerPidsAsync("retry")).Length == 0, "the failed environments to end");
    }

    [Fact]
    public async Task An_exit_during_both_inits_is_the_retrys_Runtime_ExitError()
    {
        await using var gateway = await GatewayProcess.StartAsync([Function("exit")]);

        using var response = await gateway.InvokeAsync("retry", "{}");

        var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();
        var error = await GatewayProcess.ReadJsonAsync(response);
        Assert.Equal("Runtime.ExitError", error.GetProperty("errorType").GetString());
        Assert.Equal($"RequestId: {requestId} Error: Runtime exited with error: exit status 1", error.GetProperty("errorMessage").GetString());
        var lines = await LogLinesAsync(gateway, requestId);
        AssertRetriedThenFailed(lines, requestId, "Runtime.ExitError");
        int start = lines.IndexOf($"START RequestId: {requestId} Version: $LATEST");
        Assert.Equal([$"RequestId: {requestId} Error: Runtime exited with error: exit status 1", "Runtime.ExitError", $"END RequestId: {requestId}"],
            lines[(start + 1)..(start + 4)]);
    }

    [Fact]
    public async Task A_bootstrap_that_cannot_start_is_tried_twice()
    {
        await using var gateway = await GatewayProcess.StartAsync([Function("init-error")]);
        File.SetUnixFileMode(Path.Combine(_code, "bootstrap"), UnixFileMode.UserRead | UnixFileMode.UserWrite);

        using var response = await gateway.InvokeAsync("retry", "{}");

        var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();
        Assert.Equal("Runtime.InvalidEntrypoint", (await GatewayProcess.ReadJsonAsync(response)).GetProperty("errorType").GetString());
        var lines = await LogLinesAsync(gateway, requestId);
        var reports = lines.Where(l => l.StartsWith("INIT_REPORT ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, reports.Count);
        Assert.EndsWith("\tPhase: init\tStatus: error\tError Type: Runtime.InvalidEntrypoint", reports[0]);
        Assert.EndsWith("\tPhase: invoke\tStatus: error\tError Type: Runtime.InvalidEntrypoint", reports[1]);
        int start = lines.IndexOf($"START RequestId: {requestId} Version: $LATEST");
        Assert.True(lines.IndexOf(reports[1]) < start, string.Join('\n', lines));
        Assert.StartsWith($"RequestId: {requestId} Error: fork/exec ", lines[start + 1]);
        Assert.Equal("Runtime.InvalidEntrypoint", lines[start + 2]);
    }

    [Fact]
    public async Task A_retry_that_runs_past_the_function_timeout_times_out()
    {
        await using var gateway = await GatewayProcess.StartAsync([Function("slow-retry", timeout: 2)]);

        using var response = await gateway.InvokeAsync("retry", "{}");

        var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();
        var error = await GatewayProcess.ReadJsonAsync(response);
        Assert.Equal("Sandbox.Timedout", error.GetProperty("errorType").GetString());
        Assert.Equal($"RequestId: {requestId} Error: Task timed out after 2.00 seconds", error.GetProperty("errorMessage").GetString());
        var lines = await LogLinesAsync(gateway, requestId);
        var reports = lines.Where(l => l.StartsWith("INIT_REPORT ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, reports.Count);
        Assert.EndsWith("\tPhase: init\tStatus: error\tError Type: Runtime.ConfigError", reports[0]);
        Assert.EndsWith("\tPhase: invoke\tStatus: timeout", reports[1]);
    }

    /// <summary>AWS resets the sandbox before the retry: a process the first attempt left (out of its process group, by
    /// setsid) must not hold what the retry needs. The environment's cgroup is emptied before the respawn.</summary>
    [Fact]
    public async Task A_daemon_the_first_attempt_left_is_killed_before_the_retry()
    {
        await using var gateway = await GatewayProcess.StartAsync([Function("leaves-lock")], ContainedOptions);

        using var response = await gateway.InvokeAsync("retry", "{}");

        Assert.Equal("\"ok after 2 inits\"", await response.Content.ReadAsStringAsync());
    }

    /// <summary>A process the first attempt left cannot answer the retry's invocation with an /init/error, nor stop
    /// the retry that would succeed.</summary>
    [Fact]
    public async Task A_late_init_error_from_the_first_attempts_leftover_does_not_decide_the_retry()
    {
        await using var gateway = await GatewayProcess.StartAsync([Function("leaves-poster")], ContainedOptions);

        using var response = await gateway.InvokeAsync("retry", "{}");

        Assert.Equal("\"ok after 2 inits\"", await response.Content.ReadAsStringAsync());
        Assert.False(response.Headers.Contains("X-Amz-Function-Error"));
    }

    /// <summary>Max Memory Used is the retry's process's, not the failed attempt's (a high-water mark per process).</summary>
    [Fact]
    public async Task The_retrys_REPORT_does_not_carry_the_first_attempts_peak_memory()
    {
        await using var gateway = await GatewayProcess.StartAsync([Function("big-first", memorySize: 512)], "--sandbox", "none");

        using var response = await gateway.InvokeAsync("retry", "{}");

        Assert.Equal("\"ok after 2 inits\"", await response.Content.ReadAsStringAsync());
        var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();
        var reportLine = (await LogLinesAsync(gateway, requestId)).Single(l => l.StartsWith("REPORT RequestId: " + requestId, StringComparison.Ordinal));
        var used = int.Parse(Regex.Match(reportLine, @"Max Memory Used: (\d+) MB").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(used < 100, reportLine);
    }

    /// <summary>A cgroup per environment (as ContainmentTests run it), without worker users: the test's folders stay
    /// the gateway's.</summary>
    private static readonly string[] ContainedOptions = ["--sandbox", "none", "--containment", "cgroup", "--worker-uid", "none"];

    /// <summary>Attempt 1's output, INIT_REPORT Phase: init, attempt 2's output, INIT_REPORT Phase: invoke, then START.</summary>
    private static void AssertRetriedThenFailed(List<string> lines, string requestId, string errorType)
    {
        Assert.Single(lines, l => l.StartsWith("INIT_START ", StringComparison.Ordinal));
        var reports = lines.Where(l => l.StartsWith("INIT_REPORT ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, reports.Count);
        Assert.Matches($@"^INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: init\tStatus: error\tError Type: {Regex.Escape(errorType)}$", reports[0]);
        Assert.Matches($@"^INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: invoke\tStatus: error\tError Type: {Regex.Escape(errorType)}$", reports[1]);
        int[] order =
        [
            lines.FindIndex(l => l.StartsWith("init attempt 1 ", StringComparison.Ordinal)),
            lines.IndexOf(reports[0]),
            lines.FindIndex(l => l.StartsWith("init attempt 2 ", StringComparison.Ordinal)),
            lines.IndexOf(reports[1]),
            lines.IndexOf($"START RequestId: {requestId} Version: $LATEST"),
            lines.IndexOf($"END RequestId: {requestId}"),
        ];
        Assert.True(order[0] >= 0 && order.Zip(order.Skip(1)).All(p => p.First < p.Second), string.Join('\n', lines));
    }

    private static async Task<List<string>> LogLinesAsync(GatewayProcess gateway, string requestId) =>
        (await gateway.WaitForLogAsync("retry", "REPORT RequestId: " + requestId)).Split('\n').Select(l => l.TrimEnd('\r')).ToList();

    public void Dispose() => Directory.Delete(_code, recursive: true);
}
