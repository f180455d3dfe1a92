using System.IO.Compression;
using System.Text.Json;

namespace Gateway.Tests;

/// <summary>
/// The management API driven by the real aws CLI (botocore), end to end: a function created from a zip this test
/// builds (a bash bootstrap, executable through the zip's Unix mode), the CLI's own waiters (function-active-v2,
/// function-updated-v2), invocations that show which code answers, versions, listings and deletes.
/// </summary>
public sealed class ManagementFunctionsTests : IAsyncLifetime, IDisposable
{
    private const string Role = "arn:aws:iam::000000000000:role/lambda-role";

    private readonly AwsCli _cli = new();
    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayProcess.StartAsync([]);

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    public void Dispose() => _cli.Dispose();

    private Task<(int ExitCode, string Stdout, string Stderr)> AwsAsync(params string[] args) => _cli.LambdaAsync(_gateway, args);

    private async Task<JsonElement> AwsJsonAsync(params string[] args)
    {
        var (exit, stdout, stderr) = await AwsAsync(args);
        Assert.True(exit == 0, $"aws lambda {string.Join(' ', args)}: {stderr}");
        return JsonDocument.Parse(stdout).RootElement;
    }

    /// <summary>A provided.al2023 bootstrap in bash (as src/Functions/bash-echo, over curl) answering
    /// <c>{"code":"&lt;tag&gt;"}</c>, zipped with mode 0755 so the gateway can start it.</summary>
    private string WriteZip(string tag)
    {
        var bootstrap = $$"""
            #!/bin/bash
            set -euo pipefail
            api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
            headers="$(mktemp)"
            event="$(mktemp)"
            trap 'rm -f "$headers" "$event"' EXIT
            while true; do
              curl -sS --fail -D "$headers" -o "$event" "$api/invocation/next"
              id="$(grep -Fi 'Lambda-Runtime-Aws-Request-Id:' "$headers" | tr -d '[:space:]' | cut -d: -f2)"
              printf '{"code":"{{tag}}"}' | curl -sS --fail -X POST --data-binary @- "$api/invocation/$id/response" > /dev/null
            done

            """;
        var path = Path.Combine(_cli.Directory, tag + ".zip");
        if (File.Exists(path))
        {
            return "fileb://" + path; // the same package again
        }
        using (var archive = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            var entry = archive.CreateEntry("bootstrap");
            entry.ExternalAttributes = Convert.ToInt32("100755", 8) << 16;
            using var writer = new StreamWriter(entry.Open(), new UTF8Encoding(false));
            writer.Write(bootstrap.Replace("\r\n", "\n", StringComparison.Ordinal));
        }
        return "fileb://" + path;
    }

