using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>
/// Lambda's graceful shutdown against the native binary: when an environment with a registered extension ends, the
/// runtime gets SIGTERM first and the external extensions get SHUTDOWN after it (RAPID's order, rapid/shutdown.go), a
/// runtime that ignores the SIGTERM is killed and the extensions still get their SHUTDOWN; an internal extension alone
/// is enough for the SIGTERM; a function without extensions is killed at once, with no SIGTERM. The runtime writes a
/// line to its log stream from a TERM trap, so the log says whether (and when) the signal came. Here in the default
/// sandbox (a mount namespace where bubblewrap works: the signal goes to bwrap's child);
/// <see cref="GracefulShutdownHostFoldersTests"/> runs the same without one (the gateway's own child is the runtime).
/// </summary>
public class GracefulShutdownTests : IAsyncLifetime
{
    private const int Executable = 0b111_101_101;

    private const string SigtermMark = "runtime got SIGTERM";

    private GatewayProcess _gateway = null!;

    /// <summary>The gateway's extra arguments.</summary>
    protected virtual string[] GatewayArguments => [];

    public async Task InitializeAsync() => _gateway = await GatewayProcess.StartAsync([], GatewayArguments);

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    /// <summary>A bash runtime that answers every event with {"ok":true} and writes <see cref="SigtermMark"/> when it gets
    /// SIGTERM, then exits (ON_TERM=stay: keeps running until it is killed). With INTERNAL=yes its process registers an
    /// internal extension (no events) before its first /next.</summary>
    private static readonly string Runtime = """
        #!/bin/bash
        set -u
        api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
        on_term() {
          echo "runtime got SIGTERM"
          [ "${ON_TERM:-}" = stay ] && sleep 30
          exit 0
        }
        trap on_term TERM
        if [ "${INTERNAL:-}" = yes ]; then
          ext="http://${AWS_LAMBDA_RUNTIME_API}/2020-01-01/extension"
          headers=$(mktemp)
          curl -sS -D "$headers" -o /dev/null -X POST -H 'Lambda-Extension-Name: inner' -d '{"events":[]}' "$ext/register"
          id=$(grep -Fi 'Lambda-Extension-Identifier:' "$headers" | tr -d '[:space:]' | cut -d: -f2)
          curl -sS -o /dev/null -H "Lambda-Extension-Identifier: $id" "$ext/event/next" &
        fi
        headers=$(mktemp)
        while true; do
          # In the background and waited for: bash runs a trap only between commands, and a wait is cut short by one.
          curl -sS --fail -D "$headers" -o /dev/null "$api/invocation/next" &
          wait $! || exit 1
          id=$(grep -Fi 'Lambda-Runtime-Aws-Request-Id:' "$headers" | tr -d '[:space:]' | cut -d: -f2)
          curl -sS -o /dev/null -X POST --data-binary '{"ok":true}' "$api/invocation/$id/response"
        done

        """.Replace("\r", "");

    /// <summary>An external extension registered for SHUTDOWN only, which writes each event it gets and exits on SHUTDOWN.</summary>
    private static readonly string Watcher = """
        #!/bin/bash
        set -u
        api="http://${AWS_LAMBDA_RUNTIME_API}/2020-01-01/extension"
        headers=$(mktemp)
        curl -sS -D "$headers" -o /dev/null -X POST -H 'Lambda-Extension-Name: watcher' -d '{"events":["SHUTDOWN"]}' "$api/register"
        id=$(grep -Fi 'Lambda-Extension-Identifier:' "$headers" | tr -d '[:space:]' | cut -d: -f2)
        while true; do
          event=$(curl -sS -H "Lambda-Extension-Identifier: $id" "$api/event/next")
          echo "watcher got $event"
          case "$event" in *SHUTDOWN*) exit 0 ;; esac
        done

        """.Replace("\r", "");

    [Fact]
    public async Task With_an_external_extension_the_runtime_gets_SIGTERM_before_the_extension_gets_SHUTDOWN()
    {
        var layer = await PublishLayerAsync("graceful-watcher");
        await CreateAsync("graceful-ext", layer, new JsonObject());
        await InvokeAsync("graceful-ext");

        var logs = await RetireAsync("graceful-ext", "watcher got {\"eventType\":\"SHUTDOWN\"");
        int sigterm = logs.IndexOf(SigtermMark, StringComparison.Ordinal);
        int shutdown = logs.IndexOf("watcher got {\"eventType\":\"SHUTDOWN\"", StringComparison.Ordinal);
        Assert.True(sigterm >= 0 && sigterm < shutdown, logs); // the runtime first, then the extension
        var shutdownEvent = JsonNode.Parse(logs[shutdown..].Split('\n')[0]["watcher got ".Length..])!;
        Assert.Equal("spindown", shutdownEvent["shutdownReason"]!.GetValue<string>());
        // The runtime's exit on its SIGTERM is the shutdown's own: not a crash, nothing about it in the log.
        Assert.DoesNotContain("Runtime.ExitError", logs);
        Assert.DoesNotContain("Runtime exited", logs);
        Assert.DoesNotContain("shutdownReason\":\"failure", logs);
    }

