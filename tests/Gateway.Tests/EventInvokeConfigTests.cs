using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>
/// AWS's FunctionEventInvokeConfig API on the native gateway, driven by the real aws CLI (botocore's model and
/// error parsing), plus the functions file's EventInvokeConfig and the persistence of API changes.
/// Each test uses its own function, so they share one gateway; the restart test starts its own.
/// </summary>
public sealed class EventInvokeConfigTests : IAsyncLifetime
{
    private const string Arn = "arn:aws:lambda:us-east-1:000000000000:function:";
    private const string Queue = "arn:aws:sqs:us-east-1:000000000000:failed-orders";

    private readonly AwsCli _cli = new();
    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync()
    {
        _gateway = await StartAsync(FunctionsFile(
            Function("lifecycle"),
            Function("errors"),
            Function("audit"),
            Function("seeded", new JsonObject
            {
                ["MaximumRetryAttempts"] = 0,
                ["DestinationConfig"] = new JsonObject { ["OnFailure"] = new JsonObject { ["Destination"] = "file:///var/tmp/seeded-failures" } },
            })));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _cli.Dispose();
    }

    private static JsonObject Function(string name, JsonObject? eventInvokeConfig = null, JsonObject? deadLetterConfig = null)
    {
        var json = (TestFunction.Sample(name, "echo") with { Provisioned = 0 }).ToJson();
        if (eventInvokeConfig is not null)
        {
            json["EventInvokeConfig"] = eventInvokeConfig;
        }
        if (deadLetterConfig is not null)
        {
            json["DeadLetterConfig"] = deadLetterConfig;
        }
        return json;
    }

    private static string FunctionsFile(params JsonObject[] functions)
        => new JsonObject { ["Functions"] = new JsonArray(functions.Cast<JsonNode>().ToArray()) }.ToJsonString();

    private static Task<GatewayProcess> StartAsync(string functionsJson) => GatewayProcess.StartWithFunctionsFileAsync(functionsJson);

    private Task<(int ExitCode, string Stdout, string Stderr)> AwsAsync(GatewayProcess gateway, params string[] args) => _cli.LambdaAsync(gateway, args);

    private Task<(int ExitCode, string Stdout, string Stderr)> AwsAsync(params string[] args) => AwsAsync(_gateway, args);

    private async Task<JsonElement> AwsJsonAsync(GatewayProcess gateway, params string[] args)
    {
        var (exit, stdout, stderr) = await AwsAsync(gateway, args);
        Assert.True(exit == 0, stderr);
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }

    private static string Compact(JsonElement element) => JsonNode.Parse(element.GetRawText())!.ToJsonString();

    private static string DestinationJson(string which, string destination)
        => new JsonObject { [which] = new JsonObject { ["Destination"] = destination } }.ToJsonString();

    private static string? Destination(JsonElement config, string which)
        => config.GetProperty("DestinationConfig").GetProperty(which).TryGetProperty("Destination", out var d) ? d.GetString() : null;

