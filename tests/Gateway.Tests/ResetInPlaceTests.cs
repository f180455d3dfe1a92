using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Gateway.Tests;

/// <summary>
/// After an invoke-phase failure (a timeout, the runtime's exit) AWS resets the same execution environment and
/// re-initializes it with the next invocation ("suppressed init", lambda-runtime-environment.html, "Failures during the
/// invoke phase"): the same log stream and AWS_LAMBDA_LOG_STREAM_NAME, /tmp kept, a new process; no INIT_START and no
/// INIT_REPORT when the re-init succeeds, its output before START, no Init Duration, and a Duration that counts the
/// re-init. The re-init has the invocation's timeout, not the init phase's 10 s: an init slower than the timeout times
/// out on every invocation after the first failure (the "doom loop"). A handled /invocation/error resets nothing.
/// </summary>
public sealed partial class ResetInPlaceTests : IDisposable
{
    private const string Name = "resets";

    private readonly string _code = Directory.CreateTempSubdirectory("gateway-reset-").FullName;

    /// <summary>A provided.al2023 bootstrap that counts its inits in /tmp (kept across a reset) and prints the count and
    /// its stream, sleeps INIT_SLEEP seconds in every init, and (REINIT) exits or posts /init/error in its 2nd init only.
    /// Its handler counts the invocations its process handled (a module global); an event naming <c>sleep</c> sleeps past
    /// the timeout, <c>exit</c> exits, <c>error</c> posts /invocation/error; otherwise it answers what it knows.</summary>
    private TestFunction Function(int timeout, double initSleep = 0, string reInit = "")
    {
        var bootstrap = Path.Combine(_code, "bootstrap");
        File.WriteAllText(bootstrap, """
            #!/bin/bash
            set -uo pipefail
            api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
            counter="${TMPDIR:-/tmp}/inits"
            n=$(( $(cat "$counter" 2>/dev/null || echo 0) + 1 ))
            echo "$n" > "$counter"
            echo "init $n stream=$AWS_LAMBDA_LOG_STREAM_NAME"
            sleep "$INIT_SLEEP"
            if [ "$n" = 2 ]; then
              case "$REINIT" in
                exit) exit 1 ;;
                error)
                  curl -sS -o /dev/null -X POST -H 'Lambda-Runtime-Function-Error-Type: Runtime.ConfigError' \
                    --data-binary '{"errorMessage":"init 2 failed","errorType":"Runtime.ConfigError"}' "$api/init/error"
                  exec sleep 600 ;;
              esac
            fi
            handled=0
            headers="$(mktemp)"
            while true; do
              curl -sS --fail -D "$headers" -o "$headers.event" "$api/invocation/next" || exit 1
              id="$(grep -Fi 'Lambda-Runtime-Aws-Request-Id:' "$headers" | tr -d '[:space:]' | cut -d: -f2)"
              handled=$(( handled + 1 ))
              case "$(cat "$headers.event")" in
                *sleep*) sleep 60 ;;
                *exit*) exit 3 ;;
                *error*)
                  curl -sS -o /dev/null -X POST --data-binary '{"errorType":"MyError","errorMessage":"handled"}' "$api/invocation/$id/error"
                  continue ;;
              esac
              curl -sS -o /dev/null -X POST \
                --data-binary "{\"init\":$n,\"handled\":$handled,\"pid\":$$,\"stream\":\"$AWS_LAMBDA_LOG_STREAM_NAME\"}" "$api/invocation/$id/response"
            done
            """.Replace("\r", ""));
        File.SetUnixFileMode(bootstrap, (UnixFileMode)0b111_101_101);
        return new TestFunction(Name, _code, "handler")
        {
            Timeout = timeout,
            Provisioned = 0,
            Environment = new() { ["INIT_SLEEP"] = initSleep.ToString(CultureInfo.InvariantCulture), ["REINIT"] = reInit },
            Extra = new JsonObject { ["Runtime"] = "provided.al2023" },
        };
    }

