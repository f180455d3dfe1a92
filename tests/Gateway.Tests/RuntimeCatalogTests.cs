using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>
/// The runtimes catalog against the native binary: Runtime in the functions file, a runtime the machine cannot run
/// refused at CreateFunction (not at the first invoke), Runtime kept across a restart, and the Node sample.
/// </summary>
public sealed class RuntimeCatalogTests
{
    [Fact]
    public async Task A_functions_file_entry_runs_on_a_managed_runtime_without_a_bootstrap()
    {
        RuntimeFunctions.RequireNodeRuntime();
        var code = Directory.CreateTempSubdirectory("node-file-fn-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(code, "app.js"), "exports.run = async (e) => ({ file: true, env: process.env.AWS_EXECUTION_ENV, e });");
            await using var gateway = await GatewayProcess.StartAsync(
            [
                new TestFunction("node-file", code, "app.run") { Extra = new JsonObject { ["Runtime"] = "nodejs20.x" }, Provisioned = 1 },
            ]);

            using var response = await gateway.InvokeAsync("node-file", """{"n":1}""");
            Assert.Equal("""{"file":true,"env":"AWS_Lambda_nodejs20.x","e":{"n":1}}""", await response.Content.ReadAsStringAsync());
            var config = await gateway.GetFunctionConfigurationAsync("node-file");
            Assert.Equal("nodejs20.x", config["Runtime"]!.GetValue<string>());
            Assert.Matches(@"\[gateway\] nodejs20\.x runs on Node v\d+\.\d+\.\d+ \(/", gateway.Output);
        }
        finally
        {
            Directory.Delete(code, recursive: true);
        }
    }

    [Fact]
    public async Task A_functions_file_entry_with_an_unknown_runtime_stops_the_start_with_AWS_message()
    {
        var root = Directory.CreateTempSubdirectory("gateway-test-").FullName;
        var entry = TestFunction.Sample("echo").ToJson();
        entry["Runtime"] = "nodejs99.x";
        await File.WriteAllTextAsync(Path.Combine(root, "functions.json"), new JsonObject { ["Functions"] = new JsonArray(entry) }.ToJsonString());
        var gateway = GatewayProcess.Launch(root, GatewayProcess.FreePort());
        await using var _ = gateway;
        await gateway.WaitForExitAsync();

        Assert.Equal(1, gateway.ExitCode);
        Assert.Contains("function 'echo': Runtime: InvalidParameterValueException: Value nodejs99.x at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [", gateway.Output);
    }

    [Fact]
    public async Task Without_node_on_PATH_nodejs_is_refused_at_CreateFunction()
    {
        // A PATH without node (the gateway itself needs none). Python is not tested this way: Debian's /usr/bin/python3
        // is preferred to PATH's, so only a machine without it refuses python3.* for that reason.
        var empty = Directory.CreateTempSubdirectory("empty-path-").FullName;
        try
        {
            await using var gateway = await GatewayProcess.StartWithEnvironmentAsync([], new Dictionary<string, string?> { ["PATH"] = empty });
            var zip = Convert.ToBase64String(RuntimeFunctions.Sources(("index.js", "exports.handler = async () => 1;")));

            foreach (var (runtime, command) in new[] { ("nodejs20.x", "node") })
            {
                var body = new JsonObject
                {
                    ["FunctionName"] = "fn-" + command, ["Runtime"] = runtime, ["Role"] = ManagementApi.Role, ["Handler"] = "index.handler",
                    ["Code"] = new JsonObject { ["ZipFile"] = zip },
                };
                using var response = await gateway.Client.PostAsync("/2015-03-31/functions", new StringContent(body.ToWire()));
                var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

                Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
                Assert.Equal("InvalidParameterValueException", response.Headers.GetValues("x-amzn-ErrorType").Single().Split(':')[0]);
                Assert.StartsWith($"The runtime parameter of {runtime} is not available on this gateway: there is no '{command}' on the gateway's PATH",
                    error.GetProperty("message").GetString());
            }
            // An OS-only runtime still is.
            await gateway.CreateFunctionAsync("fn-bash", FunctionZip.BashAnswering("{}"));
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [Fact]
    public async Task A_node_function_created_through_the_API_keeps_its_runtime_across_a_restart()
    {
        RuntimeFunctions.RequireNodeRuntime();
        var gateway = await GatewayProcess.StartAsync([]);
        try
        {
            await gateway.CreateRuntimeFunctionAsync("node-kept", "nodejs22.x", "index.handler",
                RuntimeFunctions.Sources(("index.js", "exports.handler = async () => process.env.AWS_EXECUTION_ENV;")));
            await gateway.StopAsync();
            var restarted = await GatewayProcess.RestartAsync(gateway);
            gateway = restarted;

            Assert.Equal("nodejs22.x", (await gateway.GetFunctionConfigurationAsync("node-kept"))["Runtime"]!.GetValue<string>());
            using var response = await gateway.InvokeAsync("node-kept", "{}");
            Assert.Equal("\"AWS_Lambda_nodejs22.x\"", await response.Content.ReadAsStringAsync());
            Assert.Matches(@"\[gateway\] nodejs22\.x runs on Node v", gateway.Output);
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("aws")]
    [InlineData("/usr/bin/aws")]
    public async Task The_node_hello_sample_is_created_and_invoked_with_the_aws_CLI(string cli)
    {
        RuntimeFunctions.RequireNodeRuntime();
        await using var gateway = await GatewayProcess.StartAsync([]);
        using var aws = new AwsCli(cli);
        using (var zip = ZipFile.Open(Path.Combine(aws.Directory, "node-hello.zip"), ZipArchiveMode.Create))
        {
            zip.CreateEntryFromFile(Path.Combine(TestPaths.RepoRoot, "samples", "node-hello", "index.mjs"), "index.mjs");
        }

        var (exit, _, stderr) = await aws.LambdaAsync(gateway, ["create-function", "--function-name", "node-hello", "--runtime", "nodejs20.x",
            "--handler", "index.handler", "--role", ManagementApi.Role, "--zip-file", "fileb://node-hello.zip"]);
        Assert.True(exit == 0, stderr);
        (exit, _, stderr) = await aws.LambdaAsync(gateway, ["wait", "function-active-v2", "--function-name", "node-hello"]);
        Assert.True(exit == 0, stderr);
        (exit, _, stderr) = await aws.LambdaAsync(gateway, ["invoke", "--function-name", "node-hello", "--payload", """{"name":"Ada"}""", "out.json"]);
        Assert.True(exit == 0, stderr);

        var result = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(aws.Directory, "out.json"))).RootElement;
        Assert.Equal(200, result.GetProperty("statusCode").GetInt32());
        var body = JsonDocument.Parse(result.GetProperty("body").GetString()!).RootElement;
        Assert.Equal("Hello, Ada!", body.GetProperty("message").GetString());
        Assert.Equal("AWS_Lambda_nodejs20.x", body.GetProperty("runtime").GetString());
    }
}
