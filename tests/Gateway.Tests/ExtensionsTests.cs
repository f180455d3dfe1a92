using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>
/// Lambda extensions against the native binary: an external extension (a bash script in a layer's
/// <c>extensions/</c>) is started before the runtime, which starts only once it has registered; init ends when it waits
/// in /event/next; it gets an INVOKE event for each invocation and SHUTDOWN when its environment is retired; it shares
/// the function's /tmp and log stream and sees the environment AWS gives extensions; END and REPORT wait for its work. An extension that exits fails the
/// invocation with Extension.Crash (in init or in an invocation), a runtime that dies is a reset the extension hears of
/// (SHUTDOWN "failure"), and the function's next environment starts afresh.
/// </summary>
public sealed class ExtensionsTests : IAsyncLifetime
{
    private const int Executable = 0b111_101_101;

    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayProcess.StartAsync([]);

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    /// <summary>The extension: waits half a second, leaves a mark, registers for INVOKE and SHUTDOWN, writes what it
    /// was answered and its environment to /tmp/ext, then writes each event it gets there and to its stdout. With
    /// EXT_MODE=exit-before-register it exits 0 at once; with EXT_MODE=crash-on-invoke it exits 3 on its first INVOKE.
    /// Its work after each INVOKE takes EXT_INVOKE_WORK seconds (0.3 unless set).</summary>
    private static readonly string Recorder = """
        #!/bin/bash
        set -u
        api="http://${AWS_LAMBDA_RUNTIME_API}/2020-01-01/extension"
        mkdir -p /tmp/ext
        [ "${EXT_MODE:-}" = exit-before-register ] && exit 0
        sleep 0.5
        env > /tmp/ext/env
        touch /tmp/ext/before-register
        headers=$(mktemp)
        curl -sS -D "$headers" -o /tmp/ext/registered.json -X POST -H 'Lambda-Extension-Name: recorder' \
          -H 'Lambda-Extension-Accept-Feature: accountId' -d '{"events":["INVOKE","SHUTDOWN"]}' "$api/register"
        id=$(grep -Fi 'Lambda-Extension-Identifier:' "$headers" | tr -d '[:space:]' | cut -d: -f2)
        echo "recorder registered"
        sleep 0.5
        touch /tmp/ext/ready
        while true; do
          event=$(curl -sS -H "Lambda-Extension-Identifier: $id" "$api/event/next")
          echo "$event" >> /tmp/ext/events
          echo "recorder got $event"
          case "$event" in
            *SHUTDOWN*) exit 0 ;;
            *INVOKE*)
              [ "${EXT_MODE:-}" = crash-on-invoke ] && exit 3
              sleep "${EXT_INVOKE_WORK:-0.3}"
              echo "recorder finished its INVOKE work" ;;
          esac
        done

        """.Replace("\r", "");

    /// <summary>A bash runtime that says whether the extension had registered when it started and had finished its
    /// init when the first event came, and answers each event with the files the extension wrote (base64).</summary>
    private static readonly string Runtime = """
        #!/bin/bash
        set -u
        api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
        registered_before_start=no
        [ -e /tmp/ext/before-register ] && registered_before_start=yes
        headers=$(mktemp)
        while true; do
          curl -sS --fail -D "$headers" -o /dev/null "$api/invocation/next" || exit 1
          [ "${RUNTIME_MODE:-}" = crash ] && exit 5
          id=$(grep -Fi 'Lambda-Runtime-Aws-Request-Id:' "$headers" | tr -d '[:space:]' | cut -d: -f2)
          ready=no
          [ -e /tmp/ext/ready ] && ready=yes
          [ "${SLOW_ANSWER:-}" = yes ] && sleep 2
          body=$(printf '{"startedAfterRegister":"%s","extensionReadyAtFirstEvent":"%s","registered":"%s","env":"%s","events":"%s"}' \
            "$registered_before_start" "$ready" "$(base64 -w0 /tmp/ext/registered.json)" "$(base64 -w0 /tmp/ext/env)" "$(base64 -w0 /tmp/ext/events 2>/dev/null)")
          curl -sS -o /dev/null -X POST --data-binary "$body" "$api/invocation/$id/response"
        done

        """.Replace("\r", "");