    [Fact]
    public async Task Put_get_update_list_delete_with_the_aws_CLI()
    {
        var put = await AwsJsonAsync(_gateway, "put-function-event-invoke-config", "--function-name", "lifecycle", "--maximum-retry-attempts", "1",
            "--destination-config", DestinationJson("OnFailure", Queue));
        Assert.Equal(Arn + "lifecycle:$LATEST", put.GetProperty("FunctionArn").GetString());
        Assert.Equal(1, put.GetProperty("MaximumRetryAttempts").GetInt32());
        Assert.False(put.TryGetProperty("MaximumEventAgeInSeconds", out _)); // unset: left out, as AWS does
        Assert.Equal(Queue, Destination(put, "OnFailure"));
        Assert.Null(Destination(put, "OnSuccess")); // but OnSuccess is there, as {}
        Assert.True(put.GetProperty("LastModified").GetDouble() > 1_500_000_000); // epoch seconds, parsed by botocore

        var get = await AwsJsonAsync(_gateway, "get-function-event-invoke-config", "--function-name", Arn + "lifecycle");
        Assert.Equal(Compact(put), Compact(get));

        var updated = await AwsJsonAsync(_gateway, "update-function-event-invoke-config", "--function-name", "lifecycle", "--maximum-event-age-in-seconds", "600",
            "--destination-config", """{"OnSuccess":{"Destination":"arn:aws:lambda:us-east-1:000000000000:function:audit"}}""");
        Assert.Equal(1, updated.GetProperty("MaximumRetryAttempts").GetInt32()); // kept
        Assert.Equal(600, updated.GetProperty("MaximumEventAgeInSeconds").GetInt32());
        Assert.Equal(Queue, Destination(updated, "OnFailure")); // kept
        Assert.Equal(Arn + "audit", Destination(updated, "OnSuccess"));

        var list = await AwsJsonAsync(_gateway, "list-function-event-invoke-configs", "--function-name", "lifecycle");
        var configs = list.GetProperty("FunctionEventInvokeConfigs");
        Assert.Equal(1, configs.GetArrayLength());
        Assert.Equal(Compact(updated), Compact(configs[0]));

        var replaced = await AwsJsonAsync(_gateway, "put-function-event-invoke-config", "--function-name", "lifecycle", "--maximum-event-age-in-seconds", "60");
        Assert.False(replaced.TryGetProperty("MaximumRetryAttempts", out _)); // Put replaces everything
        Assert.Null(Destination(replaced, "OnFailure"));

        var (deleteExit, _, deleteErr) = await AwsAsync("delete-function-event-invoke-config", "--function-name", "lifecycle");
        Assert.True(deleteExit == 0, deleteErr);
        var gone = await AwsAsync("get-function-event-invoke-config", "--function-name", "lifecycle");
        Assert.NotEqual(0, gone.ExitCode);
        Assert.Contains($"An error occurred (ResourceNotFoundException) when calling the GetFunctionEventInvokeConfig operation: The function {Arn}lifecycle:$LATEST doesn't have an EventInvokeConfig", gone.Stderr);
        var empty = await AwsJsonAsync(_gateway, "list-function-event-invoke-configs", "--function-name", "lifecycle");
        Assert.Equal(0, empty.GetProperty("FunctionEventInvokeConfigs").GetArrayLength());
    }

    [Fact]
    public async Task A_page_whose_marker_config_was_deleted_goes_on_with_the_next_config()
    {
        // Paginators stop at a page without NextMarker: a config deleted between two pages (the one the marker names)
        // ended the listing there, and every config after it was silently missing.
        await _gateway.CreateFunctionAsync("paged", ShellFunction.Zip(), handler: "shell");
        foreach (var alias in new[] { "a1", "a2" })
        {
            await AwsJsonAsync(_gateway, "create-alias", "--function-name", "paged", "--name", alias, "--function-version", "$LATEST");
        }
        foreach (var qualifier in new[] { "$LATEST", "a1", "a2" })
        {
            await AwsJsonAsync(_gateway, "put-function-event-invoke-config", "--function-name", "paged", "--qualifier", qualifier, "--maximum-retry-attempts", "1");
        }
        const string List = "/2019-09-25/functions/paged/event-invoke-config/list";
        var first = JsonDocument.Parse(await _gateway.Client.GetStringAsync(List + "?MaxItems=1")).RootElement;
        Assert.Equal(Arn + "paged:$LATEST", first.GetProperty("FunctionEventInvokeConfigs")[0].GetProperty("FunctionArn").GetString());
        var marker = first.GetProperty("NextMarker").GetString()!;
        Assert.Equal(Arn + "paged:a1", marker);

        var (deleteExit, _, deleteErr) = await AwsAsync("delete-function-event-invoke-config", "--function-name", "paged", "--qualifier", "a1");
        Assert.True(deleteExit == 0, deleteErr);
        var next = JsonDocument.Parse(await _gateway.Client.GetStringAsync(List + "?MaxItems=1&Marker=" + Uri.EscapeDataString(marker))).RootElement;

        Assert.Equal(Arn + "paged:a2", next.GetProperty("FunctionEventInvokeConfigs")[0].GetProperty("FunctionArn").GetString());
    }

