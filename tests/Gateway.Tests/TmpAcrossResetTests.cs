using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>
/// Lambda keeps /tmp across a reset ("the Lambda reset does not clear the /tmp directory content prior to the next init
/// phase", lambda-runtime-environment; recorded against AWS: after a timeout the next invocation reads the file the
/// timed-out one's environment wrote, while the module's globals start over). Here after a timeout and after a crash,
/// the same environment re-initialized with a new process on its /tmp; new configuration starts on an empty one. In the
/// default sandbox (a mount namespace: the gateway's own tmpfs, bound at /tmp); <see cref="TmpAcrossResetHostFoldersTests"/>
/// runs the same without one (TMPDIR's folder).
/// </summary>
public class TmpAcrossResetTests : IAsyncLifetime
{
    private GatewayProcess _gateway = null!;

    protected virtual string[] GatewayArguments => [];

    public async Task InitializeAsync() => _gateway = await GatewayProcess.StartAsync([], GatewayArguments);

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    /// <summary>Writes a file in the temporary folder (tempfile's: /tmp, or TMPDIR without a namespace) when asked,
    /// then sleeps or exits when asked; answers what it finds there, its module's invocation count and its environment.</summary>
    private const string Handler = """
        import json, os, tempfile, time
        invocations = 0
        def handler(event, context):
            global invocations
            invocations += 1
            path = os.path.join(tempfile.gettempdir(), "cache.txt")
            if "write" in event:
                with open(path, "w") as f:
                    f.write(event["write"])
            if event.get("sleep"):
                time.sleep(event["sleep"])
            if event.get("exit"):
                os._exit(1)
            found = open(path).read() if os.path.exists(path) else None
            return {"found": found, "invocations": invocations, "environment": os.environ["GATEWAY_ENVIRONMENT_ID"]}
        """;

    [Fact]
    public async Task A_timeout_and_a_crash_keep_tmp_for_the_re_initialized_environment_and_new_configuration_empties_it()
    {
        await _gateway.CreateRuntimeFunctionAsync("keeps-tmp", "python3.12", "app.handler", RuntimeFunctions.Sources(("app.py", Handler)), timeout: 2);

        var first = await InvokeAsync("""{"write":"before the timeout"}""");
        Assert.Equal("before the timeout", first.GetProperty("found").GetString());

        using (var timedOut = await _gateway.InvokeAsync("keeps-tmp", """{"sleep":10}"""))
        {
            Assert.Contains("Sandbox.Timedout", await timedOut.Content.ReadAsStringAsync());
        }
        var afterTimeout = await InvokeAsync("{}");
        Assert.Equal("before the timeout", afterTimeout.GetProperty("found").GetString()); // /tmp kept
        Assert.Equal(1, afterTimeout.GetProperty("invocations").GetInt32()); // a new init: the module's globals start over
        Assert.Equal(first.GetProperty("environment").GetString(), afterTimeout.GetProperty("environment").GetString()); // reset in place

        using (var crashed = await _gateway.InvokeAsync("keeps-tmp", """{"write":"before the crash","exit":true}"""))
        {
            Assert.Contains("Runtime.ExitError", await crashed.Content.ReadAsStringAsync());
        }
        var afterCrash = await InvokeAsync("{}");
        Assert.Equal("before the crash", afterCrash.GetProperty("found").GetString());
        Assert.Equal(1, afterCrash.GetProperty("invocations").GetInt32());

        // New configuration: new environments on a new /tmp, as on AWS.
        await _gateway.SendAsync(HttpMethod.Put, "/2015-03-31/functions/keeps-tmp/configuration",
            new JsonObject { ["Environment"] = new JsonObject { ["Variables"] = new JsonObject { ["VERSION"] = "2" } } }, HttpStatusCode.OK);
        await _gateway.WaitUntilReadyAsync("keeps-tmp");
        using (var reset = await _gateway.InvokeAsync("keeps-tmp", """{"sleep":10}"""))
        {
            Assert.Contains("Sandbox.Timedout", await reset.Content.ReadAsStringAsync()); // its /tmp (empty) is the one kept
        }
        Assert.Equal(JsonValueKind.Null, (await InvokeAsync("{}")).GetProperty("found").ValueKind);
    }

    private async Task<JsonElement> InvokeAsync(string payload)
    {
        using var response = await _gateway.InvokeAsync("keeps-tmp", payload);
        var body = await response.Content.ReadAsStringAsync();
        Assert.False(response.Headers.Contains("X-Amz-Function-Error"), body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}

/// <summary><see cref="TmpAcrossResetTests"/> without a mount namespace: the environment's TMPDIR folder is kept.</summary>
public sealed class TmpAcrossResetHostFoldersTests : TmpAcrossResetTests
{
    protected override string[] GatewayArguments => ["--sandbox", "none"];
}