    [Fact]
    public async Task A_runtime_that_ignores_SIGTERM_is_killed_and_the_extension_still_gets_SHUTDOWN()
    {
        var layer = await PublishLayerAsync("graceful-watcher-stay");
        await CreateAsync("graceful-stay", layer, new JsonObject { ["ON_TERM"] = "stay" });
        await InvokeAsync("graceful-stay");

        var logs = await RetireAsync("graceful-stay", "watcher got {\"eventType\":\"SHUTDOWN\"");
        int sigterm = logs.IndexOf(SigtermMark, StringComparison.Ordinal);
        Assert.True(sigterm >= 0 && sigterm < logs.IndexOf("watcher got {\"eventType\":\"SHUTDOWN\"", StringComparison.Ordinal), logs);
        Assert.DoesNotContain("Runtime.ExitError", logs);
    }

    [Fact]
    public async Task An_internal_extension_alone_gets_the_runtime_a_SIGTERM()
    {
        await CreateAsync("graceful-internal", null, new JsonObject { ["INTERNAL"] = "yes" });
        await InvokeAsync("graceful-internal");
        var logs = await RetireAsync("graceful-internal", SigtermMark);
        Assert.Contains("EXTENSION\tName: inner\tState: Ready\tEvents: []", logs);
        Assert.DoesNotContain("Runtime.ExitError", logs);
    }

    [Fact]
    public async Task Without_extensions_the_runtime_is_killed_at_once_without_SIGTERM()
    {
        await CreateAsync("graceful-none", null, new JsonObject());
        await InvokeAsync("graceful-none");
        await RetireAsync("graceful-none", null);
        await Task.Delay(1000); // time for a SIGTERM's line to reach the log (flushed every 200 ms), were there one
        Assert.DoesNotContain(SigtermMark, _gateway.ReadLogs("graceful-none"));
    }

    /// <summary>New configuration retires the function's environment; a new one answers; then (unless null) waits for
    /// <paramref name="logText"/> in the function's logs and returns them.</summary>
    private async Task<string> RetireAsync(string function, string? logText)
    {
        await _gateway.SendAsync(HttpMethod.Put, $"/2015-03-31/functions/{function}/configuration",
            new JsonObject { ["Description"] = "retire the old environment" }, HttpStatusCode.OK);
        await _gateway.WaitUntilReadyAsync(function);
        await InvokeAsync(function);
        return logText is null ? "" : await _gateway.WaitForLogAsync(function, logText);
    }

    private async Task InvokeAsync(string function)
    {
        using var response = await _gateway.InvokeAsync(function, "{}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK && !response.Headers.Contains("X-Amz-Function-Error"), $"{(int)response.StatusCode} {body}");
        Assert.Equal("""{"ok":true}""", body);
    }

    private async Task<string> PublishLayerAsync(string name)
    {
        var zip = FunctionZip.Build(("extensions/watcher", Watcher, Executable));
        var layer = await _gateway.SendAsync(HttpMethod.Post, $"/2018-10-31/layers/{name}/versions",
            new JsonObject { ["Content"] = new JsonObject { ["ZipFile"] = Convert.ToBase64String(zip) } }, HttpStatusCode.Created);
        return layer["LayerVersionArn"]!.GetValue<string>();
    }

    private async Task CreateAsync(string name, string? layerArn, JsonObject variables)
    {
        var function = new JsonObject
        {
            ["FunctionName"] = name,
            ["Runtime"] = "provided.al2023",
            ["Role"] = ManagementApi.Role,
            ["Handler"] = "function.handler",
            ["Timeout"] = 20,
            ["Code"] = new JsonObject { ["ZipFile"] = Convert.ToBase64String(FunctionZip.Build(("bootstrap", Runtime, Executable))) },
            ["Environment"] = new JsonObject { ["Variables"] = variables },
        };
        if (layerArn is not null)
        {
            function["Layers"] = new JsonArray(layerArn);
        }
        await _gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions", function, HttpStatusCode.Created);
        await _gateway.WaitUntilReadyAsync(name);
    }
}

/// <summary><see cref="GracefulShutdownTests"/> with <c>--sandbox none</c>: no bwrap between the gateway and the runtime.</summary>
public sealed class GracefulShutdownHostFoldersTests : GracefulShutdownTests
{
    protected override string[] GatewayArguments => ["--sandbox", "none"];
}

/// <summary><see cref="GracefulShutdownTests"/> with <c>--freeze-idle-ms 0</c>: every environment is frozen (its process
/// group stopped) the moment it goes idle, so each shutdown here begins frozen and must continue the runtime for its
/// SIGTERM and the extensions for their SHUTDOWN.</summary>
public sealed class GracefulShutdownFrozenTests : GracefulShutdownTests
{
    protected override string[] GatewayArguments => ["--freeze-idle-ms", "0"];
}
