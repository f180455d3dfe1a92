using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Gateway.Tests;

/// <summary>
/// The python3.x managed runtime end to end, as a Lambda user deploys it: a zip of .py files created with the aws
/// CLI (pyenv's aws-cli 1.x and Debian's aws-cli 2) with --runtime python3.12, run by the gateway on the machine's
/// Python 3 through src/Runtimes/python (published next to the binary) — against the native binary.
/// </summary>
public sealed partial class PythonRuntimeTests : IAsyncLifetime
{
    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayProcess.StartAsync([]);

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private const string ContextHandler = """
        import json, logging, os, sys
        import boto3

        logger = logging.getLogger()

        def lambda_handler(event, context):
            print("printed " + json.dumps(event))
            logger.warning("warned %s", event["n"])
            logger.warning("first\nsecond %s", event["n"])
            try:
                1 / 0
            except ZeroDivisionError:
                logger.exception("caught %s", event["n"])
            return {
                "event": event,
                "function_name": context.function_name,
                "function_version": context.function_version,
                "invoked_function_arn": context.invoked_function_arn,
                "memory_limit_in_mb": context.memory_limit_in_mb,
                "aws_request_id": context.aws_request_id,
                "log_group_name": context.log_group_name,
                "log_stream_name": context.log_stream_name,
                "remaining": context.get_remaining_time_in_millis(),
                "execution_env": os.environ.get("AWS_EXECUTION_ENV"),
                "task_root": os.environ["LAMBDA_TASK_ROOT"],
                "path0": sys.path[0],
                "pythonpath": os.environ.get("PYTHONPATH"),
                "runtime_dir": os.environ["LAMBDA_RUNTIME_DIR"],
                "boto3": boto3.__version__,
            }
        """;

    [Theory]
    [InlineData("aws")]
    [InlineData("/usr/bin/aws")]
    public async Task A_Python_handler_runs_with_Lambdas_context_and_logs(string cli)
    {
        using var aws = new AwsCli(cli);
        var name = "py-context-" + Suffix(cli);
        await CreateAsync(aws, name, "app.lambda_handler", ("app.py", ContextHandler), "--memory-size", "256", "--timeout", "30");

        var (result, output) = await InvokeAsync(aws, name, """{"n":1}""");

        Assert.False(output.TryGetProperty("FunctionError", out _), output.ToString());
        Assert.Equal(1, result.GetProperty("event").GetProperty("n").GetInt32());
        Assert.Equal(name, result.GetProperty("function_name").GetString());
        Assert.Equal("$LATEST", result.GetProperty("function_version").GetString());
        Assert.EndsWith($":function:{name}", result.GetProperty("invoked_function_arn").GetString());
        Assert.Equal("256", result.GetProperty("memory_limit_in_mb").GetString()); // a string, as on AWS
        Assert.Equal($"/aws/lambda/{name}", result.GetProperty("log_group_name").GetString());
        Assert.False(string.IsNullOrEmpty(result.GetProperty("log_stream_name").GetString()));
        var remaining = result.GetProperty("remaining").GetInt32();
        Assert.InRange(remaining, 1, 30_000);
        Assert.Equal("AWS_Lambda_python3.12", result.GetProperty("execution_env").GetString());
        Assert.Equal(result.GetProperty("task_root").GetString(), result.GetProperty("path0").GetString());
        Assert.Matches(@"^\d+\.\d+\.\d+", result.GetProperty("boto3").GetString());
        Assert.Equal(result.GetProperty("runtime_dir").GetString(), result.GetProperty("pythonpath").GetString()); // as AWS sets it

        var requestId = result.GetProperty("aws_request_id").GetString()!;
        var logs = await _gateway.WaitForLogAsync(name, "\twarned 1");
        Assert.Matches($@"(?m)^\[WARNING\]\t\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z\t{requestId}\twarned 1$", logs);
        Assert.Contains("printed {\"n\": 1}", logs);
        // One logging call, one event: a record's newlines (a multi-line message, logger.exception's traceback) are
        // CR within its line, as AWS's runtime clients write them on stdout.
        logs = await _gateway.WaitForLogAsync(name, "\tcaught 1");
        Assert.Matches($@"(?m)^\[WARNING\]\t[^\t]+\t{requestId}\tfirst\rsecond 1$", logs);
        Assert.Matches($@"(?m)^\[ERROR\]\t[^\t]+\t{requestId}\tcaught 1\rTraceback \(most recent call last\):\r.*ZeroDivisionError: division by zero$", logs);
    }