    [Fact]
    public async Task An_external_extension_registers_before_the_runtime_starts_and_gets_INVOKE_and_SHUTDOWN()
    {
        var arn = await PublishLayerAsync("recorder-layer");
        await CreateAsync("with-extension", arn, new JsonObject());

        // First invocation: the runtime started after the registration, and its first event came after the extension's
        // first /event/next (init's end).
        var first = await InvokeAsync("with-extension");
        Assert.Equal("yes", first["startedAfterRegister"]!.GetValue<string>());
        Assert.Equal("yes", first["extensionReadyAtFirstEvent"]!.GetValue<string>());
        var registered = JsonNode.Parse(Decode(first, "registered"))!;
        Assert.Equal("""{"accountId":"000000000000","functionName":"with-extension","functionVersion":"$LATEST","handler":"function.handler"}""",
            registered.ToJsonString());
        var env = Decode(first, "env").Split('\n');
        Assert.Contains(env, l => l.StartsWith("AWS_LAMBDA_RUNTIME_API=127.0.0.1:", StringComparison.Ordinal));
        Assert.Contains("AWS_LAMBDA_FUNCTION_NAME=with-extension", env);
        Assert.DoesNotContain(env, l => l.StartsWith("_HANDLER=", StringComparison.Ordinal) || l.StartsWith("LAMBDA_TASK_ROOT=", StringComparison.Ordinal)
            || l.StartsWith("AWS_LAMBDA_LOG_STREAM_NAME=", StringComparison.Ordinal) || l.StartsWith("AWS_EXECUTION_ENV=", StringComparison.Ordinal));

        // The second invocation reaches the same environment only after the extension is back in /event/next, so the
        // first invocation's INVOKE event is in the file by then.
        var second = await InvokeAsync("with-extension");
        var invokeEvent = JsonNode.Parse(Decode(second, "events").Split('\n')[0])!;
        Assert.Equal("INVOKE", invokeEvent["eventType"]!.GetValue<string>());
        Assert.Equal("arn:aws:lambda:us-east-1:000000000000:function:with-extension", invokeEvent["invokedFunctionArn"]!.GetValue<string>());
        Assert.Matches(@"\A[0-9a-f-]{36}\z", invokeEvent["requestId"]!.GetValue<string>());
        Assert.True(invokeEvent["deadlineMs"]!.GetValue<long>() > DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000);
        Assert.Equal("X-Amzn-Trace-Id", invokeEvent["tracing"]!["type"]!.GetValue<string>());
        Assert.StartsWith("Root=1-", invokeEvent["tracing"]!["value"]!.GetValue<string>());

        // Its output is in the function's log; the platform names it at the end of init, before the first START. The
        // first invocation's REPORT waited for the extension's work after the runtime's answer (its Duration counts it).
        var firstId = invokeEvent["requestId"]!.GetValue<string>();
        var logs = await _gateway.WaitForLogAsync("with-extension", "REPORT RequestId: " + firstId);
        Assert.True(logs.IndexOf("recorder finished its INVOKE work", StringComparison.Ordinal) < logs.IndexOf("END RequestId: " + firstId, StringComparison.Ordinal), logs);
        Assert.Contains("recorder registered", logs);
        int extensionLine = logs.IndexOf("EXTENSION\tName: recorder\tState: Ready\tEvents: [INVOKE,SHUTDOWN]", StringComparison.Ordinal);
        Assert.True(extensionLine >= 0, logs);
        Assert.True(extensionLine < logs.IndexOf("START RequestId:", StringComparison.Ordinal), logs);

        // New configuration retires the environment: SHUTDOWN (spindown) reaches the extension, which exits.
        await _gateway.SendAsync(HttpMethod.Put, "/2015-03-31/functions/with-extension/configuration",
            new JsonObject { ["Description"] = "retire the old environment" }, HttpStatusCode.OK);
        await _gateway.WaitUntilReadyAsync("with-extension");
        logs = await _gateway.WaitForLogAsync("with-extension", "\"eventType\":\"SHUTDOWN\"");
        var shutdown = JsonNode.Parse(logs.Split('\n').First(l => l.Contains("\"eventType\":\"SHUTDOWN\"", StringComparison.Ordinal))["recorder got ".Length..])!;
        Assert.Equal("spindown", shutdown["shutdownReason"]!.GetValue<string>());
        Assert.True(shutdown["deadlineMs"]!.GetValue<long>() > DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000);
        Assert.Equal("yes", (await InvokeAsync("with-extension"))["startedAfterRegister"]!.GetValue<string>()); // a new environment, a new extension

        // The gateway stopping is a spindown too: the new environment's extension hears of it before the kill.
        Assert.Equal(0, await _gateway.StopAsync());
        var lines = _gateway.ReadLogs("with-extension").Split('\n');
        Assert.True(lines.Count(l => l.Contains("\"shutdownReason\":\"spindown\"", StringComparison.Ordinal)) == lines.Count(l => l == "recorder registered"), string.Join('\n', lines));
    }

