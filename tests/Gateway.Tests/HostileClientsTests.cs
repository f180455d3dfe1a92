namespace Gateway.Tests;

/// <summary>
/// The smoke form of loadtests/hostile.sh: slow connections (trickled heads and bodies), header floods and a large
/// upload at once, while a legitimate caller invokes. Asserts only that the gateway still answers and stays under its
/// memory ceiling — no timing assertions (the numbers are in docs/loadtests.md).
/// </summary>
public sealed class HostileClientsTests
{
    [Fact]
    public async Task Slow_connections_floods_and_uploads_leave_the_gateway_serving_within_its_memory()
    {
        await using var gateway = await GatewayProcess.StartAsync([TestFunction.Sample("echo") with { Provisioned = 1 }]);
        using (var warm = await gateway.InvokeAsync("echo", "{}"))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }
        long idleKb = Processes.RssKb(gateway.Pid);

        var hostile = Processes.RunAsync("python3",
            [Path.Combine(TestPaths.RepoRoot, "loadtests", "hostile_clients.py"), "--port", gateway.BaseAddress.Port.ToString(),
             "--duration", "6", "--slow-headers", "50", "--slow-bodies", "50", "--header-floods", "2", "--uploads", "2", "--upload-mb", "20",
             "--trickle-s", "0.5"], timeoutMs: 60_000);

        long peakKb = idleKb;
        int answered = 0;
        while (!hostile.IsCompleted)
        {
            using var response = await gateway.InvokeAsync("echo", $$"""{"n":{{answered}}}""").WithTimeout(30_000);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal($$"""{"n":{{answered}}}""", await response.Content.ReadAsStringAsync());
            answered++;
            peakKb = Math.Max(peakKb, Processes.RssKb(gateway.Pid));
            await Task.Delay(100);
        }
        var (exit, stdout, stderr) = await hostile;
        Assert.True(exit == 0, stderr);
        Assert.Contains("HOSTILE ", stdout);
        Assert.Contains("flood_431=", stdout); // the 5,000-header requests were refused at the 101st header
        Assert.True(answered > 0);

        // The ceiling: what the request-body budget may hold (32 MB) plus connection state; far below what the
        // hostile clients offered (100 connections, 2 x 20 MB uploads in a loop, 5,000-header heads).
        long growthKb = peakKb - idleKb;
        Assert.True(growthKb < 96 * 1024, $"gateway RSS grew by {growthKb} kB under hostile clients ({stdout})");
        Assert.False(gateway.HasExited);
    }
}
