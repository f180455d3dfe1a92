using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Gateway.Tests;

/// <summary>
/// The live dashboard (<c>/_gateway/</c>) in a real browser: headless Chromium runs the page and its EventSource against
/// the native gateway while invocations run in the background; the numbers it shows must move, and match /metrics.
/// </summary>
public sealed class DashboardTests
{
    private const string ReservedConcurrency = "ReservedFunctionConcurrentInvocationLimitExceeded";

    // Every number the page shows, by function card (data-fn) and key (data-k), plus the snapshot it came from.
    private const string ReadPage = """
        (() => {
          if (!document.body || !document.getElementById('account')) return null; // still loading
          const read = root => Object.fromEntries([...root.querySelectorAll('[data-k]')].map(e => [e.dataset.k, e.textContent]));
          return { seq: Number(document.body.dataset.seq), account: read(document.getElementById('account')),
                   functions: Object.fromEntries([...document.querySelectorAll('[data-fn]')].map(c => [c.dataset.fn, read(c)])),
                   predictionShown: [...document.querySelectorAll('[data-fn] [data-pred]')].some(p => !p.hidden) };
        })()
        """;

    [Fact]
    public async Task The_page_follows_the_load_in_headless_chromium_and_matches_metrics()
    {
        await using var gateway = await GatewayProcess.StartAsync(
        [
            TestFunction.Sample("echo"),
            TestFunction.Sample("fail"),
            TestFunction.Sample("slow") with { Timeout = 30, Provisioned = 0, ReservedConcurrentExecutions = 2 },
        ]);

        // The page is served by the gateway itself, self-contained.
        using (var page = await gateway.Client.GetAsync("/_gateway/"))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            var html = await page.Content.ReadAsStringAsync();
            Assert.Contains("new EventSource(\"/_gateway/events\")", html);
            Assert.DoesNotMatch(new Regex("(src|href)=\"(https?:)?//"), html);
            // An icon of its own (empty), so a browser does not ask for /favicon.ico and log the 404 as an error.
            Assert.Contains("<link rel=\"icon\" href=\"data:,\">", html);
        }