    [Fact]
    public async Task An_extension_that_exits_fails_the_invocation_with_Extension_Crash_and_the_next_environment_starts_afresh()
    {
        var arn = await PublishLayerAsync("crashing-layer");

        // In init: it exits (status 0) before registering.
        await CreateAsync("ext-init-crash", arn, new JsonObject { ["EXT_MODE"] = "exit-before-register" });
        using (var response = await _gateway.InvokeAsync("ext-init-crash", "{}"))
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
            var error = JsonNode.Parse(body)!;
            Assert.Equal("Extension.Crash", error["errorType"]!.GetValue<string>());
            Assert.Matches(@"\ARequestId: [0-9a-f-]{36} Error: exit code 0\z", error["errorMessage"]!.GetValue<string>());
        }
        await _gateway.WaitForLogAsync("ext-init-crash", "Status: error\tError Type: Extension.Crash");

        // In an invocation, before the runtime answers: it exits 3 on its INVOKE.
        await CreateAsync("ext-invoke-crash", arn, new JsonObject { ["EXT_MODE"] = "crash-on-invoke", ["SLOW_ANSWER"] = "yes" });
        using (var response = await _gateway.InvokeAsync("ext-invoke-crash", "{}"))
        {
            var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
            Assert.Equal("Extension.Crash", error["errorType"]!.GetValue<string>());
            Assert.Matches(@"\ARequestId: [0-9a-f-]{36} Error: exit status 3\z", error["errorMessage"]!.GetValue<string>());
        }

        // The runtime dying is a reset the extension hears of: SHUTDOWN with the reason "failure".
        await CreateAsync("ext-runtime-crash", arn, new JsonObject { ["RUNTIME_MODE"] = "crash" });
        using (var response = await _gateway.InvokeAsync("ext-runtime-crash", "{}"))
        {
            var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Equal("Runtime.ExitError", error["errorType"]!.GetValue<string>());
        }
        await _gateway.WaitForLogAsync("ext-runtime-crash", "\"shutdownReason\":\"failure\"");