    [Theory]
    [InlineData("aws")]
    [InlineData("/usr/bin/aws")]
    public async Task A_Python_exception_is_returned_as_AWSs_error_body(string cli)
    {
        using var aws = new AwsCli(cli);
        var name = "py-raise-" + Suffix(cli);
        await CreateAsync(aws, name, "app.lambda_handler", ("app.py", """
            def lambda_handler(event, context):
                raise ValueError("boom " + str(event["n"]))
            """));

        var (body, output) = await InvokeAsync(aws, name, """{"n":2}""");

        Assert.Equal("Unhandled", output.GetProperty("FunctionError").GetString());
        Assert.Equal(new[] { "errorMessage", "errorType", "requestId", "stackTrace" }, body.EnumerateObject().Select(p => p.Name));
        Assert.Equal("boom 2", body.GetProperty("errorMessage").GetString());
        Assert.Equal("ValueError", body.GetProperty("errorType").GetString());
        var requestId = body.GetProperty("requestId").GetString()!;
        Assert.Matches("^[0-9a-f-]{36}$", requestId);
        // Only the function's frame: the runtime's own are cut, as AWS's runtime does.
        var frame = Assert.Single(body.GetProperty("stackTrace").EnumerateArray()).GetString()!;
        Assert.Matches("^  File \"[^\"]+/app\\.py\", line 2, in lambda_handler\n    raise ValueError\\(\"boom \" \\+ str\\(event\\[\"n\"\\]\\)\\)\n$", frame);

        var logs = await _gateway.WaitForLogAsync(name, "[ERROR] ValueError: boom 2");
        Assert.Contains("[ERROR] ValueError: boom 2\rTraceback (most recent call last):\r", logs); // the file, as written

        // Where the event is shown, the record's newlines are LF again, as AWS's telemetry descriptor keeps them: one
        // event of several lines, in LogType Tail and in the Logs API.
        var tailed = await Ok(aws, ["invoke", "--function-name", name, "--payload", """{"n":3}""", "--log-type", "Tail", "out.json"]);
        var tail = Encoding.UTF8.GetString(Convert.FromBase64String(tailed.GetProperty("LogResult").GetString()!));
        // (The traceback's frames are indented with no-break spaces, as awslambdaric indents them.)
        Assert.Contains("[ERROR] ValueError: boom 3\nTraceback (most recent call last):\n\u00a0\u00a0File ", tail);
        Assert.DoesNotContain('\r', tail);
        var (exit, stdout, stderr) = await aws.LogsAsync(_gateway, "filter-log-events", "--log-group-name", "/aws/lambda/" + name,
            "--filter-pattern", "\"ValueError: boom 3\"");
        Assert.True(exit == 0, stderr);
        var message = Assert.Single(JsonDocument.Parse(stdout).RootElement.GetProperty("events").EnumerateArray()).GetProperty("message").GetString()!;
        Assert.StartsWith("[ERROR] ValueError: boom 3\nTraceback (most recent call last):\n\u00a0\u00a0File ", message, StringComparison.Ordinal);
    }

    /// <summary>In JSON format an uncaught error's record carries <c>"level": "ERROR"</c>, the key Lambda's level filter
    /// reads, so it survives ApplicationLogLevel WARN (awslambdaric issues #202/#220: with "log_level" it was taken as
    /// INFO and dropped).</summary>
    [Fact]
    public async Task A_Python_uncaught_error_is_kept_at_ApplicationLogLevel_WARN_in_JSON_format()
    {
        using var aws = new AwsCli("aws"); // aws-cli v1: Debian's v2.9.19 has no --logging-config
        await CreateAsync(aws, "py-json-warn", "app.lambda_handler", ("app.py", """
            def lambda_handler(event, context):
                print("an info line")
                raise ValueError("json boom")
            """), "--logging-config", "LogFormat=JSON,ApplicationLogLevel=WARN");

        var output = await Ok(aws, ["invoke", "--function-name", "py-json-warn", "--payload", "{}", "--log-type", "Tail", "out.json"]);

        Assert.Equal("Unhandled", output.GetProperty("FunctionError").GetString());
        var tail = Encoding.UTF8.GetString(Convert.FromBase64String(output.GetProperty("LogResult").GetString()!));
        var error = tail.Split('\n').Single(line => line.Contains("\"errorMessage\": \"json boom\"", StringComparison.Ordinal));
        var record = JsonDocument.Parse(error).RootElement;
        Assert.Equal(("ERROR", "ValueError"), (record.GetProperty("level").GetString(), record.GetProperty("errorType").GetString()));
        Assert.DoesNotContain("an info line", tail); // plain text is INFO, below WARN
    }

