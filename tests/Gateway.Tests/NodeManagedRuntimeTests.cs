using System.Text.Json;

namespace Gateway.Tests;

/// <summary>
/// The nodejs20.x managed runtime end to end, against the native binary: functions created from zips of plain
/// JavaScript (no bootstrap), run by the gateway's Node.js runtime (AWS's bootstrap, aws-lambda-ric 3.3.0), with AWS's
/// handler forms, context object, error bodies, NODE_PATH (for ES modules too) and AWS_LAMBDA_EXEC_WRAPPER.
/// </summary>
public sealed class NodeManagedRuntimeTests : IAsyncLifetime
{
    private const string Echo = """
        exports.handler = async (event, context) => ({
          event,
          functionName: context.functionName,
          functionVersion: context.functionVersion,
          awsRequestId: context.awsRequestId,
          invokedFunctionArn: context.invokedFunctionArn,
          memoryLimitInMB: context.memoryLimitInMB,
          logGroupName: context.logGroupName,
          logStreamName: context.logStreamName,
          remaining: context.getRemainingTimeInMillis(),
          env: {
            AWS_EXECUTION_ENV: process.env.AWS_EXECUTION_ENV, NODE_PATH: process.env.NODE_PATH,
            LAMBDA_TASK_ROOT: process.env.LAMBDA_TASK_ROOT, LAMBDA_RUNTIME_DIR: process.env.LAMBDA_RUNTIME_DIR,
            GATEWAY_OPT_DIR: process.env.GATEWAY_OPT_DIR, WRAPPED_ARGS: process.env.WRAPPED_ARGS ?? null,
          },
          execArgv: process.execArgv,
          cwd: process.cwd(),
        });
        """;

    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync()
    {
        RuntimeFunctions.RequireNodeRuntime();
        _gateway = await GatewayProcess.StartAsync([]);
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Theory]
    [InlineData("aws")]
    [InlineData("/usr/bin/aws")]
    public async Task The_aws_CLI_creates_and_invokes_a_CommonJS_handler(string cli)
    {
        using var aws = new AwsCli(cli);
        var name = "node-cli-" + (cli == "aws" ? "v1" : "v2");
        await File.WriteAllBytesAsync(Path.Combine(aws.Directory, "function.zip"), RuntimeFunctions.Sources(("index.js", Echo)));

        var created = await Ok(aws, "create-function", "--function-name", name, "--runtime", "nodejs20.x", "--handler", "index.handler",
            "--role", ManagementApi.Role, "--zip-file", "fileb://function.zip");
        Assert.Equal("nodejs20.x", created.GetProperty("Runtime").GetString());
        Assert.Equal("index.handler", created.GetProperty("Handler").GetString());
        await Ok(aws, "wait", "function-active-v2", "--function-name", name);

        var result = await Ok(aws, "invoke", "--function-name", name, "--payload", """{"from":"cli"}""", "out.json");
        Assert.Equal(200, result.GetProperty("StatusCode").GetInt32());
        Assert.False(result.TryGetProperty("FunctionError", out _));
        var body = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(aws.Directory, "out.json"))).RootElement;
        Assert.Equal("cli", body.GetProperty("event").GetProperty("from").GetString());
        Assert.Equal("AWS_Lambda_nodejs20.x", body.GetProperty("env").GetProperty("AWS_EXECUTION_ENV").GetString());

        var config = await Ok(aws, "get-function-configuration", "--function-name", name);
        Assert.Equal("nodejs20.x", config.GetProperty("Runtime").GetString());

        // No --payload: the CLI sends no body, and the handler gets {} (AWS's runtime client would fail on an empty one).
        var bare = await Ok(aws, "invoke", "--function-name", name, "bare.json");
        Assert.False(bare.TryGetProperty("FunctionError", out _), await File.ReadAllTextAsync(Path.Combine(aws.Directory, "bare.json")));
        var bareBody = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(aws.Directory, "bare.json"))).RootElement;
        Assert.Equal(JsonValueKind.Object, bareBody.GetProperty("event").ValueKind);
        Assert.Empty(bareBody.GetProperty("event").EnumerateObject());
    }

    [Fact]
    public async Task The_context_object_is_the_one_AWS_gives()
    {
        await _gateway.CreateRuntimeFunctionAsync("node-context", "nodejs20.x", "index.handler", RuntimeFunctions.Sources(("index.js", Echo)), memorySize: 256, timeout: 7);

        using var response = await _gateway.InvokeAsync("node-context", """{"a":1}""");
        var body = await GatewayProcess.ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("node-context", body.GetProperty("functionName").GetString());
        Assert.Equal("$LATEST", body.GetProperty("functionVersion").GetString());
        Assert.Equal(response.Headers.GetValues("x-amzn-RequestId").Single(), body.GetProperty("awsRequestId").GetString());
        Assert.Equal("arn:aws:lambda:us-east-1:000000000000:function:node-context", body.GetProperty("invokedFunctionArn").GetString());
        Assert.Equal("256", body.GetProperty("memoryLimitInMB").GetString()); // a string, as AWS's client reads it from the environment
        Assert.Equal("/aws/lambda/node-context", body.GetProperty("logGroupName").GetString());
        Assert.Matches(@"^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$", body.GetProperty("logStreamName").GetString());
        var remaining = body.GetProperty("remaining").GetInt64();
        Assert.InRange(remaining, 1, 7000);

        // Started as AWS's bootstrap starts node: memory flags from 256 MB (a tenth new space, half of it per semi-space).
        var execArgv = body.GetProperty("execArgv").EnumerateArray().Select(a => a.GetString()).ToArray();
        Assert.Contains("--expose-gc", execArgv);
        Assert.Contains("--max-semi-space-size=12", execArgv);
        Assert.Contains("--max-old-space-size=231", execArgv);

        // NODE_PATH in AWS's order, from the paths this environment sees.
        var env = body.GetProperty("env");
        var opt = env.GetProperty("GATEWAY_OPT_DIR").GetString();
        var runtime = env.GetProperty("LAMBDA_RUNTIME_DIR").GetString();
        var task = env.GetProperty("LAMBDA_TASK_ROOT").GetString();
        Assert.Equal($"{opt}/nodejs/node20/node_modules:{opt}/nodejs/node_modules:{runtime}/node_modules:{runtime}:{task}", env.GetProperty("NODE_PATH").GetString());
        Assert.Equal(task, body.GetProperty("cwd").GetString());
    }

    [Fact]
    public async Task A_callback_handler_answers_through_its_callback()
    {
        await _gateway.CreateRuntimeFunctionAsync("node-callback", "nodejs20.x", "index.handler", RuntimeFunctions.Sources(("index.js", """
            exports.handler = (event, context, callback) => {
              setTimeout(() => callback(null, { kind: "callback", got: event.n }), 10);
            };
            """)));

        Assert.Equal("""{"kind":"callback","got":5}""", await InvokeOkAsync("node-callback", """{"n":5}"""));
    }

    [Fact]
    public async Task An_mjs_handler_runs_as_an_ES_module()
    {
        await _gateway.CreateRuntimeFunctionAsync("node-mjs", "nodejs20.x", "index.handler", RuntimeFunctions.Sources(("index.mjs", """
            import { sep } from "node:path";
            export const handler = async (event) => ({ kind: typeof require === "undefined" ? "esm" : "cjs", sep, echo: event });
            """)));

        Assert.Equal("""{"kind":"esm","sep":"/","echo":{"x":1}}""", await InvokeOkAsync("node-mjs", """{"x":1}"""));
    }

    [Fact]
    public async Task A_type_module_package_runs_its_js_as_ES_modules()
    {
        await _gateway.CreateRuntimeFunctionAsync("node-type-module", "nodejs20.x", "index.handler", RuntimeFunctions.Sources(
            ("package.json", """{"type":"module"}"""),
            ("index.js", """
                import { greet } from "./lib/greet.js";
                export async function handler(event) { return { kind: typeof require === "undefined" ? "esm" : "cjs", text: greet(event.name) }; }
                """),
            ("lib/greet.js", """export const greet = (name) => `hello ${name}`;""")));

        Assert.Equal("""{"kind":"esm","text":"hello module"}""", await InvokeOkAsync("node-type-module", """{"name":"module"}"""));
    }

    [Fact]
    public async Task A_handler_in_a_subfolder_is_named_dir_file_export()
    {
        await _gateway.CreateRuntimeFunctionAsync("node-subdir", "nodejs20.x", "src/handlers/app.main", RuntimeFunctions.Sources(
            ("src/handlers/app.js", """exports.main = async () => ({ from: "src/handlers/app.main" });""")));

        Assert.Equal("""{"from":"src/handlers/app.main"}""", await InvokeOkAsync("node-subdir", "{}"));
    }

    [Fact]
    public async Task The_AWS_SDK_v3_clients_are_on_NODE_PATH_for_require_and_import()
    {
        await _gateway.CreateRuntimeFunctionAsync("node-sdk-cjs", "nodejs20.x", "index.handler", RuntimeFunctions.Sources(("index.js", """
            const { S3Client } = require("@aws-sdk/client-s3");
            const { DynamoDBDocumentClient } = require("@aws-sdk/lib-dynamodb");
            exports.handler = async () => ({ s3: typeof S3Client, doc: typeof DynamoDBDocumentClient });
            """)));
        await _gateway.CreateRuntimeFunctionAsync("node-sdk-esm", "nodejs20.x", "index.handler", RuntimeFunctions.Sources(("index.mjs", """
            import { SQSClient } from "@aws-sdk/client-sqs";
            import { STSClient } from "@aws-sdk/client-sts";
            export const handler = async () => ({ sqs: typeof SQSClient, sts: typeof STSClient });
            """)));

        Assert.Equal("""{"s3":"function","doc":"function"}""", await InvokeOkAsync("node-sdk-cjs", "{}"));
        Assert.Equal("""{"sqs":"function","sts":"function"}""", await InvokeOkAsync("node-sdk-esm", "{}"));
    }

    [Fact]
    public async Task An_ES_module_imports_a_package_from_a_NODE_PATH_folder_as_on_AWS()
    {
        // A layer-shaped folder (nodejs/node_modules/<pkg>) named by NODE_PATH, relative to the task root as require()
        // takes it. The package has "import" and "require" exports: the hook must resolve the ES module one.
        await _gateway.CreateRuntimeFunctionAsync("node-esm-path", "nodejs20.x", "index.handler", RuntimeFunctions.Sources(
            ("index.mjs", """
                import { greeting } from "greeting";
                import helper from "greeting/helper";
                export const handler = async () => ({ greeting, helper });
                """),
            ("layer/nodejs/node_modules/greeting/package.json", """
                {"name":"greeting","exports":{".":{"import":"./esm.mjs","require":"./cjs.js"},"./helper":"./helper.mjs"}}
                """),
            ("layer/nodejs/node_modules/greeting/esm.mjs", """export const greeting = "from the ES module";"""),
            ("layer/nodejs/node_modules/greeting/cjs.js", """exports.greeting = "from CommonJS";"""),
            ("layer/nodejs/node_modules/greeting/helper.mjs", """export default "subpath";""")),
            environment: new Dictionary<string, string> { ["NODE_PATH"] = "layer/nodejs/node_modules" });

        Assert.Equal("""{"greeting":"from the ES module","helper":"subpath"}""", await InvokeOkAsync("node-esm-path", "{}"));
    }

    [Theory]
    [InlineData("aws")]
    [InlineData("/usr/bin/aws")]
    public async Task An_ES_module_imports_a_package_from_a_published_layer_as_on_AWS(string cli)
    {
        // A real layer (PublishLayerVersion) with nodejs/node_modules/<pkg>, as AWS documents Node layers: the function
        // sees it in /opt, NODE_PATH names /opt/nodejs/node_modules, and the ES-module import resolves through the hook.
        using var aws = new AwsCli(cli);
        var suffix = cli == "aws" ? "v1" : "v2";
        var layerZip = Path.Combine(aws.Directory, "layer.zip");
        await File.WriteAllBytesAsync(layerZip, FunctionZip.Build(
            ("nodejs/node_modules/greeting/package.json", """{"name":"greeting","exports":{"import":"./esm.mjs","require":"./cjs.js"}}""", 0b110_100_100),
            ("nodejs/node_modules/greeting/esm.mjs", """export const greeting = "from the layer's ES module";""", 0b110_100_100),
            ("nodejs/node_modules/greeting/cjs.js", """exports.greeting = "from CommonJS";""", 0b110_100_100)));
        var layer = await Ok(aws, "publish-layer-version", "--layer-name", "node-lib-" + suffix, "--zip-file", "fileb://" + layerZip,
            "--compatible-runtimes", "nodejs20.x");
        var layerArn = layer.GetProperty("LayerVersionArn").GetString()!;

        var name = "node-esm-layer-" + suffix;
        var zip = Path.Combine(aws.Directory, name + ".zip");
        await File.WriteAllBytesAsync(zip, FunctionZip.Build(("index.mjs", """
            import { greeting } from "greeting";
            export const handler = async () => ({ greeting, nodePath: process.env.NODE_PATH });
            """, 0b110_100_100)));
        await Ok(aws, "create-function", "--function-name", name, "--runtime", "nodejs20.x", "--role", ManagementApi.Role,
            "--handler", "index.handler", "--zip-file", "fileb://" + zip, "--layers", layerArn);
        await Ok(aws, "wait", "function-active-v2", "--function-name", name);

        var body = JsonDocument.Parse(await InvokeOkAsync(name, "{}")).RootElement;

        Assert.Equal("from the layer's ES module", body.GetProperty("greeting").GetString());
        var optDir = JsonDocument.Parse(await InvokeOkAsync(name, "{}")).RootElement.GetProperty("nodePath").GetString()!.Split(':')[1];
        Assert.EndsWith("/nodejs/node_modules", optDir);
    }

    [Fact]
    public async Task A_js_handler_under_type_module_imports_from_NODE_PATH_too()
    {
        await _gateway.CreateRuntimeFunctionAsync("node-esm-js-path", "nodejs20.x", "src/app.handler", RuntimeFunctions.Sources(
            ("package.json", """{"type":"module"}"""),
            ("src/app.js", """import { greeting } from "greeting"; export const handler = async () => greeting;"""),
            ("layer/nodejs/node_modules/greeting/package.json", """{"name":"greeting","main":"index.js"}"""),
            ("layer/nodejs/node_modules/greeting/index.js", """exports.greeting = "main of a CommonJS package";""")),
            environment: new Dictionary<string, string> { ["NODE_PATH"] = "layer/nodejs/node_modules" });

        Assert.Equal("\"main of a CommonJS package\"", await InvokeOkAsync("node-esm-js-path", "{}"));
    }

    [Fact]
    public async Task An_unresolvable_ES_import_is_still_an_import_error()
    {
        await _gateway.CreateRuntimeFunctionAsync("node-esm-missing", "nodejs20.x", "index.handler", RuntimeFunctions.Sources(
            ("index.mjs", """import "no-such-package"; export const handler = async () => 1;""")));

        using var response = await _gateway.InvokeAsync("node-esm-missing", "{}");
        var body = await GatewayProcess.ReadJsonAsync(response);
        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        // As AWS answers it (the well-known nodejs18.x "Cannot find package 'aws-sdk'" body): Node's own error, not an
        // ImportModuleError, because the ES module loader (not require) raised it.
        Assert.Equal("Error", body.GetProperty("errorType").GetString());
        var message = body.GetProperty("errorMessage").GetString()!;
        Assert.StartsWith("Cannot find package 'no-such-package' imported from ", message);
        Assert.EndsWith("/index.mjs", message);
        Assert.Equal("Error [ERR_MODULE_NOT_FOUND]: " + message, Trace(body)[0]);
    }

    [Fact]
    public async Task AWS_LAMBDA_EXEC_WRAPPER_runs_the_wrapper_with_node_and_its_arguments()
    {
        await _gateway.CreateRuntimeFunctionAsync("node-wrapper", "nodejs20.x", "index.handler", RuntimeFunctions.Sources(
            ("index.js", Echo),
            ("wrapper.sh", "#!/bin/bash\nexport WRAPPED_ARGS=\"$*\"\nexec \"$@\"\n")),
            environment: new Dictionary<string, string> { ["AWS_LAMBDA_EXEC_WRAPPER"] = "./wrapper.sh" });

        using var response = await _gateway.InvokeAsync("node-wrapper", "{}");
        var body = await GatewayProcess.ReadJsonAsync(response);

        var runtime = body.GetProperty("env").GetProperty("LAMBDA_RUNTIME_DIR").GetString();
        // A CommonJS handler: no ES-module resolve hook (it costs start-up time and require() searches NODE_PATH itself).
        // node by its absolute path, as AWS's bootstrap hands the wrapper /var/lang/bin/node.
        var wrapped = body.GetProperty("env").GetProperty("WRAPPED_ARGS").GetString()!;
        Assert.Matches("^/\\S*/node ", wrapped);
        Assert.EndsWith($"/node --expose-gc --max-http-header-size 81920 --max-semi-space-size=6 --max-old-space-size=116 {runtime}/index.mjs", wrapped);
    }

    [Fact]
    public async Task A_missing_wrapper_fails_the_init_as_AWS_bootstrap_does()
    {
        await _gateway.CreateRuntimeFunctionAsync("node-no-wrapper", "nodejs20.x", "index.handler", RuntimeFunctions.Sources(("index.js", Echo)),
            environment: new Dictionary<string, string> { ["AWS_LAMBDA_EXEC_WRAPPER"] = "/nonexistent/wrapper" });

        using var response = await _gateway.InvokeAsync("node-no-wrapper", "{}");

        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        Assert.Contains("/nonexistent/wrapper: does not exist", await _gateway.WaitForLogAsync("node-no-wrapper", "does not exist"));
    }

    // ---- AWS's init errors (aws-lambda-ric posts them to /init/error; the invoke answers 200 + Unhandled) ----------

    [Fact]
    public async Task A_missing_module_is_Runtime_ImportModuleError_with_AWS_body()
    {
        var runtime = await RuntimeDirectoryAsync();
        await _gateway.CreateRuntimeFunctionAsync("node-no-module", "nodejs20.x", "missing.handler", RuntimeFunctions.Sources(("index.js", Echo)));

        var body = await InvokeUnhandledAsync("node-no-module");

        Assert.Equal(["errorType", "errorMessage", "trace"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal("Runtime.ImportModuleError", body.GetProperty("errorType").GetString());
        Assert.Equal($"Error: Cannot find module 'missing'\nRequire stack:\n- {runtime}/index.mjs", body.GetProperty("errorMessage").GetString());
        var trace = Trace(body);
        Assert.Equal(["Runtime.ImportModuleError: Error: Cannot find module 'missing'", "Require stack:", $"- {runtime}/index.mjs"], trace[..3]);
        Assert.StartsWith($"    at _loadUserApp (file://{runtime}/index.mjs:", trace[3]);
    }

    [Fact]
    public async Task A_missing_export_is_Runtime_HandlerNotFound_with_AWS_body()
    {
        var runtime = await RuntimeDirectoryAsync();
        await _gateway.CreateRuntimeFunctionAsync("node-no-export", "nodejs20.x", "index.nothere", RuntimeFunctions.Sources(("index.js", Echo)));

        var body = await InvokeUnhandledAsync("node-no-export");

        Assert.Equal("Runtime.HandlerNotFound", body.GetProperty("errorType").GetString());
        Assert.Equal("index.nothere is undefined or not exported", body.GetProperty("errorMessage").GetString());
        var trace = Trace(body);
        Assert.Equal("Runtime.HandlerNotFound: index.nothere is undefined or not exported", trace[0]);
        Assert.StartsWith($"    at UserFunction.js.module.exports.load (file://{runtime}/index.mjs:", trace[1]);
    }

    [Fact]
    public async Task A_syntax_error_is_Runtime_UserCodeSyntaxError_with_AWS_body()
    {
        var runtime = await RuntimeDirectoryAsync();
        await _gateway.CreateRuntimeFunctionAsync("node-syntax", "nodejs20.x", "index.handler", RuntimeFunctions.Sources(("index.js", "exports.handler = async ( => 1;\n")));

        var body = await InvokeUnhandledAsync("node-syntax");

        Assert.Equal("Runtime.UserCodeSyntaxError", body.GetProperty("errorType").GetString());
        Assert.Equal("SyntaxError: Unexpected token '=>'", body.GetProperty("errorMessage").GetString());
        var trace = Trace(body);
        Assert.Equal("Runtime.UserCodeSyntaxError: SyntaxError: Unexpected token '=>'", trace[0]);
        Assert.StartsWith($"    at _loadUserApp (file://{runtime}/index.mjs:", trace[1]);
    }

    [Fact]
    public async Task A_handler_without_a_dot_is_Runtime_MalformedHandlerName_with_AWS_body()
    {
        await _gateway.CreateRuntimeFunctionAsync("node-malformed", "nodejs20.x", "index", RuntimeFunctions.Sources(("index.js", Echo)));

        var body = await InvokeUnhandledAsync("node-malformed");

        Assert.Equal("Runtime.MalformedHandlerName", body.GetProperty("errorType").GetString());
        Assert.Equal("Bad handler", body.GetProperty("errorMessage").GetString());
        Assert.Equal("Runtime.MalformedHandlerName: Bad handler", Trace(body)[0]);
    }

    [Fact]
    public async Task An_error_thrown_by_the_handler_is_its_type_message_and_trace()
    {
        await _gateway.CreateRuntimeFunctionAsync("node-throws", "nodejs20.x", "index.handler", RuntimeFunctions.Sources(("index.js", """
            class OrderError extends Error { constructor(m) { super(m); this.name = "OrderError"; } }
            exports.handler = async () => { throw new OrderError("no such order"); };
            """)));

        var body = await InvokeUnhandledAsync("node-throws");

        Assert.Equal(["errorType", "errorMessage", "trace"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal("OrderError", body.GetProperty("errorType").GetString());
        Assert.Equal("no such order", body.GetProperty("errorMessage").GetString());
        Assert.Equal("OrderError: no such order", Trace(body)[0]);
    }

    [Fact]
    public async Task Everything_a_handler_logged_is_before_END_and_in_the_Tail_even_past_the_socket_buffer()
    {
        // 400 lines of ~500 B (200 KB): more than the log socket holds, so Node's non-blocking stdout would queue the
        // rest in memory and write it after the response (after END and REPORT, missing from LogResult). On AWS the
        // client writes each record synchronously to its telemetry descriptor.
        await _gateway.CreateRuntimeFunctionAsync("node-many-lines", "nodejs20.x", "index.handler", RuntimeFunctions.Sources(("index.js", """
            exports.handler = async (event) => {
              for (let i = 0; i < event.n; i++) console.log(`line-${i}-` + "x".repeat(480));
              process.stdout.write("raw-last\n");
              return "done";
            };
            """)));

        using var response = await _gateway.InvokeAsync("node-many-lines", """{"n":400}""", logType: "Tail");
        Assert.Equal("\"done\"", await response.Content.ReadAsStringAsync());
        var tail = Encoding.UTF8.GetString(Convert.FromBase64String(response.Headers.GetValues("X-Amz-Log-Result").Single()));
        Assert.Contains("line-399-", tail, StringComparison.Ordinal);
        Assert.Contains("raw-last\n", tail, StringComparison.Ordinal);
        Assert.Matches(@"raw-last\nEND RequestId: ", tail);

        var log = _gateway.ReadLogs("node-many-lines");
        int end = log.IndexOf("\nEND RequestId: ", StringComparison.Ordinal);
        Assert.True(end > 0, log[^Math.Min(log.Length, 2000)..]);
        Assert.True(log.LastIndexOf("line-399-", StringComparison.Ordinal) < end, "a logged line was written after END");
        Assert.True(log.LastIndexOf("raw-last", StringComparison.Ordinal) < end, "a written line was written after END");
    }

    [Fact]
    public async Task A_child_that_shares_stdout_does_not_push_the_handler_lines_past_END()
    {
        // A Node child that inherits stdout makes the shared log socket non-blocking again while it runs: the
        // handler's writes queue in memory, and the response must still wait for them.
        await _gateway.CreateRuntimeFunctionAsync("node-child-lines", "nodejs20.x", "index.handler", RuntimeFunctions.Sources(("index.js", """
            const { spawn } = require("child_process");
            exports.handler = async () => {
              const child = spawn(process.execPath, ["-e", "process.stdout.write('child up\\n'); setTimeout(() => {}, 3000)"], { stdio: "inherit" });
              await new Promise((resolve) => setTimeout(resolve, 500)); // the child has written: the socket is non-blocking
              for (let i = 0; i < 400; i++) console.log(`line-${i}-` + "x".repeat(480));
              const queued = process.stdout.writableLength;
              child.kill();
              return { queued };
            };
            """)));

        using var response = await _gateway.InvokeAsync("node-child-lines", "{}", logType: "Tail");
        var body = await response.Content.ReadAsStringAsync();
        var tail = Encoding.UTF8.GetString(Convert.FromBase64String(response.Headers.GetValues("X-Amz-Log-Result").Single()));

        Assert.Matches(@"line-399-x+\nEND RequestId: ", tail);
        var log = _gateway.ReadLogs("node-child-lines");
        Assert.True(log.LastIndexOf("line-399-", StringComparison.Ordinal) < log.IndexOf("\nEND RequestId: ", StringComparison.Ordinal), body);
    }

    [Fact]
    public async Task A_response_that_cannot_be_serialised_is_the_same_function_error_when_output_was_queued()
    {
        // With output still queued the post waits; a circular response must still be the invocation's own error (as
        // when nothing is queued), not an unhandled rejection that ends the runtime.
        await _gateway.CreateRuntimeFunctionAsync("node-circular", "nodejs20.x", "index.handler", RuntimeFunctions.Sources(("index.js", """
            const { spawn } = require("child_process");
            exports.handler = async (event) => {
              if (event.queued) {
                const child = spawn(process.execPath, ["-e", "process.stdout.write('child up\\n'); setTimeout(() => {}, 3000)"], { stdio: "inherit" });
                await new Promise((resolve) => setTimeout(resolve, 500));
                for (let i = 0; i < 400; i++) console.log(`line-${i}-` + "x".repeat(480));
                child.kill();
              }
              const circular = {};
              circular.self = circular;
              return circular;
            };
            """)));

        foreach (var payload in new[] { """{"queued":false}""", """{"queued":true}""" })
        {
            using var response = await _gateway.InvokeAsync("node-circular", payload);
            var body = await GatewayProcess.ReadJsonAsync(response);
            Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
            Assert.Contains("Unable to stringify response body", body.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        }
        // The runtime lived through both: the third invocation is warm (no Init Duration in its REPORT).
        using var third = await _gateway.InvokeAsync("node-circular", """{"queued":false}""", logType: "Tail");
        var tail = Encoding.UTF8.GetString(Convert.FromBase64String(third.Headers.GetValues("X-Amz-Log-Result").Single()));
        Assert.Contains("REPORT RequestId: ", tail, StringComparison.Ordinal);
        Assert.DoesNotContain("Init Duration", tail, StringComparison.Ordinal);
    }

    // ---- CreateFunction's refusals ---------------------------------------------------------------------------------

    [Theory]
    [InlineData("aws")]
    [InlineData("/usr/bin/aws")]
    public async Task An_unknown_runtime_is_refused_at_CreateFunction_with_AWS_error(string cli)
    {
        using var aws = new AwsCli(cli);
        await File.WriteAllBytesAsync(Path.Combine(aws.Directory, "function.zip"), RuntimeFunctions.Sources(("index.js", Echo)));

        var (exit, _, stderr) = await aws.LambdaAsync(_gateway, ["create-function", "--function-name", "node-unknown", "--runtime", "nodejs99.x",
            "--handler", "index.handler", "--role", ManagementApi.Role, "--zip-file", "fileb://function.zip"]);

        Assert.NotEqual(0, exit);
        // aws-cli v2 adds " (reached max retries: 0)" after the operation when AWS_MAX_ATTEMPTS is 1.
        Assert.Contains("An error occurred (InvalidParameterValueException) when calling the CreateFunction operation", stderr);
        Assert.Contains(": Value nodejs99.x at 'runtime' failed to satisfy constraint: "
            + "Member must satisfy enum value set: [nodejs20.x, python3.14, provided.al2023, python3.12, python3.13, nodejs24.x, nodejs22.x, java25, python3.10, python3.11, "
            + "java21, ruby3.3, ruby3.4, ruby3.2, python3.8, python3.9, java17, nodejs16.x, dotnet10, dotnet8, java11, dotnet6, nodejs18.x, provided.al2, java8.al2] or be a valid ARN", stderr);
    }

    [Fact]
    public async Task A_retired_runtime_and_a_missing_handler_are_refused_with_AWS_messages()
    {
        var zip = Convert.ToBase64String(RuntimeFunctions.Sources(("index.js", Echo)));
        using var retired = await _gateway.Client.PostAsync("/2015-03-31/functions", new StringContent(
            $$$"""{"FunctionName":"node-old","Runtime":"nodejs14.x","Role":"{{{ManagementApi.Role}}}","Handler":"index.handler","Code":{"ZipFile":"{{{zip}}}"}}"""));
        Assert.Equal(HttpStatusCode.BadRequest, retired.StatusCode);
        Assert.Equal("InvalidParameterValueException", retired.Headers.GetValues("X-Amzn-ErrorType").Single().Split(':')[0]);
        Assert.Contains("The runtime parameter of nodejs14.x is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.",
            await retired.Content.ReadAsStringAsync());

        using var noHandler = await _gateway.Client.PostAsync("/2015-03-31/functions", new StringContent(
            $$$"""{"FunctionName":"node-nohandler","Runtime":"nodejs20.x","Role":"{{{ManagementApi.Role}}}","Code":{"ZipFile":"{{{zip}}}"}}"""));
        Assert.Equal(HttpStatusCode.BadRequest, noHandler.StatusCode);
        Assert.Contains("Runtime and Handler are mandatory parameters for functions created with deployment packages.", await noHandler.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UpdateFunctionConfiguration_moves_a_function_to_another_node_runtime()
    {
        await _gateway.CreateRuntimeFunctionAsync("node-update", "nodejs20.x", "index.handler", RuntimeFunctions.Sources(("index.js", Echo)));

        var updated = await _gateway.SendAsync(HttpMethod.Put, "/2015-03-31/functions/node-update/configuration",
            new System.Text.Json.Nodes.JsonObject { ["Runtime"] = "nodejs22.x" }, HttpStatusCode.OK);
        Assert.Equal("nodejs22.x", updated["Runtime"]!.GetValue<string>());
        await _gateway.WaitUntilReadyAsync("node-update");

        using var response = await _gateway.InvokeAsync("node-update", "{}");
        var env = (await GatewayProcess.ReadJsonAsync(response)).GetProperty("env");
        Assert.Equal("AWS_Lambda_nodejs22.x", env.GetProperty("AWS_EXECUTION_ENV").GetString());
        Assert.StartsWith(env.GetProperty("GATEWAY_OPT_DIR").GetString() + "/nodejs/node22/node_modules:", env.GetProperty("NODE_PATH").GetString());
    }

    [Fact]
    public async Task The_gateway_says_once_which_Node_runs_the_nodejs_runtimes()
    {
        await _gateway.CreateRuntimeFunctionAsync("node-announce-1", "nodejs20.x", "index.handler", RuntimeFunctions.Sources(("index.js", Echo)));
        await _gateway.CreateRuntimeFunctionAsync("node-announce-2", "nodejs18.x", "index.handler", RuntimeFunctions.Sources(("index.js", Echo)));

        await _gateway.WaitForOutputAsync(" runs on Node v");
        var lines = _gateway.Output.Split('\n').Where(l => l.Contains(" runs on Node v", StringComparison.Ordinal)).ToArray();
        Assert.Single(lines);
        Assert.Matches(@"^\[gateway\] nodejs\d\d\.x runs on Node v\d+\.\d+\.\d+ \(/.+/node\)$", lines[0].TrimEnd('\r'));
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

    /// <summary>LAMBDA_RUNTIME_DIR as the function sees it (the runtime folder, or /var/runtime in a mount namespace).</summary>
    private async Task<string> RuntimeDirectoryAsync()
    {
        await _gateway.CreateRuntimeFunctionAsync("node-probe", "nodejs20.x", "index.handler", RuntimeFunctions.Sources(("index.js", Echo)));
        using var response = await _gateway.InvokeAsync("node-probe", "{}");
        return (await GatewayProcess.ReadJsonAsync(response)).GetProperty("env").GetProperty("LAMBDA_RUNTIME_DIR").GetString()!;
    }

    private async Task<string> InvokeOkAsync(string function, string payload)
    {
        using var response = await _gateway.InvokeAsync(function, payload);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK && !response.Headers.Contains("X-Amz-Function-Error"), $"{function}: {(int)response.StatusCode} {text}");
        return text;
    }

    private async Task<JsonElement> InvokeUnhandledAsync(string function)
    {
        using var response = await _gateway.InvokeAsync(function, "{}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return await GatewayProcess.ReadJsonAsync(response);
    }

    private static string[] Trace(JsonElement body) => [.. body.GetProperty("trace").EnumerateArray().Select(t => t.GetString()!)];

    private async Task<JsonElement> Ok(AwsCli aws, params string[] args)
    {
        var (exit, stdout, stderr) = await aws.LambdaAsync(_gateway, args);
        Assert.True(exit == 0, $"aws lambda {string.Join(' ', args)}: exit {exit}\n{stderr}");
        return stdout.Trim().Length == 0 ? default : JsonDocument.Parse(stdout).RootElement.Clone();
    }
}