    [Fact]
    public async Task A_deleted_function_takes_its_configs_with_it_so_one_created_again_starts_from_the_defaults()
    {
        await _gateway.CreateFunctionAsync("recreated", ShellFunction.Zip(), handler: "shell");
        await AwsJsonAsync(_gateway, "put-function-event-invoke-config", "--function-name", "recreated", "--maximum-retry-attempts", "0");
        await AwsJsonAsync(_gateway, "publish-version", "--function-name", "recreated");
        await AwsJsonAsync(_gateway, "put-function-event-invoke-config", "--function-name", "recreated", "--qualifier", "1", "--maximum-retry-attempts", "1");
        await AwsJsonAsync(_gateway, "put-function-event-invoke-config", "--function-name", "audit", "--maximum-retry-attempts", "2");

        // Deleting a version takes that version's config only.
        Assert.Equal(0, (await AwsAsync("delete-function", "--function-name", "recreated", "--qualifier", "1")).ExitCode);
        Assert.Equal(0, (await AwsJsonAsync(_gateway, "get-function-event-invoke-config", "--function-name", "recreated")).GetProperty("MaximumRetryAttempts").GetInt32());

        Assert.Equal(0, (await AwsAsync("delete-function", "--function-name", "recreated")).ExitCode);
        await _gateway.CreateFunctionAsync("recreated", ShellFunction.Zip(), handler: "shell");
        // A functions-file function's config goes the same way, and must not come back from the file at the next start.
        Assert.Equal(0, (await AwsAsync("delete-function", "--function-name", "seeded")).ExitCode);
        await _gateway.CreateFunctionAsync("seeded", ShellFunction.Zip(), handler: "shell");
        Assert.NotEqual(0, (await AwsAsync("get-function-event-invoke-config", "--function-name", "seeded")).ExitCode);

        var fresh = await AwsAsync("get-function-event-invoke-config", "--function-name", "recreated");
        Assert.Contains($"(ResourceNotFoundException) when calling the GetFunctionEventInvokeConfig operation: The function {Arn}recreated:$LATEST doesn't have an EventInvokeConfig", fresh.Stderr);
        Assert.Equal(0, (await AwsJsonAsync(_gateway, "list-function-event-invoke-configs", "--function-name", "recreated")).GetProperty("FunctionEventInvokeConfigs").GetArrayLength());

        // Nor does it come back from the file at the next start; another function's config stays.
        await _gateway.StopAsync();
        _gateway = await GatewayProcess.RestartAsync(_gateway);
        Assert.NotEqual(0, (await AwsAsync("get-function-event-invoke-config", "--function-name", "recreated")).ExitCode);
        var seeded = await AwsAsync("get-function-event-invoke-config", "--function-name", "seeded");
        Assert.True(seeded.ExitCode != 0, seeded.Stdout);
        Assert.Equal(2, (await AwsJsonAsync(_gateway, "get-function-event-invoke-config", "--function-name", "audit")).GetProperty("MaximumRetryAttempts").GetInt32());
    }