    [Theory]
    [InlineData("python3.12", "app.py", "def handler(event, context):\n    return {'ok': True}\n")]
    [InlineData("nodejs20.x", "app.js", "exports.handler = async () => ({ ok: true });\n")]
    [InlineData("nodejs20.x", "app.mjs", "export const handler = async () => ({ ok: true });\n")]
    public async Task A_PATH_of_the_functions_own_folders_does_not_stop_the_managed_runtime(string runtime, string file, string code)
    {
        // PATH is unreserved ("can be extended in your function configuration"), and AWS's bootstrap starts its
        // interpreter by absolute path. Here `exec python3`/`exec node` and `dirname` went through the function's PATH:
        // exit status 127 (and, for a CommonJS handler, a dirname loop until the init timeout).
        var name = "path-" + runtime.Replace(".", "", StringComparison.Ordinal) + Path.GetExtension(file).TrimStart('.');
        await _gateway.CreateRuntimeFunctionAsync(name, runtime, "app.handler", RuntimeFunctions.Sources((file, code)), timeout: 20,
            environment: new Dictionary<string, string> { ["PATH"] = "/var/task/bin:/opt/bin" });

        using var response = await _gateway.InvokeAsync(name, "{}");

        Assert.False(response.Headers.Contains("X-Amz-Function-Error"), await response.Content.ReadAsStringAsync());
        Assert.Equal("{\"ok\": true}".Replace(" ", "", StringComparison.Ordinal), (await response.Content.ReadAsStringAsync()).Replace(" ", "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_runtime_that_grows_and_dies_is_reported_with_the_memory_it_reached()
    {
        // The runtime's /proc entry is gone when its REPORT is written: the peak comes from the exit itself (rusage's
        // ru_maxrss, through bwrap when it runs), not from the last read made while it lived (init's ~20 MB).
        await _gateway.CreateRuntimeFunctionAsync("py-grow-die", "python3.12", "app.handler", RuntimeFunctions.Sources(("app.py", """
            import os
            def handler(event, context):
                block = bytearray(96 << 20)
                block[::4096] = b"x" * len(block[::4096])  # resident, page by page
                os._exit(3)
            """)), memorySize: 256, timeout: 30);

        using var response = await _gateway.InvokeAsync("py-grow-die", "{}", logType: "Tail");

        var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();
        Assert.Contains("Runtime exited with error: exit status 3", await response.Content.ReadAsStringAsync());
        var tail = Encoding.UTF8.GetString(Convert.FromBase64String(response.Headers.GetValues("X-Amz-Log-Result").Single()));
        var report = tail.Split('\n').Single(l => l.StartsWith("REPORT RequestId: " + requestId, StringComparison.Ordinal));
        var used = int.Parse(MaxMemoryUsed().Match(report).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(used, 96, 256);
    }

    [Fact]
    public async Task A_response_over_the_limit_is_ResponseSizeTooLarge_and_the_environment_serves_the_next_one()
    {
        // LocalStack's recording of AWS (test_lambda_too_large_response) invokes twice back to back: both answers are
        // Function.ResponseSizeTooLarge. Here the runtime client must survive the refusal (the gateway cuts the 7 MB
        // body off): the next invocation, at once, is served by the same warm environment.
        await _gateway.CreateRuntimeFunctionAsync("py-too-large", "python3.12", "app.handler", RuntimeFunctions.Sources(("app.py", """
            import os
            def handler(event, context):
                return {"environment": os.environ["GATEWAY_ENVIRONMENT_ID"], "filler": "x" * event["bytes"]}
            """)), timeout: 30);
        string? environment = null;
        for (int i = 0; i < 3; i++)
        {
            using (var tooLarge = await _gateway.InvokeAsync("py-too-large", """{"bytes":7340032}"""))
            {
                Assert.Contains("Function.ResponseSizeTooLarge", await tooLarge.Content.ReadAsStringAsync());
            }
            using var small = await _gateway.InvokeAsync("py-too-large", """{"bytes":10}""", logType: "Tail");
            var body = await small.Content.ReadAsStringAsync();
            Assert.False(small.Headers.Contains("X-Amz-Function-Error"), body);
            var now = JsonDocument.Parse(body).RootElement.GetProperty("environment").GetString();
            Assert.Equal(environment ?? now, now); // the same environment every time: no crash, no new init
            environment = now;
            var tail = Encoding.UTF8.GetString(Convert.FromBase64String(small.Headers.GetValues("X-Amz-Log-Result").Single()));
            Assert.DoesNotContain("ConnectionResetError", tail);
        }
    }

    [GeneratedRegex(@"\tMax Memory Used: (\d+) MB\t")]
    private static partial Regex MaxMemoryUsed();

    [Theory]
    [InlineData("aws")]
    [InlineData("/usr/bin/aws")]
    public async Task A_Python_handler_imports_modules_from_its_layers(string cli)
    {
        using var aws = new AwsCli(cli);
        var suffix = Suffix(cli);
        // python/ and python/lib/python3.12/site-packages/ of a layer, as AWS documents them; the function's own
        // module of the same name wins over the layer's (LAMBDA_TASK_ROOT is first on sys.path).
        var layerZip = Path.Combine(aws.Directory, "layer.zip");
        await File.WriteAllBytesAsync(layerZip, FunctionZip.Build(
            ("python/greeting.py", "WORD = 'from the layer'\n", 0b110_100_100),
            ("python/lib/python3.12/site-packages/sitepkg/__init__.py", "WHERE = 'site-packages'\n", 0b110_100_100),
            ("python/shadowed.py", "WHO = 'layer'\n", 0b110_100_100)));
        var layer = await Ok(aws, ["publish-layer-version", "--layer-name", "py-lib-" + suffix, "--zip-file", "fileb://" + layerZip,
            "--compatible-runtimes", "python3.12"]);
        var layerArn = layer.GetProperty("LayerVersionArn").GetString()!;

        var name = "py-layer-" + suffix;
        var zip = Path.Combine(aws.Directory, name + ".zip");
        await File.WriteAllBytesAsync(zip, FunctionZip.Build(
            ("app.py", "import greeting, sitepkg, shadowed\ndef lambda_handler(event, context):\n    return [greeting.WORD, sitepkg.WHERE, shadowed.WHO]\n", 0b110_100_100),
            ("shadowed.py", "WHO = 'function'\n", 0b110_100_100)));
        await Ok(aws, ["create-function", "--function-name", name, "--runtime", "python3.12", "--role", ManagementApi.Role,
            "--handler", "app.lambda_handler", "--zip-file", "fileb://" + zip, "--layers", layerArn]);
        await Ok(aws, ["wait", "function-active-v2", "--function-name", name]);

        var (body, output) = await InvokeAsync(aws, name, "{}");

        Assert.False(output.TryGetProperty("FunctionError", out _), body.ToString());
        Assert.Equal("""["from the layer", "site-packages", "function"]""", body.GetRawText());
    }

    public static TheoryData<string, string, string, string, string> InitErrors => new()
    {
        {
            "import", "app.lambda_handler", "other.py", "x = 1\n",
            """{"errorMessage": "Unable to import module 'app': No module named 'app'", "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}"""
        },
        {
            "missing", "app.lambda_handler", "app.py", "def other(event, context):\n    return 1\n",
            """{"errorMessage": "Handler 'lambda_handler' missing on module 'app'", "errorType": "Runtime.HandlerNotFound", "requestId": "", "stackTrace": []}"""
        },
        {
            "malformed", "app", "app.py", "def lambda_handler(event, context):\n    return 1\n",
            """{"errorMessage": "Bad handler 'app': not enough values to unpack (expected 2, got 1)", "errorType": "Runtime.MalformedHandlerName", "requestId": "", "stackTrace": []}"""
        },
        {
            // Installed on the machine (Debian's botocore imports it) but not in AWS's image: as on AWS, not importable.
            "hostpkg", "app.lambda_handler", "app.py", "import boto3\nimport requests\ndef lambda_handler(event, context):\n    return 1\n",
            """{"errorMessage": "Unable to import module 'app': No module named 'requests'", "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}"""
        },
        {
            // The trace names the file by its path in the environment: {TASK_ROOT} is put in from the function's view.
            "syntax", "app.lambda_handler", "app.py", "def lambda_handler(event, context)\n    return 1\n",
            """{"errorMessage": "Syntax error in module 'app': expected ':' (app.py, line 1)", "errorType": "Runtime.UserCodeSyntaxError", "requestId": "", "stackTrace": ["  File \"{TASK_ROOT}/app.py\" Line 1\n    def lambda_handler(event, context)\n"]}"""
        },
    };

    [Theory]
    [MemberData(nameof(InitErrors))]
    public async Task A_Python_init_error_is_returned_with_AWSs_exact_body(string caseName, string handler, string file, string content, string expected)
    {
        foreach (var cli in new[] { "aws", "/usr/bin/aws" })
        {
            using var aws = new AwsCli(cli);
            var name = $"py-init-{caseName}-{Suffix(cli)}";
            await CreateAsync(aws, name, handler, (file, content));

            var (exit, stdout, stderr) = await aws.LambdaAsync(_gateway, ["invoke", "--function-name", name, "--payload", "{}", "out.json"]);

            Assert.True(exit == 0, stderr);
            Assert.Equal("Unhandled", JsonDocument.Parse(stdout).RootElement.GetProperty("FunctionError").GetString());
            var body = await File.ReadAllTextAsync(Path.Combine(aws.Directory, "out.json"));
            var expectedBody = expected;
            if (expected.Contains("{TASK_ROOT}", StringComparison.Ordinal))
            {
                var taskRoot = TaskRootPattern().Match(body).Groups[1].Value;
                Assert.False(string.IsNullOrEmpty(taskRoot), body);
                expectedBody = expected.Replace("{TASK_ROOT}", taskRoot, StringComparison.Ordinal);
            }
            Assert.Equal(expectedBody, body);
            var logs = await _gateway.WaitForLogAsync(name, "LAMBDA_WARNING: Unhandled exception.");
            Assert.Contains("[ERROR] " + JsonDocument.Parse(body).RootElement.GetProperty("errorType").GetString(), logs);
        }
    }

    [GeneratedRegex("File \\\\\"([^\"\\\\]+)/app\\.py")]
    private static partial Regex TaskRootPattern();

    private static string Suffix(string cli) => cli == "aws" ? "v1" : "v2";

    private async Task CreateAsync(AwsCli aws, string name, string handler, (string Path, string Content) file, params string[] extra)
    {
        var zip = Path.Combine(aws.Directory, name + ".zip");
        await File.WriteAllBytesAsync(zip, FunctionZip.Build((file.Path, file.Content.Replace("\r", ""), 0b110_100_100)));
        await Ok(aws, ["create-function", "--function-name", name, "--runtime", "python3.12", "--role", ManagementApi.Role,
            "--handler", handler, "--zip-file", "fileb://" + zip, .. extra]);
        await Ok(aws, ["wait", "function-active-v2", "--function-name", name]);
    }

    /// <summary>Invokes through the CLI: (the function's response, parsed; the CLI's own output).</summary>
    private async Task<(JsonElement Body, JsonElement Output)> InvokeAsync(AwsCli aws, string name, string payload)
    {
        var output = await Ok(aws, ["invoke", "--function-name", name, "--payload", payload, "out.json"]);
        var body = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(aws.Directory, "out.json"))).RootElement.Clone();
        return (body, output);
    }

    private async Task<JsonElement> Ok(AwsCli aws, string[] args)
    {
        var (exit, stdout, stderr) = await aws.LambdaAsync(_gateway, args);
        Assert.True(exit == 0, $"aws lambda {string.Join(' ', args)}: exit {exit}\n{stderr}");
        return stdout.Trim().Length == 0 ? default : JsonDocument.Parse(stdout).RootElement.Clone();
    }
}
