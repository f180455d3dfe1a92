namespace Gateway.Tests;

/// <summary>
/// <c>--socket-threads</c> (issue 15, wave 6): the socket engine's event threads, which carry every invocation with inline
/// scheduling. The default is one on a machine of at most 2 processors and .NET's own count elsewhere; a number sets it.
/// Counted from the gateway's own threads (/proc/PID/task/*/comm: ".NET Sockets") after it has served an invocation
/// (the engine starts its threads with the first socket). Real gateway, real worker.
/// </summary>
public sealed class SocketThreadsTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("2")]
    [InlineData("1")]
    public async Task The_gateway_runs_the_configured_number_of_socket_event_threads(string? count)
    {
        var root = Directory.CreateTempSubdirectory("gateway-sockthreads-").FullName;
        File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        await File.WriteAllTextAsync(Path.Combine(root, "functions.json"), """{"Functions":[]}""");
        await using var gateway = GatewayProcess.Launch(root, GatewayProcess.FreePort(), count is null ? [] : ["--socket-threads", count]);
        await gateway.WaitUntilWarmAsync();
        await ShellFunction.CreateAsync(gateway, "threads");
        Assert.Equal("ok", (await ShellFunction.RunAsync(gateway, "threads", "echo ok")).Trim());

        int expected = count is not null ? int.Parse(count) : Environment.ProcessorCount <= 2 ? 1 : -1;
        int actual = Directory.GetDirectories($"/proc/{gateway.Pid}/task")
            .Count(task => File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') == ".NET Sockets");
        if (expected > 0)
        {
            Assert.Equal(expected, actual);
        }
        else
        {
            Assert.True(actual >= 1, $"no socket event thread found ({actual})"); // .NET's own count on a larger machine
        }
    }
}
