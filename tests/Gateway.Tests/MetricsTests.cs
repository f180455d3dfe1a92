using System.Text.RegularExpressions;

namespace Gateway.Tests;

/// <summary>GET /metrics (Prometheus text, Lambda's metric names) and GET /2016-08-19/account-settings.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_count_invocations_errors_throttles_and_durations()
    {
        await using var gateway = await GatewayProcess.StartAsync(
        [
            TestFunction.Sample("echo"),
            TestFunction.Sample("fail"),
            TestFunction.Sample("slow") with { Timeout = 30, Provisioned = 0, ReservedConcurrentExecutions = 1 },
        ]);
        for (int i = 0; i < 3; i++)
        {
            (await gateway.InvokeAsync("echo", "{}")).Dispose();
        }
        (await gateway.InvokeAsync("fail", "{}")).Dispose();
        var running = gateway.InvokeAsync("slow", """{"ms":1000}""");
        await Poll.UntilAsync(async () => (await gateway.WorkerPidsAsync("slow")).Length == 1, "the slow environment to run");
        using (var throttled = await gateway.InvokeAsync("slow", "{}"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        }
        (await running.WithTimeout()).Dispose();

        using var response = await gateway.Client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(3, Value(text, "lambda_invocations_total", "function=\"echo\""));
        Assert.Equal(0, Value(text, "lambda_errors_total", "function=\"echo\""));
        Assert.Equal(1, Value(text, "lambda_errors_total", "function=\"fail\""));
        Assert.Equal(1, Value(text, "lambda_throttles_total", "function=\"slow\",reason=\"ReservedFunctionConcurrentInvocationLimitExceeded\""));
        Assert.Equal(3, Value(text, "lambda_duration_milliseconds_count", "function=\"echo\""));
        Assert.Equal(3, Value(text, "lambda_duration_milliseconds_bucket", "function=\"echo\",le=\"+Inf\""));
        Assert.Equal(0, Value(text, "lambda_concurrent_executions", null));
        Assert.Equal(999, Value(text, "lambda_unreserved_concurrency_limit", null));
        Assert.Equal(1, Value(text, "lambda_environments", "function=\"echo\",state=\"idle\""));
        Assert.Equal(0, Value(text, "gateway_invocations_outstanding", null));
        Assert.Contains("# TYPE lambda_duration_milliseconds histogram", text);

        // The gateway's own collections and pauses (what a tail spike can be checked against): counts by generation,
        // each younger one at least the older one's (a gen2 collection also collects gen0 and gen1).
        double gen0 = Value(text, "gateway_gc_collections_total", "generation=\"0\"");
        double gen1 = Value(text, "gateway_gc_collections_total", "generation=\"1\"");
        double gen2 = Value(text, "gateway_gc_collections_total", "generation=\"2\"");
        Assert.True(gen0 >= gen1 && gen1 >= gen2 && gen2 >= 0, text);
        Assert.True(Value(text, "gateway_gc_pause_seconds_total", null) >= 0);
        Assert.Contains("# TYPE gateway_gc_pause_seconds_total counter", text);
    }

    [Fact]
    public async Task The_heap_start_up_leaves_alive_is_settled_into_gen2_before_any_load()
    {
        // Hosting/StartupHeap.cs: two gen1 collections when the server starts and two more once the pre-forked
        // environments are ready, so the first collections under load do not copy megabytes of start-up objects.
        await using var gateway = await GatewayProcess.StartAsync([TestFunction.Sample("echo") with { Provisioned = 2 }]);
        string text = "";
        await Poll.UntilAsync(async () =>
        {
            using var response = await gateway.Client.GetAsync("/metrics");
            text = await response.Content.ReadAsStringAsync();
            return Value(text, "gateway_gc_collections_total", "generation=\"1\"") >= 4
                && Value(text, "lambda_environments", "function=\"echo\",state=\"idle\"") == 2;
        }, "the start-up heap to be settled with the pre-forked environments ready");

        // Start-up's objects (~3.4 MB, which gen1 held before the settle) are in gen2, and gen1 holds only what was
        // allocated since the last settle: a few hundred KB when a loaded box spawns the environments between them.
        Assert.True(Value(text, "gateway_gc_heap_bytes", "generation=\"2\"") > 1_000_000, text);
        Assert.True(Value(text, "gateway_gc_heap_bytes", "generation=\"1\"") < 1_000_000, text);
        Assert.True(Value(text, "gateway_gc_last_promoted_bytes", "kind=\"ephemeral\"") + Value(text, "gateway_gc_last_promoted_bytes", "kind=\"full_blocking\"") > 0, text);
        Assert.True(Value(text, "gateway_gc_last_pause_seconds", "kind=\"ephemeral\"") + Value(text, "gateway_gc_last_pause_seconds", "kind=\"full_blocking\"") > 0, text);
    }

    [Fact]
    public async Task Account_settings_report_the_limits_as_AWS_does()
    {
        await using var gateway = await GatewayProcess.StartAsync(
            [TestFunction.Sample("echo"), TestFunction.Sample("slow") with { Provisioned = 0, ReservedConcurrentExecutions = 50 }],
            "--Gateway:AccountConcurrencyLimit=400");

        using var response = await gateway.Client.GetAsync("/2016-08-19/account-settings");
        // A request id (boto3's ResponseMetadata.RequestId) and plain application/json, as every management answer.
        Assert.True(Guid.TryParse(response.Headers.GetValues("x-amzn-RequestId").Single(), out _));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.ToString());
        var json = await GatewayProcess.ReadJsonAsync(response);

        Assert.Equal(400, json.GetProperty("AccountLimit").GetProperty("ConcurrentExecutions").GetInt32());
        Assert.Equal(350, json.GetProperty("AccountLimit").GetProperty("UnreservedConcurrentExecutions").GetInt32());
        Assert.Equal(2, json.GetProperty("AccountUsage").GetProperty("FunctionCount").GetInt32());
        Assert.True(json.GetProperty("AccountUsage").GetProperty("TotalCodeSize").GetInt64() > 0);
    }

    private static double Value(string text, string name, string? labels)
    {
        var pattern = "^" + Regex.Escape(name) + (labels is null ? "" : Regex.Escape("{" + labels + "}")) + " (\\S+)$";
        var match = Regex.Match(text, pattern, RegexOptions.Multiline);
        Assert.True(match.Success, $"{name}{{{labels}}} not found in:\n{text}");
        return double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
