using System.Text.Json;

namespace Gateway.Tests;

/// <summary>The real aws CLI (botocore) against the gateway with --endpoint-url: AWS's own client must work unchanged.</summary>
[Collection(SharedGatewayCollection.Name)]
public sealed class AwsCliTests(SharedGateway shared) : IDisposable
{
    private readonly string _dir = CreateDirectoryWithConfig();

    /// <summary>aws-cli v2 (Debian's awscli) reads --payload as base64 unless told otherwise; v1 ignores the setting.</summary>
    private static string CreateDirectoryWithConfig()
    {
        var dir = Directory.CreateTempSubdirectory("aws-cli-").FullName;
        File.WriteAllText(Path.Combine(dir, "config"), "[default]\ncli_binary_format = raw-in-base64-out\nregion = us-east-1\n");
        return dir;
    }

    private GatewayProcess Gateway => shared.Gateway;

    private async Task<(int ExitCode, string Stdout, string Stderr)> AwsAsync(params string[] args)
    {
        var environment = new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = "test",
            ["AWS_SECRET_ACCESS_KEY"] = "test",
            ["AWS_DEFAULT_REGION"] = "us-east-1",
            ["AWS_PAGER"] = "",
            ["AWS_MAX_ATTEMPTS"] = "1",
            ["AWS_CONFIG_FILE"] = Path.Combine(_dir, "config"),
        };
        return await Processes.RunAsync("aws", ["--endpoint-url", Gateway.BaseAddress.ToString().TrimEnd('/'), "lambda", .. args], environment, _dir, 120_000);
    }

    [Fact]
    public async Task Invoke_returns_the_payload_and_the_status()
    {
        var (exit, stdout, stderr) = await AwsAsync("invoke", "--function-name", "echo", "--payload", """{"from":"aws-cli"}""", "out.json");

        Assert.True(exit == 0, stderr);
        var result = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(200, result.GetProperty("StatusCode").GetInt32());
        Assert.Equal("$LATEST", result.GetProperty("ExecutedVersion").GetString());
        Assert.Equal("""{"from":"aws-cli"}""", await File.ReadAllTextAsync(Path.Combine(_dir, "out.json")));
    }

    [Fact]
    public async Task Invoke_by_full_ARN_with_log_tail()
    {
        var (exit, stdout, stderr) = await AwsAsync("invoke", "--function-name", "arn:aws:lambda:us-east-1:000000000000:function:bash-echo:$LATEST", "--log-type", "Tail", "--payload", """{"stock":"runtime"}""", "out.json");

        Assert.True(exit == 0, stderr);
        var result = JsonDocument.Parse(stdout).RootElement;
        var log = Encoding.UTF8.GetString(Convert.FromBase64String(result.GetProperty("LogResult").GetString()!));
        Assert.Contains("REPORT RequestId:", log);
        Assert.Equal("""{"stock":"runtime"}""", await File.ReadAllTextAsync(Path.Combine(_dir, "out.json")));
    }

    [Fact]
    public async Task A_function_error_is_reported_as_FunctionError()
    {
        var (exit, stdout, stderr) = await AwsAsync("invoke", "--function-name", "fail", "out.json");

        Assert.True(exit == 0, stderr);
        Assert.Equal("Unhandled", JsonDocument.Parse(stdout).RootElement.GetProperty("FunctionError").GetString());
        Assert.Contains("InvalidOperationException", await File.ReadAllTextAsync(Path.Combine(_dir, "out.json")));
    }

    [Fact]
    public async Task Botocore_names_the_exceptions()
    {
        var missing = await AwsAsync("invoke", "--function-name", "does-not-exist", "out.json");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("An error occurred (ResourceNotFoundException) when calling the Invoke operation: Function not found: arn:aws:lambda:us-east-1:000000000000:function:does-not-exist:$LATEST", missing.Stderr);

        var big = Path.Combine(_dir, "big.json");
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

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
