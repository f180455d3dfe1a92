using System.Text.Json;

namespace Gateway.Tests;

/// <summary>
/// The README's "Deploy with the aws CLI" walk-through, run by both CLIs found here (pyenv's aws-cli 1.x, first on
/// PATH, and Debian's aws-cli 2): create from a zip, wait, invoke, update, publish, alias with weights, reserved and
/// provisioned concurrency, delete — against the native binary.
/// </summary>
public sealed class DeployWithAwsCliTests : IAsyncLifetime
{
    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayProcess.StartAsync([]);

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Theory]
    [InlineData("aws")]
    [InlineData("/usr/bin/aws")]
    public async Task A_bash_function_from_create_to_delete(string cli)
    {
        using var aws = new AwsCli(cli);
        var name = "cli-bash-" + (cli == "aws" ? "v1" : "v2");
        await File.WriteAllBytesAsync(Path.Combine(aws.Directory, "v1.zip"), FunctionZip.BashAnswering("""{"code":1}"""));
        await File.WriteAllBytesAsync(Path.Combine(aws.Directory, "v2.zip"), FunctionZip.BashAnswering("""{"code":2}"""));

        var created = await Ok(aws, "create-function", "--function-name", name, "--runtime", "provided.al2023", "--role", ManagementApi.Role,
            "--handler", "function.handler", "--timeout", "30", "--zip-file", "fileb://v1.zip");
        Assert.Equal("Pending", created.GetProperty("State").GetString());
        await Ok(aws, "wait", "function-active-v2", "--function-name", name);
        await Invoke(aws, name, null, """{"code":1}""", "$LATEST");

        await Ok(aws, "publish-version", "--function-name", name); // version 1: code 1
        await Ok(aws, "update-function-code", "--function-name", name, "--zip-file", "fileb://v2.zip");
        await Ok(aws, "wait", "function-updated-v2", "--function-name", name);
        await Invoke(aws, name, null, """{"code":2}""", "$LATEST");
        var published = await Ok(aws, "publish-version", "--function-name", name);
        Assert.Equal("2", published.GetProperty("Version").GetString());

        var alias = await Ok(aws, "create-alias", "--function-name", name, "--name", "live", "--function-version", "1",
            "--routing-config", """{"AdditionalVersionWeights":{"2":0.1}}""");
        Assert.EndsWith($":function:{name}:live", alias.GetProperty("AliasArn").GetString());
        var versions = new HashSet<string>();
        for (int i = 0; i < 3; i++)
        {
            var result = await Ok(aws, "invoke", "--function-name", name, "--qualifier", "live", "--payload", "{}", "out.json");
            versions.Add(result.GetProperty("ExecutedVersion").GetString()!);
        }
        Assert.Subset(new HashSet<string> { "1", "2" }, versions);

        // Reserved concurrency 1: a second concurrent call is throttled with Lambda's reason.
        await Ok(aws, "put-function-concurrency", "--function-name", name, "--reserved-concurrent-executions", "1");
        var first = _gateway.InvokeAsync(name, """{"hold":true}"""); // runs 10 s
        await Poll.UntilAsync(async () => (await _gateway.Client.GetStringAsync("/metrics")).Contains($"lambda_concurrent_executions{{function=\"{name}\"}} 1"), "the first call to be running");
        var (exit, _, stderr) = await aws.LambdaAsync(_gateway, ["invoke", "--function-name", name, "--payload", "{}", "out2.json"]);
        Assert.NotEqual(0, exit);
        Assert.Contains("TooManyRequestsException", stderr);
        Assert.Equal(HttpStatusCode.OK, (await first.WithTimeout()).StatusCode);
        await Ok(aws, "delete-function-concurrency", "--function-name", name);

        // Provisioned concurrency on an alias that still routes by weight is refused, as AWS refuses it; once the canary
        // is over (no weights), 3 on the alias: three environments pre-forked for its version.
        var (weightedExit, _, weighted) = await aws.LambdaAsync(_gateway,
            ["put-provisioned-concurrency-config", "--function-name", name, "--qualifier", "live", "--provisioned-concurrent-executions", "3"]);
        Assert.NotEqual(0, weightedExit);
        Assert.Contains("(InvalidParameterValueException) when calling the PutProvisionedConcurrencyConfig operation", weighted);
        Assert.Contains(": Alias with weights can not be used with Provisioned Concurrency", weighted);
        await Ok(aws, "update-alias", "--function-name", name, "--name", "live", "--routing-config", """{"AdditionalVersionWeights":{}}""");
        await Ok(aws, "put-provisioned-concurrency-config", "--function-name", name, "--qualifier", "live", "--provisioned-concurrent-executions", "3");
        await Poll.UntilAsync(async () =>
        {
            var config = await Ok(aws, "get-provisioned-concurrency-config", "--function-name", name, "--qualifier", "live");
            return config.GetProperty("Status").GetString() == "READY";
        }, "provisioned concurrency to be READY", 60_000);
        Assert.True((await _gateway.WorkerPidsAsync(name)).Length >= 3);

        await Ok(aws, "delete-function", "--function-name", name);
        var (missingExit, _, missing) = await aws.LambdaAsync(_gateway, ["get-function", "--function-name", name]);
        Assert.NotEqual(0, missingExit);
        Assert.Contains("ResourceNotFoundException", missing);
        await Poll.UntilAsync(async () => (await _gateway.AllWorkerPidsAsync()).Length == 0, "the deleted function's environments to stop");
    }

    [Fact]
    public async Task A_native_CSharp_function_from_a_zip()
    {
        using var aws = new AwsCli("/usr/bin/aws");
        await File.WriteAllBytesAsync(Path.Combine(aws.Directory, "csharp.zip"), FunctionZip.CSharpSamples());

        await Ok(aws, "create-function", "--function-name", "cli-csharp", "--runtime", "provided.al2023", "--role", ManagementApi.Role,
            "--handler", "echo", "--zip-file", "fileb://csharp.zip");
        await Ok(aws, "wait", "function-active-v2", "--function-name", "cli-csharp");
        await Invoke(aws, "cli-csharp", null, """{"from":"zip"}""", "$LATEST", payload: """{"from":"zip"}""");
        await Ok(aws, "delete-function", "--function-name", "cli-csharp");
    }

    private async Task Invoke(AwsCli aws, string name, string? qualifier, string expectedBody, string expectedVersion, string payload = "{}")
    {
        string[] args = ["invoke", "--function-name", name, "--payload", payload, "out.json"];
        if (qualifier is not null)
        {
            args = [.. args, "--qualifier", qualifier];
        }
        var result = await Ok(aws, args);
        Assert.Equal(expectedVersion, result.GetProperty("ExecutedVersion").GetString());
        Assert.False(result.TryGetProperty("FunctionError", out _));
        Assert.Equal(expectedBody, await File.ReadAllTextAsync(Path.Combine(aws.Directory, "out.json")));
    }

    private async Task<JsonElement> Ok(AwsCli aws, params string[] args)
    {
        var (exit, stdout, stderr) = await aws.LambdaAsync(_gateway, args);
        Assert.True(exit == 0, $"aws lambda {string.Join(' ', args)}: exit {exit}\n{stderr}");
        return stdout.Trim().Length == 0 ? default : JsonDocument.Parse(stdout).RootElement.Clone();
    }
}