        // Without the crash, the next invocation gets a fresh environment and succeeds.
        await _gateway.SendAsync(HttpMethod.Put, "/2015-03-31/functions/ext-invoke-crash/configuration",
            new JsonObject { ["Environment"] = new JsonObject { ["Variables"] = new JsonObject() } }, HttpStatusCode.OK);
        await _gateway.WaitUntilReadyAsync("ext-invoke-crash");
        Assert.Equal("yes", (await InvokeAsync("ext-invoke-crash"))["startedAfterRegister"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_environment_whose_extension_still_works_counts_toward_reserved_concurrency()
    {
        // AWS (runtimes-extensions-api, Invoke phase): "The Invoke phase ends after the runtime and all extensions signal
        // that they are done by sending a Next API request". The caller has its answer before that ("Lambda returns the
        // response to the client, even if extensions are still running"), but the environment is still busy: with
        // reserved concurrency 1 a call in that window is throttled, it does not get a second environment.
        var arn = await PublishLayerAsync("slow-extension-layer");
        await CreateAsync("busy-after-answer", arn, new JsonObject { ["EXT_INVOKE_WORK"] = "1.5" });
        await _gateway.SendAsync(HttpMethod.Put, "/2017-10-31/functions/busy-after-answer/concurrency",
            new JsonObject { ["ReservedConcurrentExecutions"] = 1 }, HttpStatusCode.OK);

        await InvokeAsync("busy-after-answer");
        using (var second = await _gateway.InvokeAsync("busy-after-answer", "{}"))
        {
            var body = await second.Content.ReadAsStringAsync();
            Assert.True(second.StatusCode == HttpStatusCode.TooManyRequests, $"{(int)second.StatusCode} {body}");
            var error = JsonNode.Parse(body)!;
            Assert.Equal("TooManyRequestsException", second.Headers.GetValues("x-amzn-ErrorType").Single());
            Assert.Equal("ReservedFunctionConcurrentInvocationLimitExceeded", error["Reason"]!.GetValue<string>());
        }

        // An Event in that window is throttled the same way and retried (from 1 s on): it runs in the same environment.
        string eventId;
        using (var accepted = await _gateway.InvokeAsync("busy-after-answer", "{}", invocationType: "Event"))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            eventId = accepted.Headers.GetValues("x-amzn-RequestId").Single();
        }
        var logs = await _gateway.WaitForLogAsync("busy-after-answer", "REPORT RequestId: " + eventId);

        // Once the extension is back in /event/next the environment takes the next call.
        await InvokeAsync("busy-after-answer");
        logs = _gateway.ReadLogs("busy-after-answer");
        Assert.Equal(1, logs.Split('\n').Count(l => l.StartsWith("INIT_START", StringComparison.Ordinal)));
        Assert.DoesNotContain("Extension.Crash", logs);
    }

    [Fact]
    public async Task The_Extensions_API_refuses_as_AWS_does()
    {
        // The runtime's own process registering after init (an internal extension too late), and bad identifiers.
        await ShellFunction.CreateAsync(_gateway, "ext-api-errors");
        var output = await ShellFunction.RunAsync(_gateway, "ext-api-errors", """
            api="http://${AWS_LAMBDA_RUNTIME_API}/2020-01-01/extension"
            curl -sS -w ' %{http_code}\n' -X POST -H 'Lambda-Extension-Name: late' -d '{"events":["INVOKE"]}' "$api/register"
            curl -sS -w ' %{http_code}\n' "$api/event/next"
            curl -sS -w ' %{http_code}\n' -H 'Lambda-Extension-Identifier: not-a-uuid' "$api/event/next"
            curl -sS -w ' %{http_code}\n' -H 'Lambda-Extension-Identifier: 0e5a3b8e-58b4-4a0e-9d2c-0b9f2d3c4e5f' "$api/event/next"
            curl -sS -w ' %{http_code}\n' -X POST -H 'Lambda-Extension-Identifier: 0e5a3b8e-58b4-4a0e-9d2c-0b9f2d3c4e5f' "$api/init/error"
            """);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("""{"errorMessage":"Extension registration closed already","errorType":"Extension.RegistrationClosed"} 403""", lines[0]);
        Assert.Equal("""{"errorMessage":"Missing Lambda-Extension-Identifier header","errorType":"Extension.MissingExtensionIdentifier"} 403""", lines[1]);
        Assert.Equal("""{"errorMessage":"Invalid Lambda-Extension-Identifier","errorType":"Extension.InvalidExtensionIdentifier"} 403""", lines[2]);
        Assert.Equal("""{"errorMessage":"Unknown extension 0e5a3b8e-58b4-4a0e-9d2c-0b9f2d3c4e5f","errorType":"Extension.UnknownExtensionIdentifier"} 403""", lines[3]);
        Assert.Equal("""{"errorMessage":"Lambda-Extension-Function-Error-Type not found","errorType":"Extension.MissingHeader"} 403""", lines[4]);
    }

    private static string Decode(JsonNode answer, string member) =>
        Encoding.UTF8.GetString(Convert.FromBase64String(answer[member]!.GetValue<string>()));

    private async Task<JsonNode> InvokeAsync(string function)
    {
        using var response = await _gateway.InvokeAsync(function, "{}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK && !response.Headers.Contains("X-Amz-Function-Error"), $"{(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    private async Task<string> PublishLayerAsync(string name)
    {
        var zip = FunctionZip.Build(("extensions/recorder", Recorder, Executable));
        var layer = await _gateway.SendAsync(HttpMethod.Post, $"/2018-10-31/layers/{name}/versions",
            new JsonObject { ["Content"] = new JsonObject { ["ZipFile"] = Convert.ToBase64String(zip) } }, HttpStatusCode.Created);
        return layer["LayerVersionArn"]!.GetValue<string>();
    }

    private async Task CreateAsync(string name, string layerArn, JsonObject variables)
    {
        await _gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions", new JsonObject
        {
            ["FunctionName"] = name,
            ["Runtime"] = "provided.al2023",
            ["Role"] = ManagementApi.Role,
            ["Handler"] = "function.handler",
            ["Timeout"] = 20,
            ["Code"] = new JsonObject { ["ZipFile"] = Convert.ToBase64String(FunctionZip.Build(("bootstrap", Runtime, Executable))) },
            ["Layers"] = new JsonArray(layerArn),
            ["Environment"] = new JsonObject { ["Variables"] = variables },
        }, HttpStatusCode.Created);
        await _gateway.WaitUntilReadyAsync(name);
    }
}