    [Fact]
    public async Task After_a_timeout_the_next_invocation_re_initializes_the_same_environment()
    {
        await using var gateway = await GatewayProcess.StartAsync([Function(timeout: 2, initSleep: 0.5)]);
        var first = await AnswerAsync(gateway, "{}");

        await AssertTimesOutAsync(gateway, """{"sleep":1}""", 2);
        var (after, requestId) = await AnswerWithIdAsync(gateway, "{}");

        AssertReInitialized(first, after);
        await AssertSuppressedInitLogAsync(gateway, requestId, reInitSleepMs: 500);
    }

    [Fact]
    public async Task After_a_runtime_exit_the_next_invocation_re_initializes_the_same_environment()
    {
        await using var gateway = await GatewayProcess.StartAsync([Function(timeout: 3, initSleep: 0.5)]);
        var first = await AnswerAsync(gateway, "{}");

        using (var crashed = await gateway.InvokeAsync(Name, """{"exit":1}"""))
        {
            var error = await GatewayProcess.ReadJsonAsync(crashed);
            Assert.Equal("Runtime.ExitError", error.GetProperty("errorType").GetString());
            Assert.EndsWith("Error: Runtime exited with error: exit status 3", error.GetProperty("errorMessage").GetString());
        }
        var (after, requestId) = await AnswerWithIdAsync(gateway, "{}");

        AssertReInitialized(first, after);
        await AssertSuppressedInitLogAsync(gateway, requestId, reInitSleepMs: 500);
    }