    [Fact]
    public async Task Refusals_surface_as_AWSs_errors_in_the_CLI()
    {
        async Task Refused(string expected, params string[] args)
        {
            var (exit, _, stderr) = await AwsAsync(args);
            Assert.NotEqual(0, exit);
            Assert.Contains(expected, stderr);
        }

        await Refused("An error occurred (ValidationException) when calling the PutFunctionEventInvokeConfig operation: 1 validation error detected: Value '5' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2",
            "put-function-event-invoke-config", "--function-name", "errors", "--maximum-retry-attempts", "5");
        await Refused("An error occurred (ValidationException) when calling the UpdateFunctionEventInvokeConfig operation: 1 validation error detected: Value '30000' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value less than or equal to 21600",
            "update-function-event-invoke-config", "--function-name", "errors", "--maximum-event-age-in-seconds", "30000");
        await Refused("An error occurred (ResourceNotFoundException) when calling the PutFunctionEventInvokeConfig operation: The function doesn't exist.",
            "put-function-event-invoke-config", "--function-name", "does-not-exist", "--maximum-retry-attempts", "1");
        await Refused("An error occurred (ResourceNotFoundException) when calling the UpdateFunctionEventInvokeConfig operation: The function " + Arn + "errors:$LATEST doesn't have an EventInvokeConfig",
            "update-function-event-invoke-config", "--function-name", "errors", "--maximum-retry-attempts", "1");
        await Refused("An error occurred (InvalidParameterValueException) when calling the PutFunctionEventInvokeConfig operation: You must specify at least one of error handling or destination setting.",
            "put-function-event-invoke-config", "--function-name", "errors");
        await Refused("An error occurred (InvalidParameterValueException) when calling the PutFunctionEventInvokeConfig operation: The destination ARN " + Arn + "nope is invalid.",
            "put-function-event-invoke-config", "--function-name", "errors", "--destination-config", DestinationJson("OnSuccess", Arn + "nope"));
        await Refused("An error occurred (InvalidParameterValueException) when calling the PutFunctionEventInvokeConfig operation: You can't specify the function as a destination for itself.",
            "put-function-event-invoke-config", "--function-name", "errors", "--destination-config", DestinationJson("OnSuccess", Arn + "errors"));
        // Outside the model's pattern: AWS's ValidationException (LS-REC put_destination_invalid_arn_pattern).
        await Refused("An error occurred (ValidationException) when calling the PutFunctionEventInvokeConfig operation: 1 validation error detected: Value 'my-queue' at 'destinationConfig.onFailure.destination' failed to satisfy constraint: Member must satisfy regular expression pattern: $|kafka://",
            "put-function-event-invoke-config", "--function-name", "errors", "--destination-config", """{"OnFailure":{"Destination":"my-queue"}}""");
        // A service AWS does not send records to: AWS's sentence alone (LS-REC put_destination_invalid_service_arn).
        await Refused("An error occurred (InvalidParameterValueException) when calling the PutFunctionEventInvokeConfig operation: The provided destination config DestinationConfig(onSuccess=null, onFailure=OnFailure(destination=arn:aws:iam:us-east-1:000000000000:function:x)) is invalid.\n",
            "put-function-event-invoke-config", "--function-name", "errors", "--destination-config", """{"OnFailure":{"Destination":"arn:aws:iam:us-east-1:000000000000:function:x"}}""");
        // Checked before the function is looked for (LS-REC put_functionname_nootherargs).
        await Refused("An error occurred (InvalidParameterValueException) when calling the PutFunctionEventInvokeConfig operation: You must specify at least one of error handling or destination setting.",
            "put-function-event-invoke-config", "--function-name", "does-not-exist");
        await Refused("An error occurred (ResourceNotFoundException) when calling the GetFunctionEventInvokeConfig operation: The function " + Arn + "errors:1 doesn't have an EventInvokeConfig",
            "get-function-event-invoke-config", "--function-name", "errors", "--qualifier", "1");
        await Refused("An error occurred (ResourceNotFoundException) when calling the PutFunctionEventInvokeConfig operation: The function doesn't exist.",
            "put-function-event-invoke-config", "--function-name", "errors:prod", "--maximum-retry-attempts", "1");
        await Refused("An error occurred (ResourceNotFoundException) when calling the DeleteFunctionEventInvokeConfig operation: The function " + Arn + "errors:$LATEST doesn't have an EventInvokeConfig",
            "delete-function-event-invoke-config", "--function-name", "errors");
        await Refused("An error occurred (ResourceNotFoundException) when calling the ListFunctionEventInvokeConfigs operation: The function doesn't exist.",
            "list-function-event-invoke-configs", "--function-name", "does-not-exist");

        var afterAll = await AwsAsync("get-function-event-invoke-config", "--function-name", "errors");
        Assert.Contains("doesn't have an EventInvokeConfig", afterAll.Stderr); // nothing refused was applied
    }

