using System.Text.Json;

namespace Gateway.Tests;

/// <summary>The real aws CLI (botocore) against the gateway with --endpoint-url: AWS's own client must work unchanged.</summary>
[Collection(SharedGatewayCollection.Name)]
public sealed class AwsCliTests(SharedGateway shared) : IDisposable
{
    private readonly AwsCli _cli = new();

    private string Dir => _cli.Directory;

    private GatewayProcess Gateway => shared.Gateway;

    private Task<(int ExitCode, string Stdout, string Stderr)> AwsAsync(params string[] args) => _cli.LambdaAsync(Gateway, args);

    [Fact]
    public async Task Invoke_returns_the_payload_and_the_status()
    {
        var (exit, stdout, stderr) = await AwsAsync("invoke", "--function-name", "echo", "--payload", """{"from":"aws-cli"}""", "out.json");

        Assert.True(exit == 0, stderr);
        var result = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(200, result.GetProperty("StatusCode").GetInt32());
        Assert.Equal("$LATEST", result.GetProperty("ExecutedVersion").GetString());
        Assert.Equal("""{"from":"aws-cli"}""", await File.ReadAllTextAsync(Path.Combine(Dir, "out.json")));
    }

    [Fact]
    public async Task Invoke_by_full_ARN_with_log_tail()
    {
        var (exit, stdout, stderr) = await AwsAsync("invoke", "--function-name", "arn:aws:lambda:us-east-1:000000000000:function:bash-echo:$LATEST", "--log-type", "Tail", "--payload", """{"stock":"runtime"}""", "out.json");

        Assert.True(exit == 0, stderr);
        var result = JsonDocument.Parse(stdout).RootElement;
        var log = Encoding.UTF8.GetString(Convert.FromBase64String(result.GetProperty("LogResult").GetString()!));
        Assert.Contains("REPORT RequestId:", log);
        Assert.Equal("""{"stock":"runtime"}""", await File.ReadAllTextAsync(Path.Combine(Dir, "out.json")));
    }

    [Fact]
    public async Task A_function_error_is_reported_as_FunctionError()
    {
        var (exit, stdout, stderr) = await AwsAsync("invoke", "--function-name", "fail", "out.json");

        Assert.True(exit == 0, stderr);
        Assert.Equal("Unhandled", JsonDocument.Parse(stdout).RootElement.GetProperty("FunctionError").GetString());
        Assert.Contains("InvalidOperationException", await File.ReadAllTextAsync(Path.Combine(Dir, "out.json")));
    }

    [Fact]
    public async Task Botocore_names_the_exceptions()
    {
        var missing = await AwsAsync("invoke", "--function-name", "does-not-exist", "out.json");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("An error occurred (ResourceNotFoundException) when calling the Invoke operation: Function not found: arn:aws:lambda:us-east-1:000000000000:function:does-not-exist:$LATEST", missing.Stderr);

        var big = Path.Combine(Dir, "big.json");
        await File.WriteAllBytesAsync(big, new byte[6 * 1024 * 1024 + 1]);
        var tooLarge = await AwsAsync("invoke", "--function-name", "echo", "--payload", "fileb://" + big, "out.json");
        Assert.Contains("An error occurred (RequestEntityTooLargeException) when calling the Invoke operation: Request must be smaller than 6291456 bytes for the InvokeFunction operation", tooLarge.Stderr);

        var badType = await AwsAsync("invoke", "--function-name", "echo", "--invocation-type", "Later", "out.json");
        Assert.NotEqual(0, badType.ExitCode);
    }

    [Fact]
    public async Task Event_and_DryRun_invocations()
    {
        var ev = await AwsAsync("invoke", "--function-name", "echo", "--invocation-type", "Event", "--payload", "{}", "out.json");
        Assert.True(ev.ExitCode == 0, ev.Stderr);
        Assert.Equal(202, JsonDocument.Parse(ev.Stdout).RootElement.GetProperty("StatusCode").GetInt32());

        var dry = await AwsAsync("invoke", "--function-name", "echo", "--invocation-type", "DryRun", "out.json");
        Assert.True(dry.ExitCode == 0, dry.Stderr);
        Assert.Equal(204, JsonDocument.Parse(dry.Stdout).RootElement.GetProperty("StatusCode").GetInt32());
    }

    [Fact]
    public async Task Get_account_settings_parses()
    {
        var (exit, stdout, stderr) = await AwsAsync("get-account-settings");

        Assert.True(exit == 0, stderr);
        var limit = JsonDocument.Parse(stdout).RootElement.GetProperty("AccountLimit");
        Assert.Equal(1000, limit.GetProperty("ConcurrentExecutions").GetInt32());
        Assert.Equal(1000, limit.GetProperty("UnreservedConcurrentExecutions").GetInt32());
    }

    public void Dispose() => _cli.Dispose();
}