        // A throttle prediction for slow, posted as loadtests' harness does, before any of slow's invocations.
        long nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var prediction = new JsonObject
        {
            ["FunctionName"] = "slow",
            ["Model"] = "test: 2 admitted a second",
            ["Reason"] = ReservedConcurrency,
            ["StartUnixMs"] = nowMs,
            ["GraceSeconds"] = 0,
            ["Seconds"] = new JsonArray([.. Enumerable.Range(0, 600).Select(_ => (JsonNode)new JsonObject { ["Admitted"] = 2, ["Throttled"] = 6 })]),
        };
        using (var posted = await gateway.Client.PostAsync("/_gateway/prediction", new StringContent(prediction.ToJsonString(), Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.NoContent, posted.StatusCode);
        }
        using (var unknown = await gateway.Client.PostAsync("/_gateway/prediction", new StringContent(prediction.ToJsonString().Replace("\"slow\"", "\"nobody\""), Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        // Load in the background: echo and fail in closed loops, and four loops on slow (reserved 2, 300 ms each),
        // so slow is throttled with ReservedFunctionConcurrentInvocationLimitExceeded.
        using var stop = new CancellationTokenSource();
        var load = new List<Task>
        {
            Loop("echo", "{}"), Loop("echo", "{}"), Loop("fail", "{}"),
            Loop("slow", """{"ms":300}"""), Loop("slow", """{"ms":300}"""), Loop("slow", """{"ms":300}"""), Loop("slow", """{"ms":300}"""),
        };
        try
        {
            await using var browser = await HeadlessChromium.OpenAsync(new Uri(gateway.BaseAddress, "/_gateway/"));

            // The stream runs in the browser: snapshots arrive and the cards appear.
            JsonNode first = null!;
            await Poll.UntilAsync(async () =>
            {
                first = (await browser.EvaluateAsync(ReadPage))!;
                return first is not null && first["seq"]!.GetValue<int>() >= 2 && first["functions"]!["slow"] is not null && first["functions"]!["echo"] is not null;
            }, "the page to receive two snapshots", 30_000);
            Assert.True(first["predictionShown"]!.GetValue<bool>());

            // The numbers change over time: a later snapshot shows more invocations, a rate, and throttles by reason.
            JsonNode later = null!;
            await Poll.UntilAsync(async () =>
            {
                later = (await browser.EvaluateAsync(ReadPage))!;
                return Number(later, "echo", "invocationsTotal") > Number(first, "echo", "invocationsTotal")
                    && Number(later, "fail", "errorsTotal") > Number(first, "fail", "errorsTotal")
                    && Number(later, "slow", "throttleTotal." + ReservedConcurrency) > 0
                    && Text(later, "echo", "invocationsRate") is not "–" and not "0.0"
                    && Text(later, "echo", "p50") != "–";
            }, "the page's numbers to move under load", 30_000);
            Assert.True(later["seq"]!.GetValue<int>() > first["seq"]!.GetValue<int>());

            // They match /metrics. A snapshot is built at most once a second; one built after the first scrape
            // (three snapshots later) and read before the second must lie between the two scrapes, counter by counter.
            var before = await gateway.Client.GetStringAsync("/metrics");
            int seq = (await browser.EvaluateAsync(ReadPage))!["seq"]!.GetValue<int>();
            JsonNode shown = null!;
            await Poll.UntilAsync(async () =>
            {
                shown = (await browser.EvaluateAsync(ReadPage))!;
                return shown["seq"]!.GetValue<int>() >= seq + 3;
            }, "three more snapshots", 30_000);
            var after = await gateway.Client.GetStringAsync("/metrics");
            AssertBetween(before, after, "lambda_invocations_total{function=\"echo\"}", Number(shown, "echo", "invocationsTotal"));
            AssertBetween(before, after, "lambda_errors_total{function=\"fail\"}", Number(shown, "fail", "errorsTotal"));
            AssertBetween(before, after, "lambda_invocations_total{function=\"slow\"}", Number(shown, "slow", "invocationsTotal"));
            AssertBetween(before, after, "gateway_admitted_total{function=\"slow\"}", Number(shown, "slow", "admittedTotal"));
            AssertBetween(before, after, $"lambda_throttles_total{{function=\"slow\",reason=\"{ReservedConcurrency}\"}}", Number(shown, "slow", "throttleTotal." + ReservedConcurrency));
            // The prediction panel counts slow's admissions since it was posted (before slow's first invocation).
            AssertBetween(before, after, "gateway_admitted_total{function=\"slow\"}", Number(shown, "slow", "obsAdmitted"));
            // Configuration does not move under load: equal.
            Assert.Equal(Metric(after, "lambda_unreserved_concurrency_limit"), Number(shown, null, "acct.unreservedLimit"));
            Assert.Equal(Metric(after, "gateway_environments_limit"), Number(shown, null, "acct.envLimit"));
            Assert.Equal("2", Text(shown, "slow", "limit"));
            Assert.Equal(0, Number(shown, "echo", "throttleTotal." + ReservedConcurrency));

            // A screenshot under load, kept beside the test binary.
            var png = await browser.ScreenshotAsync();
            Assert.True(png.Length > 10_000);
            await File.WriteAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "dashboard.png"), png);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(load).WithTimeout(30_000);
        }

        async Task Loop(string function, string payload)
        {
            await Task.Yield();
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    (await gateway.InvokeAsync(function, payload)).Dispose();
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// loadtests/throttle.sh (request-rate scenario) with the page open: the harness posts its prediction, and when the
    /// run is over the page shows exactly the harness's predicted totals beside exactly what the harness saw admitted
    /// (200s) and throttled (429s). The screenshot in docs/dashboard.png is this page (GATEWAY_DASHBOARD_SCREENSHOT).
    /// </summary>
    [Fact]
    public async Task During_throttle_sh_the_page_shows_the_prediction_beside_what_was_admitted()
    {
        int port = GatewayProcess.FreePort();
        var start = new System.Diagnostics.ProcessStartInfo(Path.Combine(TestPaths.RepoRoot, "loadtests", "throttle.sh"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = TestPaths.RepoRoot,
        };
        foreach (var arg in new[] { "--scenario", "request-rate", "--port", port.ToString(CultureInfo.InvariantCulture), "--linger", "10" })
        {
            start.ArgumentList.Add(arg);
        }
        using var script = System.Diagnostics.Process.Start(start)!;
        var output = script.StandardOutput.ReadToEndAsync();
        var errors = script.StandardError.ReadToEndAsync();
        try
        {
            var page = new Uri($"http://127.0.0.1:{port}/_gateway/");
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            await Poll.UntilAsync(async () =>
            {
                try
                {
                    using var response = await http.GetAsync(page);
                    return response.IsSuccessStatusCode;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    return false;
                }
            }, "throttle.sh's gateway (it publishes and builds the harness first)", 600_000);
            await using var browser = await HeadlessChromium.OpenAsync(page);

            // The picture (docs/dashboard.png with GATEWAY_DASHBOARD_SCREENSHOT) while the ramp is past the limit.
            await Poll.UntilAsync(async () =>
            {
                var state = (await browser.EvaluateAsync(ReadPage))?["functions"]?["echo"]?["predState"]?.GetValue<string>() ?? "";
                var second = Regex.Match(state, "second (\\d+) of");
                return state.Contains("run over", StringComparison.Ordinal) || (second.Success && int.Parse(second.Groups[1].Value, CultureInfo.InvariantCulture) >= 9);
            }, "the run's last seconds on the page", 600_000);
            var png = await browser.ScreenshotAsync();
            await File.WriteAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "dashboard-throttle.png"), png);
            if (Environment.GetEnvironmentVariable("GATEWAY_DASHBOARD_SCREENSHOT") is { Length: > 0 } keep)
            {
                await File.WriteAllBytesAsync(keep, png);
            }

            // The final counts, while the gateway still lingers (throttle.sh --linger).
            JsonNode shown = null!;
            await Poll.UntilAsync(async () =>
            {
                shown = (await browser.EvaluateAsync(ReadPage))!;
                return shown?["functions"]?["echo"]?["predState"]?.GetValue<string>().Contains("run over", StringComparison.Ordinal) == true;
            }, "the run to end on the page", 120_000);
            await script.WaitForExitAsync().WithTimeout(120_000);
            string stdout = await output.WithTimeout(10_000);
            Assert.True(script.ExitCode == 0, stdout + await errors.WithTimeout(10_000));

            // " total  sent  200  unanswered  admitted  predicted  429 <reason>…  throttled  predicted  other  errors"
            var total = stdout.Split('\n').Single(l => l.TrimStart().StartsWith("total ", StringComparison.Ordinal))
                .Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(t => double.Parse(t == "total" ? "0" : t, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(total[5], Number(shown, "echo", "predAdmitted"));
            Assert.Equal(total[^3], Number(shown, "echo", "predThrottled"));
            Assert.Equal(total[4], Number(shown, "echo", "obsAdmitted"));
            Assert.Equal(total[^4], Number(shown, "echo", "obsThrottled"));
            Assert.True(Number(shown, "echo", "throttleTotal.ReservedFunctionInvocationRateLimitExceeded") > 0);

        }
        finally
        {
            if (!script.HasExited)
            {
                Processes.Signal(script.Id, Processes.SIGTERM); // its trap stops the gateway and the harness
                await script.WaitForExitAsync().WithTimeout(30_000);
            }
        }
    }

    [Fact]
    public async Task The_event_stream_sends_snapshots_as_server_sent_events()
    {
        await using var gateway = await GatewayProcess.StartAsync([TestFunction.Sample("echo")]);
        (await gateway.InvokeAsync("echo", "{}")).Dispose();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await gateway.Client.GetAsync("/_gateway/events", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        var snapshots = new List<JsonNode>();
        while (snapshots.Count < 2)
        {
            var line = await reader.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("the stream ended");
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                snapshots.Add(JsonNode.Parse(line["data: ".Length..])!);
            }
        }
        Assert.True(snapshots[1]["seq"]!.GetValue<long>() > snapshots[0]["seq"]!.GetValue<long>());
        var echo = snapshots[1]["functions"]!.AsArray().Single(f => f!["name"]!.GetValue<string>() == "echo")!;
        Assert.Equal(1, echo["totals"]!["invocations"]!.GetValue<long>());
        Assert.Equal(0, echo["rates"]!["invocations"]!.GetValue<double>());
        Assert.Equal(1000, snapshots[1]["account"]!["concurrencyLimit"]!.GetValue<int>());
        Assert.NotNull(echo["environments"]!["idle"]);
    }

    private static string Text(JsonNode page, string? function, string key) =>
        (function is null ? page["account"]![key] : page["functions"]![function]![key])?.GetValue<string>()
        ?? throw new InvalidOperationException($"{function ?? "account"}: no element with data-k=\"{key}\"");

    private static double Number(JsonNode page, string? function, string key) => double.Parse(Text(page, function, key), CultureInfo.InvariantCulture);

    private static double Metric(string text, string series)
    {
        var match = Regex.Match(text, "^" + Regex.Escape(series) + " (\\S+)$", RegexOptions.Multiline);
        Assert.True(match.Success, $"{series} not in /metrics");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static void AssertBetween(string before, string after, string series, double shown)
    {
        double low = Metric(before, series), high = Metric(after, series);
        Assert.True(low <= shown && shown <= high, $"{series}: the page shows {shown}; /metrics said {low} before and {high} after");
    }
}