    [Fact]
    public async Task A_body_that_is_not_JSON_is_InvalidRequestContentException()
    {
        using var response = await _gateway.Client.PutAsync("/2019-09-25/functions/errors/event-invoke-config", new StringContent("{not json")).WithTimeout(30_000);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("InvalidRequestContentException", response.Headers.GetValues("x-amzn-ErrorType").Single());
        Assert.StartsWith("Could not parse request body into json", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public async Task The_functions_file_config_is_what_Get_returns()
    {
        var seeded = await AwsJsonAsync(_gateway, "get-function-event-invoke-config", "--function-name", "seeded");

        Assert.Equal(0, seeded.GetProperty("MaximumRetryAttempts").GetInt32());
        Assert.Equal("file:///var/tmp/seeded-failures", Destination(seeded, "OnFailure"));
    }

    [Fact]
    public async Task API_changes_survive_a_restart_and_win_over_the_functions_file()
    {
        var seededConfig = new JsonObject { ["MaximumRetryAttempts"] = 0 };
        var gateway = await StartAsync(FunctionsFile(Function("echo"), Function("seeded", seededConfig), Function("kept", new JsonObject { ["MaximumEventAgeInSeconds"] = 120 })));
        GatewayProcess? restarted = null, again = null;
        try
        {
            var put = await AwsJsonAsync(gateway, "put-function-event-invoke-config", "--function-name", "echo", "--maximum-retry-attempts", "1",
                "--destination-config", """{"OnSuccess":{"Destination":"file:///var/tmp/echo-ok"}}""");
            await AwsJsonAsync(gateway, "update-function-event-invoke-config", "--function-name", "seeded", "--maximum-retry-attempts", "2");
            Assert.True(File.Exists(Path.Combine(gateway.DataDirectory, "event-invoke-config.json")));
            Assert.Equal(0, await gateway.StopAsync());

            restarted = await GatewayProcess.RestartAsync(gateway);

            Assert.Equal(Compact(put), Compact((await AwsJsonAsync(restarted, "get-function-event-invoke-config", "--function-name", "echo"))));
            Assert.Equal(2, (await AwsJsonAsync(restarted, "get-function-event-invoke-config", "--function-name", "seeded")).GetProperty("MaximumRetryAttempts").GetInt32());
            Assert.Equal(120, (await AwsJsonAsync(restarted, "get-function-event-invoke-config", "--function-name", "kept")).GetProperty("MaximumEventAgeInSeconds").GetInt32());
            Assert.Contains("seeded: event-invoke-config set through the API", restarted.Output);

            // A delete persists too: the functions file's config does not come back after the next restart.
            var (exit, _, stderr) = await AwsAsync(restarted, "delete-function-event-invoke-config", "--function-name", "kept");
            Assert.True(exit == 0, stderr);
            Assert.Equal(0, await restarted.StopAsync());
            again = await GatewayProcess.RestartAsync(gateway);
            var kept = await AwsAsync(again, "get-function-event-invoke-config", "--function-name", "kept");
            Assert.Contains("doesn't have an EventInvokeConfig", kept.Stderr);
        }
        finally
        {
            // Running ones first: disposing a gateway deletes the folder they all share.
            foreach (var process in new[] { again, restarted, gateway })
            {
                if (process is not null)
                {
                    await process.DisposeAsync();
                }
            }
        }
    }

    [Theory]
    [InlineData("""{"MaximumRetryAttempts":5}""", "function 'bad': EventInvokeConfig: ValidationException: 1 validation error detected: Value '5' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2")]
    [InlineData("""{"DestinationConfig":{"OnFailure":{"Destination":"arn:aws:lambda:us-east-1:000000000000:function:missing"}}}""", "function 'bad': EventInvokeConfig: InvalidParameterValueException: The destination ARN arn:aws:lambda:us-east-1:000000000000:function:missing is invalid.")]
    public async Task A_bad_EventInvokeConfig_in_the_functions_file_is_refused_at_start(string config, string expected)
    {
        var root = Directory.CreateTempSubdirectory("gateway-test-").FullName;
        await File.WriteAllTextAsync(Path.Combine(root, "functions.json"), FunctionsFile(Function("bad", JsonNode.Parse(config)!.AsObject())));
        var gateway = GatewayProcess.Launch(root, GatewayProcess.FreePort());
        await using var _ = gateway; // deletes root
        await gateway.WaitForExitAsync();

        Assert.NotEqual(0, gateway.ExitCode);
        Assert.Contains(expected, gateway.Output);
    }
}
