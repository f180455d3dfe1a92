using System.Text.RegularExpressions;

namespace Gateway.Tests;

/// <summary>
/// What a real client does with Gateway's 429: botocore (the aws CLI) must classify it as a throttle and retry,
/// in both of its retry modes — which is what people use Gateway to verify.
/// </summary>
public sealed class ThrottleRetryTests : IAsyncLifetime, IDisposable
{
    private readonly AwsCli _cli = new();
    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayProcess.StartAsync(
        [TestFunction.Sample("slow") with { Timeout = 60, Provisioned = 0, ReservedConcurrentExecutions = 1 }]);

    public Task DisposeAsync() => _gateway.DisposeAsync().AsTask();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("legacy")]
    [InlineData("standard")]
    public async Task Botocore_retries_a_throttled_invoke_and_reports_TooManyRequestsException(string retryMode)
    {
        // Hold the function's only unit of concurrency for the whole test.
        var holder = _gateway.InvokeAsync("slow", """{"ms":6000}""");
        await Poll.UntilAsync(async () => (await _gateway.WorkerPidsAsync("slow")).Length == 1, "the slow invocation to hold the reserved unit");
        double before = await ThrottlesAsync();

        var (exit, _, stderr) = await _cli.LambdaAsync(_gateway, ["invoke", "--function-name", "slow", "--payload", "{}", "out.json"],
            new Dictionary<string, string> { ["AWS_RETRY_MODE"] = retryMode, ["AWS_MAX_ATTEMPTS"] = "3" });

        Assert.NotEqual(0, exit);
        Assert.Contains("TooManyRequestsException", stderr);
        Assert.Matches(new Regex(@"reached max retries: 2"), stderr);  // three attempts in all
        Assert.Equal(3, await ThrottlesAsync() - before);               // and all three reached the gateway
        using var held = await holder.WithTimeout(); // outlasted the client's retries, then finished normally
        Assert.Equal(HttpStatusCode.OK, held.StatusCode);
    }

    private async Task<double> ThrottlesAsync()
    {
        var text = await _gateway.Client.GetStringAsync("/metrics");
        var match = Regex.Match(text, "^lambda_throttles_total\\{function=\"slow\",reason=\"ReservedFunctionConcurrentInvocationLimitExceeded\"\\} (\\S+)$", RegexOptions.Multiline);
        return double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
