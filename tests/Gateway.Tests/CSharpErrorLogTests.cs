using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>
/// The C# client's unhandled-exception log record, as Amazon.Lambda.RuntimeSupport writes it: in Text format
/// <c>&lt;time&gt;\t&lt;request id&gt;\tfail\t&lt;exception.ToString()&gt;</c> (inner exceptions included) as one log event, and with
/// LogFormat JSON an object at level Error, which ApplicationLogLevel ERROR keeps.
/// </summary>
public sealed class CSharpErrorLogTests : IAsyncLifetime
{
    private const string Outer = "System.InvalidOperationException: The 'fail' sample function failed on purpose.";
    private const string Inner = "---> System.FormatException: The inner cause of the 'fail' sample.";

    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayProcess.StartAsync(
    [
        TestFunction.Sample("fail") with { Provisioned = 0 },
        TestFunction.Sample("initfail") with { Provisioned = 0 },
        TestFunction.Sample("jfail", "fail") with
        {
            Provisioned = 0,
            Extra = new JsonObject { ["LoggingConfig"] = new JsonObject { ["LogFormat"] = "JSON", ["ApplicationLogLevel"] = "ERROR" } },
        },
    ]);

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task An_unhandled_exception_is_logged_whole_with_the_request_id_as_one_event()
    {
        using var response = await _gateway.InvokeAsync("fail", "{}", logType: "Tail");

        var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();
        var tail = Encoding.UTF8.GetString(Convert.FromBase64String(response.Headers.GetValues("X-Amz-Log-Result").Single()));
        var prefix = $"\t{requestId}\tfail\t{Outer}\n {Inner}\n";
        Assert.Contains(prefix, tail, StringComparison.Ordinal);
        Assert.Contains("--- End of inner exception stack trace ---", tail, StringComparison.Ordinal);

        // The document has the inner exception as its cause.
        var body = await GatewayProcess.ReadJsonAsync(response);
        Assert.Equal("FormatException", body.GetProperty("cause").GetProperty("errorType").GetString());

        // Searching the logs for the request id finds the exception, inner exception and stack included, in one event.
        await _gateway.WaitForLogAsync("fail", "END RequestId: " + requestId);
        using var aws = new AwsCli("aws");
        var (exit, stdout, stderr) = await aws.LogsAsync(_gateway, "filter-log-events", "--log-group-name", "/aws/lambda/fail",
            "--filter-pattern", $"\"{Inner}\"");
        Assert.True(exit == 0, stderr);
        var message = Assert.Single(JsonDocument.Parse(stdout).RootElement.GetProperty("events").EnumerateArray()).GetProperty("message").GetString()!;
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t", message);
        Assert.Contains(prefix, message, StringComparison.Ordinal);
        Assert.Contains("--- End of inner exception stack trace ---", message, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', message);
    }

    [Fact]
    public async Task An_init_error_is_logged_whole()
    {
        using var response = await _gateway.InvokeAsync("initfail", "{}");

        var logs = await _gateway.WaitForLogAsync("initfail", "The 'initfail' sample function failed during init on purpose.");
        // No invocation yet: the request id is empty, as RuntimeSupport writes it during init.
        Assert.Contains("\t\tfail\tSystem.InvalidOperationException: The 'initfail' sample function failed during init on purpose.\r"
            + " ---> System.FormatException: The inner cause of the 'initfail' sample.", logs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_JSON_format_the_exception_is_an_Error_record_kept_at_ApplicationLogLevel_ERROR()
    {
        using var response = await _gateway.InvokeAsync("jfail", "{}", logType: "Tail");

        var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();
        var tail = Encoding.UTF8.GetString(Convert.FromBase64String(response.Headers.GetValues("X-Amz-Log-Result").Single()));
        var line = Assert.Single(tail.Split('\n'), l => l.Contains("\"errorType\"", StringComparison.Ordinal));
        var record = JsonDocument.Parse(line).RootElement;
        Assert.Equal("Error", record.GetProperty("level").GetString());
        Assert.Equal(requestId, record.GetProperty("requestId").GetString());
        Assert.Equal("System.InvalidOperationException", record.GetProperty("errorType").GetString());
        Assert.Equal("The 'fail' sample function failed on purpose.", record.GetProperty("errorMessage").GetString());
        var stack = record.GetProperty("stackTrace").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal([Outer, Inner], stack.Take(2));
    }
}
