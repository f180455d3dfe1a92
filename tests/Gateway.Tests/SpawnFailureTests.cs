using System.Text.Json;

namespace Gateway.Tests;

/// <summary>
/// A bootstrap that cannot be started is Lambda's <c>Runtime.InvalidEntrypoint</c>, answered to the invocation that
/// needed it (200 + X-Amz-Function-Error: Unhandled), in the words Lambda uses; the gateway itself carries on.
/// </summary>
public sealed class SpawnFailureTests : IDisposable
{
    private readonly string _code = Directory.CreateTempSubdirectory("gateway-code-").FullName;

    private string Bootstrap => Path.Combine(_code, "bootstrap");

    [Fact]
    public async Task A_bootstrap_without_execute_permission_is_a_fork_exec_permission_denied()
    {
        await File.WriteAllTextAsync(Bootstrap, "#!/bin/sh\nexit 0\n");
        File.SetUnixFileMode(Bootstrap, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        await using var gateway = await GatewayProcess.StartAsync([new TestFunction("broken", _code, "handler") { Provisioned = 0 }]);

        // Twice: a failed start leaves nothing behind that would change the next one.
        for (int i = 0; i < 2; i++)
        {
            var (requestId, error) = await InvokeAsync(gateway);

            Assert.Equal("Runtime.InvalidEntrypoint", error.GetProperty("errorType").GetString());
            Assert.Equal($"RequestId: {requestId} Error: fork/exec {SeenBootstrap(gateway)}: permission denied", error.GetProperty("errorMessage").GetString());
        }
        Assert.Empty(await gateway.WorkerPidsAsync("broken"));
    }

    [Fact]
    public async Task A_bootstrap_removed_after_start_is_not_a_valid_bootstrap()
    {
        await File.WriteAllTextAsync(Bootstrap, "#!/bin/sh\nexit 0\n");
        File.SetUnixFileMode(Bootstrap, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await using var gateway = await GatewayProcess.StartAsync([new TestFunction("broken", _code, "handler") { Provisioned = 0 }]);
        File.Delete(Bootstrap); // the configuration was checked at start; the file is gone when the environment starts

        var (requestId, error) = await InvokeAsync(gateway);

        Assert.Equal("Runtime.InvalidEntrypoint", error.GetProperty("errorType").GetString());
        // Both places Lambda looks, as AWS words it: "[/var/task/bootstrap /opt/bootstrap]" (aws/aws-lambda-dotnet#1671).
        var message = error.GetProperty("errorMessage").GetString()!;
        if (gateway.InMountNamespace)
        {
            Assert.Equal($"RequestId: {requestId} Error: Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]", message);
        }
        else
        {
            Assert.StartsWith($"RequestId: {requestId} Error: Couldn't find valid bootstrap(s): [{SeenBootstrap(gateway)} /", message);
            Assert.EndsWith("/bootstrap]", message);
        }

        // The log says why, as CloudWatch does for AWS's Runtime.InvalidEntrypoint, and a Tail caller gets it.
        using var tailed = await gateway.InvokeAsync("broken", "{}", logType: "Tail");
        var tailedId = tailed.Headers.GetValues("x-amzn-RequestId").Single();
        var tail = Encoding.UTF8.GetString(Convert.FromBase64String(tailed.Headers.GetValues("X-Amz-Log-Result").Single()));
        Assert.Contains($"START RequestId: {tailedId}", tail);
        Assert.Contains($"RequestId: {tailedId} Error: Couldn't find valid bootstrap(s): [", tail);
        Assert.Contains("\nRuntime.InvalidEntrypoint\n", tail);
        Assert.Contains("\tStatus: error\tError Type: Runtime.InvalidEntrypoint\t", tail);
        var logs = await gateway.WaitForLogAsync("broken", "REPORT RequestId: " + tailedId);
        Assert.Contains("INIT_REPORT Init Duration: ", logs);
        Assert.Contains("\tPhase: init\tStatus: error\tError Type: Runtime.InvalidEntrypoint", logs);
    }

    /// <summary>The bootstrap's path as the function sees it: Lambda's /var/task/bootstrap in a mount namespace (the
    /// words AWS uses), the host's path without one.</summary>
    private string SeenBootstrap(GatewayProcess gateway) => gateway.InMountNamespace ? "/var/task/bootstrap" : Bootstrap;

    private static async Task<(string RequestId, JsonElement Error)> InvokeAsync(GatewayProcess gateway)
    {
        using var response = await gateway.InvokeAsync("broken", "{}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        return (response.Headers.GetValues("x-amzn-RequestId").Single(), await GatewayProcess.ReadJsonAsync(response));
    }

    public void Dispose() => Directory.Delete(_code, recursive: true);
}
