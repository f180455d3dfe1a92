namespace Gateway.Tests;

/// <summary>
/// Workers start under SCHED_BATCH by default (--worker-batch-scheduling, issue 15: a woken worker does not preempt the
/// gateway thread that woke it), and under the default policy with <c>--worker-batch-scheduling=false</c>. The function
/// is the bash + curl shell runtime, asked for the policy of a process it starts (/proc/self/stat field 41: 0 SCHED_OTHER,
/// 3 SCHED_BATCH), so the answer covers the bootstrap's own children too. Real gateway, real workers.
/// </summary>
public sealed class WorkerSchedulingTests
{
    [Theory]
    [InlineData(null, "3")]
    [InlineData("--worker-batch-scheduling=false", "0")]
    public async Task A_worker_and_what_it_starts_run_under_the_configured_policy(string? flag, string expectedPolicy)
    {
        var root = Directory.CreateTempSubdirectory("gateway-sched-").FullName;
        File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        await File.WriteAllTextAsync(Path.Combine(root, "functions.json"), """{"Functions":[]}""");
        await using var gateway = GatewayProcess.Launch(root, GatewayProcess.FreePort(), flag is null ? [] : [flag]);
        await gateway.WaitUntilWarmAsync();
        await ShellFunction.CreateAsync(gateway, "policy");

        var output = await ShellFunction.RunAsync(gateway, "policy", "cut -d' ' -f41 /proc/self/stat");

        Assert.Equal(expectedPolicy, output.Trim());
    }
}