    private async Task<string> InvokeAsync(string function, string? qualifier = null)
    {
        string[] args = qualifier is null
            ? ["invoke", "--function-name", function, "out.json"]
            : ["invoke", "--function-name", function, "--qualifier", qualifier, "out.json"];
        var result = await AwsJsonAsync(args);
        Assert.Equal(200, result.GetProperty("StatusCode").GetInt32());
        Assert.False(result.TryGetProperty("FunctionError", out _), await File.ReadAllTextAsync(Path.Combine(_cli.Directory, "out.json")));
        return JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_cli.Directory, "out.json"))).RootElement.GetProperty("code").GetString()!;
    }

    [Fact]
    public async Task ListFunctions_MasterRegion_is_checked_and_lists_only_Lambda_at_Edge_replicas_of_which_there_are_none()
    {
        // API reference: MasterRegion "filters the list of functions to include only Lambda@Edge functions replicated
        // from a master function"; "If specified, you must set FunctionVersion to ALL". Was: ignored, every function.
        await _gateway.CreateFunctionAsync("edge-listed", ShellFunction.Zip(), handler: "shell");

        var replicas = await AwsJsonAsync("list-functions", "--master-region", "eu-west-1", "--function-version", "ALL");
        Assert.Equal(0, replicas.GetProperty("Functions").GetArrayLength());

        var noVersion = await AwsAsync("list-functions", "--master-region", "eu-west-1");
        Assert.Contains("An error occurred (InvalidParameterValueException) when calling the ListFunctions operation: The combination MasterArn=eu-west-1 and FunctionVersion=NULL is not supported. Please see our documentation for valid combinations of ListFunctions options.", noVersion.Stderr);

        var invalid = await AwsAsync("list-functions", "--master-region", "xx", "--function-version", "ALL");
        Assert.Contains("Value 'xx' at 'masterRegion' failed to satisfy constraint: Member must satisfy regular expression pattern: ALL|[a-z]{2}(-gov)?-[a-z]+-\\d{1}", invalid.Stderr);
    }

    [Fact]
    public async Task An_empty_Handler_fails_the_models_pattern_on_update()
    {
        // botocore's model: Handler pattern [^\s]+. An SDK that skips its own checks sent "", which was stored, and every
        // invocation then failed with Runtime.MalformedHandlerName.
        await _gateway.CreateFunctionAsync("empty-handler", ShellFunction.Zip(), handler: "shell");
        var response = await _gateway.Client.PutAsync("/2015-03-31/functions/empty-handler/configuration",
            new StringContent("""{"Handler":""}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var message = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("message").GetString();
        Assert.Contains("Value '' at 'handler' failed to satisfy constraint: Member must satisfy regular expression pattern: [^\\s]+", message);
    }

    [Fact]
    public async Task Create_wait_invoke_update_publish_list_and_delete()
    {
        const string name = "mgmt-cli";
        var created = await AwsJsonAsync("create-function", "--function-name", name, "--runtime", "provided.al2023", "--role", Role,
            "--handler", "function.handler", "--zip-file", WriteZip("v1"), "--timeout", "5");
        Assert.Equal("Pending", created.GetProperty("State").GetString());
        Assert.Equal("Creating", created.GetProperty("StateReasonCode").GetString());

        var active = await AwsAsync("wait", "function-active-v2", "--function-name", name);
        Assert.True(active.ExitCode == 0, active.Stderr);
        Assert.Equal("v1", await InvokeAsync(name));

        var updating = await AwsJsonAsync("update-function-code", "--function-name", name, "--zip-file", WriteZip("v2"));
        Assert.Equal("InProgress", updating.GetProperty("LastUpdateStatus").GetString());
        var updated = await AwsAsync("wait", "function-updated-v2", "--function-name", name);
        Assert.True(updated.ExitCode == 0, updated.Stderr);
        Assert.Equal("v2", await InvokeAsync(name));

        var first = await AwsJsonAsync("publish-version", "--function-name", name, "--description", "first");
        Assert.Equal("1", first.GetProperty("Version").GetString());
        Assert.Equal($"arn:aws:lambda:us-east-1:000000000000:function:{name}:1", first.GetProperty("FunctionArn").GetString());
        Assert.Equal("1", (await AwsJsonAsync("publish-version", "--function-name", name)).GetProperty("Version").GetString()); // unchanged: no new version

        await AwsJsonAsync("update-function-code", "--function-name", name, "--zip-file", WriteZip("v3"));
        Assert.True((await AwsAsync("wait", "function-updated-v2", "--function-name", name)).ExitCode == 0);
        Assert.Equal("2", (await AwsJsonAsync("publish-version", "--function-name", name)).GetProperty("Version").GetString());

        Assert.Equal("v2", await InvokeAsync(name, "1"));
        Assert.Equal("v3", await InvokeAsync(name, "2"));
        Assert.Equal("v3", await InvokeAsync(name));

        var versions = await AwsJsonAsync("list-versions-by-function", "--function-name", name);
        Assert.Equal(["$LATEST", "1", "2"], versions.GetProperty("Versions").EnumerateArray().Select(v => v.GetProperty("Version").GetString()));
        var functions = await AwsJsonAsync("list-functions");
        Assert.Contains(name, functions.GetProperty("Functions").EnumerateArray().Select(f => f.GetProperty("FunctionName").GetString()));

        var latest = await AwsAsync("delete-function", "--function-name", name, "--qualifier", "$LATEST");
        Assert.Contains("An error occurred (InvalidParameterValueException) when calling the DeleteFunction operation: $LATEST version cannot be deleted without deleting the function.", latest.Stderr);

        Assert.Equal(0, (await AwsAsync("delete-function", "--function-name", name, "--qualifier", "1")).ExitCode);
        var remaining = await AwsJsonAsync("list-versions-by-function", "--function-name", name);
        Assert.Equal(["$LATEST", "2"], remaining.GetProperty("Versions").EnumerateArray().Select(v => v.GetProperty("Version").GetString()));
        var gone = await AwsAsync("invoke", "--function-name", name, "--qualifier", "1", "out.json");
        Assert.Contains("ResourceNotFoundException", gone.Stderr);

        Assert.Equal(0, (await AwsAsync("delete-function", "--function-name", name)).ExitCode);
        var missing = await AwsAsync("get-function", "--function-name", name);
        Assert.Contains($"An error occurred (ResourceNotFoundException) when calling the GetFunction operation: Function not found: arn:aws:lambda:us-east-1:000000000000:function:{name}", missing.Stderr);
    }

    [Fact]
    public async Task Provisioned_concurrency_counts_towards_the_reservation_so_LATEST_is_throttled()
    {
        // LocalStack's AWS recording test_lambda_concurrency_block: reserved 1 and 1 provisioned on version 1 leave
        // nothing on demand: $LATEST gets 429 ReservedFunctionConcurrentInvocationLimitExceeded, version 1 answers.
        await AwsJsonAsync("create-function", "--function-name", "pc-block", "--runtime", "provided.al2023", "--handler", "x",
            "--role", Role, "--zip-file", WriteZip("pc"), "--publish");
        var (waited, _, waitError) = await AwsAsync("wait", "function-active-v2", "--function-name", "pc-block");
        Assert.True(waited == 0, waitError);
        await AwsJsonAsync("put-function-concurrency", "--function-name", "pc-block", "--reserved-concurrent-executions", "1");
        await AwsJsonAsync("put-provisioned-concurrency-config", "--function-name", "pc-block", "--qualifier", "1", "--provisioned-concurrent-executions", "1");
        await Poll.UntilAsync(async () => (await AwsJsonAsync("get-provisioned-concurrency-config", "--function-name", "pc-block", "--qualifier", "1"))
            .GetProperty("Status").GetString() == "READY", "provisioned concurrency READY", 60_000);

        Assert.Equal("pc", await InvokeAsync("pc-block", "1"));
        using var latest = await _gateway.InvokeAsync("pc-block", "{}");
        Assert.Equal(HttpStatusCode.TooManyRequests, latest.StatusCode);
        Assert.Contains("\"Reason\":\"ReservedFunctionConcurrentInvocationLimitExceeded\"", await latest.Content.ReadAsStringAsync());

        // Reserved 2 leaves 1 on demand: $LATEST runs again (the refusal was the provisioned share, not a full reservation).
        await AwsJsonAsync("put-function-concurrency", "--function-name", "pc-block", "--reserved-concurrent-executions", "2");
        Assert.Equal("pc", await InvokeAsync("pc-block"));
    }

    [Fact]
    public async Task An_Environment_given_without_variables_is_answered_as_AWS_does_and_kept_across_a_restart()
    {
        // AWS (LocalStack's recordings, test_lambda_api.py::test_function_lifecycle, created with Variables {}):
        // "Environment": {"Variables": {}}; a function created without Environment has no such member.
        await AwsJsonAsync("create-function", "--function-name", "env-none", "--runtime", "provided.al2023", "--role", Role,
            "--handler", "function.handler", "--zip-file", WriteZip("e1"));
        var given = await AwsJsonAsync("create-function", "--function-name", "env-empty", "--runtime", "provided.al2023", "--role", Role,
            "--handler", "function.handler", "--zip-file", WriteZip("e1"), "--environment", "Variables={}");
        Assert.Equal("{\"Variables\":{}}", given.GetProperty("Environment").GetRawText().Replace(" ", "").Replace("\n", ""));
        Assert.False((await AwsJsonAsync("get-function-configuration", "--function-name", "env-none")).TryGetProperty("Environment", out _));

        // Emptied by an update: still given. A version published from it keeps it.
        await AwsJsonAsync("update-function-configuration", "--function-name", "env-none", "--environment", "Variables={}");
        Assert.True((await AwsAsync("wait", "function-updated-v2", "--function-name", "env-none")).ExitCode == 0);
        var published = await AwsJsonAsync("publish-version", "--function-name", "env-empty");
        Assert.Empty(published.GetProperty("Environment").GetProperty("Variables").EnumerateObject());

        await _gateway.StopAsync();
        _gateway = await GatewayProcess.RestartAsync(_gateway);
        foreach (var qualified in new[] { "env-none", "env-empty", "env-empty:1" })
        {
            var configuration = await AwsJsonAsync("get-function-configuration", "--function-name", qualified);
            Assert.Empty(configuration.GetProperty("Environment").GetProperty("Variables").EnumerateObject());
        }
    }

    [Fact]
    public async Task Configuration_updates_reach_the_function_and_refusals_are_AWS_errors()
    {
        const string name = "mgmt-cli-config";
        await AwsJsonAsync("create-function", "--function-name", name, "--runtime", "provided.al2023", "--role", Role,
            "--handler", "function.handler", "--zip-file", WriteZip("c1"), "--tags", "team=gateway");
        Assert.True((await AwsAsync("wait", "function-active-v2", "--function-name", name)).ExitCode == 0);

        var exists = await AwsAsync("create-function", "--function-name", name, "--runtime", "provided.al2023", "--role", Role,
            "--handler", "function.handler", "--zip-file", WriteZip("c1"));
        Assert.Contains($"An error occurred (ResourceConflictException) when calling the CreateFunction operation: Function already exist: {name}", exists.Stderr);

        var configured = await AwsJsonAsync("update-function-configuration", "--function-name", name, "--timeout", "10", "--memory-size", "256",
            "--environment", "Variables={GREETING=hello}");
        Assert.Equal("InProgress", configured.GetProperty("LastUpdateStatus").GetString());
        Assert.True((await AwsAsync("wait", "function-updated-v2", "--function-name", name)).ExitCode == 0);
        var settled = await AwsJsonAsync("get-function-configuration", "--function-name", name);
        Assert.Equal(10, settled.GetProperty("Timeout").GetInt32());
        Assert.Equal(256, settled.GetProperty("MemorySize").GetInt32());
        Assert.Equal("hello", settled.GetProperty("Environment").GetProperty("Variables").GetProperty("GREETING").GetString());
        Assert.Equal("c1", await InvokeAsync(name));

        var got = await AwsJsonAsync("get-function", "--function-name", name);
        Assert.Equal("gateway", got.GetProperty("Tags").GetProperty("team").GetString());

        // A runtime AWS has but Gateway cannot run here (no Maven for Java's runtime client) is refused at the update.
        var java = await AwsAsync("update-function-configuration", "--function-name", name, "--runtime", "java21");
        Assert.Contains("InvalidParameterValueException", java.Stderr);
        var timeout = await AwsAsync("update-function-configuration", "--function-name", name, "--timeout", "901");
        Assert.Contains("Value '901' at 'timeout' failed to satisfy constraint", timeout.Stderr);
        // A key outside the pattern is the request's shape (ValidationException, AWS's text naming no key); a reserved
        // key is a parameter value AWS will not take (InvalidParameterValueException).
        var badKey = await AwsAsync("update-function-configuration", "--function-name", name, "--environment", "Variables={A=1}");
        Assert.Contains("An error occurred (ValidationException) when calling the UpdateFunctionConfiguration operation: 1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]", badKey.Stderr);
        Assert.DoesNotContain("(key", badKey.Stderr);
        var reserved = await AwsAsync("update-function-configuration", "--function-name", name, "--environment", "Variables={AWS_REGION=x}");
        Assert.Contains("An error occurred (InvalidParameterValueException) when calling the UpdateFunctionConfiguration operation: Lambda was unable to configure your environment variables because", reserved.Stderr);
        var stale = await AwsAsync("update-function-configuration", "--function-name", name, "--description", "x", "--revision-id", "00000000-0000-0000-0000-000000000000");
        Assert.Contains("PreconditionFailedException", stale.Stderr);

        Assert.Equal(0, (await AwsAsync("delete-function", "--function-name", name)).ExitCode);
    }

    /// <summary>Settings the gateway has no part of read as AWS reads them for a function that never set them (what
    /// Terraform's provider reads for every function it manages), through the CLI where its 2.9 model has the
    /// operation and over HTTP where it does not; a missing function is the usual 404.</summary>
    [Fact]
    public async Task Unset_settings_read_as_AWS_answers_a_function_without_them()
    {
        const string name = "mgmt-cli-unset";
        var created = await AwsJsonAsync("create-function", "--function-name", name, "--runtime", "provided.al2023", "--role", Role,
            "--handler", "function.handler", "--zip-file", WriteZip("u1"));
        string arn = created.GetProperty("FunctionArn").GetString()!;

        var signing = await AwsAsync("get-function-code-signing-config", "--function-name", name);
        Assert.True(signing.ExitCode == 0, signing.Stderr);
        Assert.Equal("", signing.Stdout.Trim()); // the CLI prints nothing for an answer with no members
        using (var raw = await _gateway.Client.GetAsync($"/2020-06-30/functions/{name}/code-signing-config"))
        {
            Assert.Equal("{}", await raw.Content.ReadAsStringAsync()); // no config attached
        }
        var mappings = await AwsJsonAsync("list-event-source-mappings", "--function-name", name);
        Assert.Equal(0, mappings.GetProperty("EventSourceMappings").GetArrayLength());

        using (var recursion = await _gateway.Client.GetAsync($"/2024-08-31/functions/{name}/recursion-config"))
        {
            Assert.Equal(HttpStatusCode.OK, recursion.StatusCode);
            Assert.True(recursion.Headers.Contains("x-amzn-RequestId"));
            Assert.Equal("""{"RecursiveLoop":"Terminate"}""", await recursion.Content.ReadAsStringAsync());
        }
        using (var runtime = await _gateway.Client.GetAsync($"/2021-07-20/functions/{name}/runtime-management-config"))
        {
            Assert.Equal(HttpStatusCode.OK, runtime.StatusCode);
            Assert.Equal($$"""{"UpdateRuntimeOn":"Auto","FunctionArn":"{{arn}}"}""", await runtime.Content.ReadAsStringAsync());
        }

        var missing = await AwsAsync("get-function-code-signing-config", "--function-name", "mgmt-cli-no-such");
        Assert.Contains("ResourceNotFoundException", missing.Stderr);
        using (var missingRecursion = await _gateway.Client.GetAsync("/2024-08-31/functions/mgmt-cli-no-such/recursion-config"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missingRecursion.StatusCode);
            Assert.Equal("ResourceNotFoundException", missingRecursion.Headers.GetValues("x-amzn-ErrorType").Single());
        }
        Assert.Equal(0, (await AwsAsync("delete-function", "--function-name", name)).ExitCode);
    }
}