    /// <summary>The first init has the init phase's 10 s; every re-init has only the function's timeout, which this
    /// init (2 s) does not fit in (1 s): once the environment is reset, each invocation it gets times out.</summary>
    [Fact]
    public async Task An_init_slower_than_the_timeout_makes_every_invocation_after_a_reset_time_out()
    {
        await using var gateway = await GatewayProcess.StartAsync([Function(timeout: 1, initSleep: 2)]);
        var first = await AnswerAsync(gateway, "{}");
        Assert.Equal(1, first.GetProperty("init").GetInt32());

        await AssertTimesOutAsync(gateway, """{"sleep":1}""", 1);
        var doomed = new List<string>();
        for (int i = 0; i < 2; i++)
        {
            doomed.Add(await AssertTimesOutAsync(gateway, "{}", 1));
        }

        var logs = await gateway.WaitForLogAsync(Name, "REPORT RequestId: " + doomed[^1]);
        var lines = Lines(logs);
        Assert.Single(Directory.GetFiles(Path.Combine(gateway.DataDirectory, "logs", Name), "*.log")); // one environment throughout
        Assert.Single(lines, l => l.StartsWith("INIT_START ", StringComparison.Ordinal));
        foreach (var requestId in doomed)
        {
            var report = lines.Single(l => l.StartsWith("REPORT RequestId: " + requestId, StringComparison.Ordinal));
            Assert.DoesNotContain("Init Duration", report);
            Assert.EndsWith("\tStatus: timeout", report.TrimEnd('\t'));
            AssertDurationAtLeast(report, 1000);
        }
        var initReports = lines.Where(l => l.StartsWith("INIT_REPORT ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, initReports.Count);
        Assert.All(initReports, r => Assert.Matches(@"^INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: invoke\tStatus: timeout$", r));
        // Each re-init started: /tmp's count went on in the same environment (1, then 2 and 3 for the doomed ones).
        Assert.Contains(lines, l => l.StartsWith("init 3 stream=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_re_init_that_exits_is_reported_in_the_invoke_phase_and_the_next_one_tries_again()
    {
        await using var gateway = await GatewayProcess.StartAsync([Function(timeout: 3, reInit: "exit")]);
        var first = await AnswerAsync(gateway, "{}");
        await AssertTimesOutAsync(gateway, """{"sleep":1}""", 3);

        using var failed = await gateway.InvokeAsync(Name, "{}");

        var requestId = failed.Headers.GetValues("x-amzn-RequestId").Single();
        var error = await GatewayProcess.ReadJsonAsync(failed);
        Assert.Equal("Runtime.ExitError", error.GetProperty("errorType").GetString());
        Assert.Equal($"RequestId: {requestId} Error: Runtime exited with error: exit status 1", error.GetProperty("errorMessage").GetString());
        var lines = Lines(await gateway.WaitForLogAsync(Name, "REPORT RequestId: " + requestId));
        var initReport = Assert.Single(lines, l => l.StartsWith("INIT_REPORT ", StringComparison.Ordinal));
        Assert.Matches(@"^INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: invoke\tStatus: error\tError Type: Runtime.ExitError$", initReport);
        int start = lines.IndexOf($"START RequestId: {requestId} Version: $LATEST");
        Assert.True(lines.FindIndex(l => l.StartsWith("init 2 ", StringComparison.Ordinal)) < lines.IndexOf(initReport) && lines.IndexOf(initReport) < start,
            string.Join('\n', lines));
        Assert.Equal([$"RequestId: {requestId} Error: Runtime exited with error: exit status 1", "Runtime.ExitError", $"END RequestId: {requestId}"],
            lines[(start + 1)..(start + 4)]);
        var report = lines.Single(l => l.StartsWith("REPORT RequestId: " + requestId, StringComparison.Ordinal));
        Assert.DoesNotContain("Init Duration", report);
        Assert.EndsWith("\tStatus: error\tError Type: Runtime.ExitError", report.TrimEnd('\t'));

        // Reset again: the next invocation's re-init (the 3rd init) works, still in the same environment.
        var after = await AnswerAsync(gateway, "{}");
        Assert.Equal(3, after.GetProperty("init").GetInt32());
        Assert.Equal(first.GetProperty("stream").GetString(), after.GetProperty("stream").GetString());
    }

    [Fact]
    public async Task A_re_init_that_posts_init_error_answers_that_error_and_the_next_one_tries_again()
    {
        await using var gateway = await GatewayProcess.StartAsync([Function(timeout: 3, reInit: "error")]);
        var first = await AnswerAsync(gateway, "{}");
        using (var crashed = await gateway.InvokeAsync(Name, """{"exit":1}"""))
        {
            Assert.Equal("Unhandled", crashed.Headers.GetValues("X-Amz-Function-Error").Single());
        }

        using var failed = await gateway.InvokeAsync(Name, "{}");

        var requestId = failed.Headers.GetValues("x-amzn-RequestId").Single();
        Assert.Equal("""{"errorMessage":"init 2 failed","errorType":"Runtime.ConfigError"}""", await failed.Content.ReadAsStringAsync());
        var lines = Lines(await gateway.WaitForLogAsync(Name, "REPORT RequestId: " + requestId));
        var initReport = Assert.Single(lines, l => l.StartsWith("INIT_REPORT ", StringComparison.Ordinal));
        Assert.Matches(@"^INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: invoke\tStatus: error\tError Type: Runtime.ConfigError$", initReport);
        Assert.True(lines.IndexOf(initReport) < lines.IndexOf($"START RequestId: {requestId} Version: $LATEST"), string.Join('\n', lines));

        var after = await AnswerAsync(gateway, "{}");
        Assert.Equal(3, after.GetProperty("init").GetInt32());
        Assert.Equal(first.GetProperty("stream").GetString(), after.GetProperty("stream").GetString());
    }

    /// <summary>Regression guard (also true before resets were modelled): a handled error is an answer, not a failure of
    /// the environment; the same process serves the next invocation.</summary>
    [Fact]
    public async Task A_handled_invocation_error_keeps_the_process()
    {
        await using var gateway = await GatewayProcess.StartAsync([Function(timeout: 3)]);
        var first = await AnswerAsync(gateway, "{}");

        using (var handled = await gateway.InvokeAsync(Name, """{"error":1}"""))
        {
            Assert.Equal("Unhandled", handled.Headers.GetValues("X-Amz-Function-Error").Single());
            Assert.Equal("MyError", (await GatewayProcess.ReadJsonAsync(handled)).GetProperty("errorType").GetString());
        }
        var after = await AnswerAsync(gateway, "{}");

        Assert.Equal(first.GetProperty("pid").GetInt32(), after.GetProperty("pid").GetInt32());
        Assert.Equal(3, after.GetProperty("handled").GetInt32());
        Assert.Equal(1, after.GetProperty("init").GetInt32());
    }

    /// <summary>The same environment (log stream name, /tmp: the init count went on), a new process (its globals anew).</summary>
    private static void AssertReInitialized(JsonElement first, JsonElement after)
    {
        Assert.Equal(first.GetProperty("stream").GetString(), after.GetProperty("stream").GetString());
        Assert.Equal(2, after.GetProperty("init").GetInt32());
        Assert.Equal(1, after.GetProperty("handled").GetInt32());
        Assert.NotEqual(first.GetProperty("pid").GetInt32(), after.GetProperty("pid").GetInt32());
    }

    /// <summary>One stream; one INIT_START and no INIT_REPORT; the re-init's output before START; a REPORT without
    /// Init Duration whose Duration contains the re-init's sleep.</summary>
    private static async Task AssertSuppressedInitLogAsync(GatewayProcess gateway, string requestId, double reInitSleepMs)
    {
        var lines = Lines(await gateway.WaitForLogAsync(Name, "REPORT RequestId: " + requestId));
        Assert.Single(Directory.GetFiles(Path.Combine(gateway.DataDirectory, "logs", Name), "*.log"));
        Assert.Single(lines, l => l.StartsWith("INIT_START ", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("INIT_REPORT ", StringComparison.Ordinal));
        int reInit = lines.FindIndex(l => l.StartsWith("init 2 stream=", StringComparison.Ordinal));
        int start = lines.IndexOf($"START RequestId: {requestId} Version: $LATEST");
        Assert.True(reInit >= 0 && reInit < start, string.Join('\n', lines));
        var report = lines.Single(l => l.StartsWith("REPORT RequestId: " + requestId, StringComparison.Ordinal));
        Assert.DoesNotContain("Init Duration", report);
        Assert.DoesNotContain("Status:", report);
        AssertDurationAtLeast(report, reInitSleepMs);
    }

    private static void AssertDurationAtLeast(string report, double ms)
    {
        var duration = double.Parse(DurationPattern().Match(report).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(duration >= ms, report);
    }

    /// <summary>Sandbox.Timedout after <paramref name="seconds"/>; the request id.</summary>
    private static async Task<string> AssertTimesOutAsync(GatewayProcess gateway, string payload, int seconds)
    {
        using var response = await gateway.InvokeAsync(Name, payload);
        var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();
        var error = await GatewayProcess.ReadJsonAsync(response);
        Assert.Equal("Sandbox.Timedout", error.GetProperty("errorType").GetString());
        Assert.Equal($"RequestId: {requestId} Error: Task timed out after {seconds}.00 seconds", error.GetProperty("errorMessage").GetString());
        return requestId;
    }

    private static async Task<JsonElement> AnswerAsync(GatewayProcess gateway, string payload) => (await AnswerWithIdAsync(gateway, payload)).Answer;

    private static async Task<(JsonElement Answer, string RequestId)> AnswerWithIdAsync(GatewayProcess gateway, string payload)
    {
        using var response = await gateway.InvokeAsync(Name, payload);
        var body = await response.Content.ReadAsStringAsync();
        Assert.False(response.Headers.Contains("X-Amz-Function-Error"), body);
        return (JsonDocument.Parse(body).RootElement.Clone(), response.Headers.GetValues("x-amzn-RequestId").Single());
    }

    private static List<string> Lines(string logs) => logs.Split('\n').Select(l => l.TrimEnd('\r')).ToList();

    [GeneratedRegex(@"\tDuration: (\d+\.\d\d) ms")]
    private static partial Regex DurationPattern();

    public void Dispose() => Directory.Delete(_code, recursive: true);
}
