using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>
/// What infrastructure-as-code tools (Terraform's AWS provider, SAM sync, Serverless, CDK hotswap) read and write
/// around a function, against the native binary with the aws CLI and plain HTTP: event source mappings and
/// code-signing configs that cannot exist here answered with AWS's not-found errors (bodies as LocalStack recorded
/// them on AWS), and the recursion and runtime-management settings stored, answered and kept across a restart.
/// </summary>
public sealed class InfrastructureAsCodeTests : IAsyncLifetime
{
    private const string Arn = "arn:aws:lambda:us-east-1:000000000000:function:echo";
    private const string CscArn = "arn:aws:lambda:us-east-1:000000000000:code-signing-config:csc-0123456789abcdefx";
    private const string RuntimeArn = "arn:aws:lambda:us-east-1::runtime:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayProcess.StartAsync([TestFunction.Sample("echo")]);

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    /// <summary>The status, the x-amzn-ErrorType and the exact body.</summary>
    private async Task AssertAnswerAsync(HttpMethod method, string path, string? body, HttpStatusCode status, string? errorType, string expectedBody)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await _gateway.Client.SendAsync(request).WithTimeout();
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{method} {path}: {(int)response.StatusCode} {text}");
        if (errorType is not null)
        {
            Assert.Equal(errorType, Assert.Single(response.Headers.GetValues("x-amzn-ErrorType")));
        }
        Assert.Equal(expectedBody, text);
    }

    private async Task<string> CliFailsAsync(AwsCli aws, params string[] args)
    {
        var (exit, _, stderr) = await aws.LambdaAsync(_gateway, args);
        Assert.NotEqual(0, exit);
        return stderr.Trim();
    }

    private async Task<JsonNode> CliAsync(AwsCli aws, params string[] args)
    {
        var (exit, stdout, stderr) = await aws.LambdaAsync(_gateway, args);
        Assert.True(exit == 0, $"aws {string.Join(' ', args)}: {stderr}");
        return stdout.Trim().Length == 0 ? new JsonObject() : JsonNode.Parse(stdout)!;
    }

    [Fact]
    public async Task Event_source_mappings_are_not_found_and_cannot_be_created()
    {
        const string notFound = """{"Type":"User","Message":"The resource you requested does not exist."}""";
        const string path = "/2015-03-31/event-source-mappings/a1b2c3d4-5678-90ab-cdef-11111EXAMPLE";
        await AssertAnswerAsync(HttpMethod.Get, path, null, HttpStatusCode.NotFound, "ResourceNotFoundException", notFound);
        await AssertAnswerAsync(HttpMethod.Put, path, """{"Enabled":false}""", HttpStatusCode.NotFound, "ResourceNotFoundException", notFound);
        await AssertAnswerAsync(HttpMethod.Delete, path, null, HttpStatusCode.NotFound, "ResourceNotFoundException", notFound);
        await AssertAnswerAsync(HttpMethod.Get, "/2015-03-31/event-source-mappings/not-a-uuid", null, HttpStatusCode.NotFound, "ResourceNotFoundException", notFound);
        await AssertAnswerAsync(HttpMethod.Get, "/2015-03-31/event-source-mappings", null, HttpStatusCode.OK, null, """{"EventSourceMappings":[]}""");

        using var aws = new AwsCli();
        Assert.Contains("An error occurred (ResourceNotFoundException) when calling the GetEventSourceMapping operation: The resource you requested does not exist.",
            await CliFailsAsync(aws, "get-event-source-mapping", "--uuid", "a1b2c3d4-5678-90ab-cdef-11111EXAMPLE"));
        Assert.Contains("An error occurred (ResourceNotFoundException) when calling the DeleteEventSourceMapping operation: The resource you requested does not exist.",
            await CliFailsAsync(aws, "delete-event-source-mapping", "--uuid", "a1b2c3d4-5678-90ab-cdef-11111EXAMPLE"));
        Assert.Contains("An error occurred (InvalidParameterValueException) when calling the CreateEventSourceMapping operation: Event source mappings are not served by this gateway",
            await CliFailsAsync(aws, "create-event-source-mapping", "--function-name", "echo", "--event-source-arn", "arn:aws:sqs:us-east-1:000000000000:queue"));
    }

    [Fact]
    public async Task Code_signing_configs_are_never_found_and_a_function_cannot_name_one()
    {
        string cscNotFound = $$"""{"Type":"User","Message":"The code signing configuration cannot be found. Check that the provided configuration is not deleted: {{CscArn}}."}""";
        // Refused whether or not the function exists: AWS checks the config first (put_function_csc_invalid_both).
        foreach (var function in new[] { "echo", "missing" })
        {
            await AssertAnswerAsync(HttpMethod.Put, $"/2020-06-30/functions/{function}/code-signing-config", $$"""{"CodeSigningConfigArn":"{{CscArn}}"}""",
                HttpStatusCode.NotFound, "CodeSigningConfigNotFoundException", cscNotFound);
        }
        await AssertAnswerAsync(HttpMethod.Get, "/2020-06-30/functions/echo/code-signing-config", null, HttpStatusCode.OK, null, "{}");
        await AssertAnswerAsync(HttpMethod.Delete, "/2020-06-30/functions/echo/code-signing-config", null, HttpStatusCode.NoContent, null, "");
        await AssertAnswerAsync(HttpMethod.Delete, "/2020-06-30/functions/missing/code-signing-config", null, HttpStatusCode.NotFound, "ResourceNotFoundException",
            """{"Type":"User","Message":"Function not found: arn:aws:lambda:us-east-1:000000000000:function:missing"}""");

        string configNotFound = $$"""{"Message":"The Lambda code signing configuration {{CscArn}} can not be found."}""";
        await AssertAnswerAsync(HttpMethod.Get, "/2020-04-22/code-signing-configs/" + CscArn, null, HttpStatusCode.NotFound, "ResourceNotFoundException", configNotFound);
        await AssertAnswerAsync(HttpMethod.Delete, "/2020-04-22/code-signing-configs/" + CscArn, null, HttpStatusCode.NotFound, "ResourceNotFoundException", configNotFound);
        await AssertAnswerAsync(HttpMethod.Get, $"/2020-04-22/code-signing-configs/{CscArn}/functions", null, HttpStatusCode.NotFound, "ResourceNotFoundException", configNotFound);
        await AssertAnswerAsync(HttpMethod.Get, "/2020-04-22/code-signing-configs", null, HttpStatusCode.OK, null, """{"CodeSigningConfigs":[]}""");

        using var aws = new AwsCli();
        Assert.Contains("An error occurred (InvalidParameterValueException) when calling the CreateCodeSigningConfig operation: Code signing configurations are not served by this gateway",
            await CliFailsAsync(aws, "create-code-signing-config", "--allowed-publishers", "SigningProfileVersionArns=arn:aws:signer:us-east-1:000000000000:/signing-profiles/p/abc"));
        var zip = Path.Combine(aws.Directory, "code.zip");
        await File.WriteAllBytesAsync(zip, FunctionZip.BashAnswering("{}"));
        Assert.Contains($"An error occurred (CodeSigningConfigNotFoundException) when calling the CreateFunction operation: The code signing configuration cannot be found. Check that the provided configuration is not deleted: {CscArn}.",
            await CliFailsAsync(aws, "create-function", "--function-name", "signed", "--runtime", "provided.al2023", "--role", ManagementApi.Role,
                "--handler", "function.handler", "--zip-file", "fileb://" + zip, "--code-signing-config-arn", CscArn));
        Assert.Contains("Function not found", await CliFailsAsync(aws, "get-function", "--function-name", "signed"));
    }

    [Fact]
    public async Task Recursion_and_runtime_management_settings_are_stored_answered_and_kept_across_a_restart()
    {
        using var aws = new AwsCli();
        Assert.Equal("Terminate", (await CliAsync(aws, "get-function-recursion-config", "--function-name", "echo"))["RecursiveLoop"]!.GetValue<string>());
        Assert.Equal("Allow", (await CliAsync(aws, "put-function-recursion-config", "--function-name", "echo", "--recursive-loop", "Allow"))["RecursiveLoop"]!.GetValue<string>());
        await AssertAnswerAsync(HttpMethod.Put, "/2024-08-31/functions/echo/recursion-config", """{"RecursiveLoop":"InvalidValue"}""", HttpStatusCode.BadRequest, "ValidationException",
            """{"message":"1 validation error detected: Value 'InvalidValue' at 'recursiveLoop' failed to satisfy constraint: Member must satisfy enum value set: [Terminate, Allow]"}""");
        await AssertAnswerAsync(HttpMethod.Put, "/2024-08-31/functions/missing/recursion-config", """{"RecursiveLoop":"Allow"}""", HttpStatusCode.NotFound, "ResourceNotFoundException",
            """{"Type":"User","Message":"Function not found: arn:aws:lambda:us-east-1:000000000000:function:missing"}""");

        await AssertAnswerAsync(HttpMethod.Get, "/2021-07-20/functions/echo/runtime-management-config", null, HttpStatusCode.OK, null,
            $$"""{"UpdateRuntimeOn":"Auto","FunctionArn":"{{Arn}}"}""");
        await AssertAnswerAsync(HttpMethod.Put, "/2021-07-20/functions/echo/runtime-management-config", $$"""{"UpdateRuntimeOn":"Manual","RuntimeVersionArn":"{{RuntimeArn}}"}""",
            HttpStatusCode.OK, null, $$"""{"UpdateRuntimeOn":"Manual","FunctionArn":"{{Arn}}","RuntimeVersionArn":"{{RuntimeArn}}"}""");
        await AssertAnswerAsync(HttpMethod.Put, "/2021-07-20/functions/echo/runtime-management-config", """{"UpdateRuntimeOn":"Sometimes"}""", HttpStatusCode.BadRequest, "ValidationException",
            """{"message":"1 validation error detected: Value 'Sometimes' at 'updateRuntimeOn' failed to satisfy constraint: Member must satisfy enum value set: [Auto, Manual, FunctionUpdate]"}""");
        var published = await CliAsync(aws, "publish-version", "--function-name", "echo");
        string version = published["Version"]!.GetValue<string>();
        var onVersion = await CliAsync(aws, "put-runtime-management-config", "--function-name", "echo", "--qualifier", version, "--update-runtime-on", "FunctionUpdate");
        Assert.Equal("FunctionUpdate", onVersion["UpdateRuntimeOn"]!.GetValue<string>());

        await _gateway.StopAsync();
        _gateway = await GatewayProcess.RestartAsync(_gateway);
        Assert.Equal("Allow", (await CliAsync(aws, "get-function-recursion-config", "--function-name", "echo"))["RecursiveLoop"]!.GetValue<string>());
        await AssertAnswerAsync(HttpMethod.Get, "/2021-07-20/functions/echo/runtime-management-config", null, HttpStatusCode.OK, null,
            $$"""{"UpdateRuntimeOn":"Manual","RuntimeVersionArn":"{{RuntimeArn}}","FunctionArn":"{{Arn}}"}""");
        await AssertAnswerAsync(HttpMethod.Get, $"/2021-07-20/functions/echo/runtime-management-config?Qualifier={version}", null, HttpStatusCode.OK, null,
            $$"""{"UpdateRuntimeOn":"FunctionUpdate","FunctionArn":"{{Arn}}:{{version}}"}""");

        // Manual mode shows the pinned runtime version in the configuration of a function with a runtime, as AWS's does.
        await _gateway.CreateFunctionAsync("pinned", FunctionZip.BashAnswering("{}"));
        await _gateway.WaitUntilReadyAsync("pinned");
        string derived = (await _gateway.GetFunctionConfigurationAsync("pinned"))["RuntimeVersionConfig"]!["RuntimeVersionArn"]!.GetValue<string>();
        Assert.NotEqual(RuntimeArn, derived);
        await CliAsync(aws, "put-runtime-management-config", "--function-name", "pinned", "--update-runtime-on", "Manual", "--runtime-version-arn", RuntimeArn);
        Assert.Equal(RuntimeArn, (await _gateway.GetFunctionConfigurationAsync("pinned"))["RuntimeVersionConfig"]!["RuntimeVersionArn"]!.GetValue<string>());
        await CliAsync(aws, "put-runtime-management-config", "--function-name", "pinned", "--update-runtime-on", "Auto");
        Assert.Equal(derived, (await _gateway.GetFunctionConfigurationAsync("pinned"))["RuntimeVersionConfig"]!["RuntimeVersionArn"]!.GetValue<string>());
    }
}
