namespace Gateway.Tests;

/// <summary>
/// The Runtime API served from the gateway's own epoll loop (<c>--runtime-api-epoll true</c>, RuntimeApi/RuntimeEventLoop.cs):
/// every hand-driven Runtime API test of <see cref="RuntimeApiTests"/> again, over the loop's Unix and TCP sockets.
/// </summary>
public sealed class RuntimeApiEventLoopTests : RuntimeApiTests
{
    protected override string[] GatewayArgs => ["--runtime-api-epoll", "true"];
}

/// <summary>Stock runtimes and large payloads on the epoll loop: the bash + curl bootstrap (TCP, AWS_LAMBDA_RUNTIME_API)
/// and the C# sample's echo of a 5 MB event (sends larger than a socket's buffer, both ways). Real gateway, real workers.</summary>
public sealed class RuntimeApiEventLoopStockRuntimeTests
{
    [Fact]
    public async Task The_bash_and_curl_runtime_runs_on_the_loop()
    {
        var root = Directory.CreateTempSubdirectory("gateway-epoll-").FullName;
        File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        await File.WriteAllTextAsync(Path.Combine(root, "functions.json"), """{"Functions":[]}""");
        await using var gateway = GatewayProcess.Launch(root, GatewayProcess.FreePort(), "--runtime-api-epoll", "true");
        await gateway.WaitUntilWarmAsync();
        await ShellFunction.CreateAsync(gateway, "shell");

        Assert.Equal("hello", (await ShellFunction.RunAsync(gateway, "shell", "echo hello")).Trim());
        Assert.Equal("again", (await ShellFunction.RunAsync(gateway, "shell", "echo again")).Trim());
    }

    [Fact]
    public async Task A_5_MB_event_is_echoed_whole_through_the_loop()
    {
        await using var gateway = await GatewayProcess.StartAsync([TestFunction.Sample("echo") with { Timeout = 30 }], "--runtime-api-epoll", "true");
        var payload = "\"" + new string('x', 5 * 1024 * 1024) + "\"";

        for (int i = 0; i < 3; i++)
        {
            using var response = await gateway.InvokeAsync("echo", payload);
            Assert.Equal(200, (int)response.StatusCode);
            Assert.Equal(payload, await response.Content.ReadAsStringAsync());
        }
    }
}
