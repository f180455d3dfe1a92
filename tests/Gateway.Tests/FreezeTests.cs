using System.Globalization;

namespace Gateway.Tests;

/// <summary>
/// AWS freezes an idle environment: "Background processes or callbacks that were initiated by your Lambda function that
/// did not complete when the function ended resume if Lambda reuses the execution environment" (lambda-runtime-environment).
/// Here the environment's processes are stopped 20 ms after it went idle (<c>--freeze-idle-ms</c>) and continued for its
/// next invocation or its shutdown. Each test leaves a background job that records when it ran, half a second after
/// the invocation that started it, and invokes again after an idle spell longer than that. A shutdown of a frozen
/// environment (the runtime's SIGTERM, the extensions' SHUTDOWN): <see cref="GracefulShutdownFrozenTests"/>.
/// </summary>
public class FreezeTests
{
    private const int IdleMs = 3000;

    /// <summary>Starts the background job (it writes the time it ran to /tmp/ran) and prints the runtime's pid and the
    /// time, in ms since the epoch.</summary>
    private const string StartBackgroundJob = "rm -f /tmp/ran; (sleep 0.5; date +%s%3N > /tmp/ran) > /dev/null 2>&1 & echo $RUNTIME_PID; date +%s%3N";

    /// <summary>Waits (up to 5 s) for the background job's file and prints it.</summary>
    private const string ReadBackgroundJob = "for i in $(seq 50); do [ -s /tmp/ran ] && break; sleep 0.1; done; cat /tmp/ran";

    [Fact]
    public async Task A_background_job_left_by_an_invocation_does_not_run_while_the_environment_is_idle()
    {
        await using var gateway = await GatewayProcess.StartAsync([]);
        await ShellFunction.CreateAsync(gateway, "freezer");
        var first = Lines(await ShellFunction.RunAsync(gateway, "freezer", StartBackgroundJob));
        int runtimePid = int.Parse(first[0], CultureInfo.InvariantCulture);
        long started = long.Parse(first[1], CultureInfo.InvariantCulture);

        await Task.Delay(IdleMs);
        // Stopped, with what it started (the job's sleep is in its process group).
        Assert.Equal('T', Processes.State(runtimePid));

        long ran = long.Parse((await ShellFunction.RunAsync(gateway, "freezer", ReadBackgroundJob)).Trim(), CultureInfo.InvariantCulture);
        // It ran only once the next invocation continued the environment: not 0.5 s after it began, but after the idle spell.
        Assert.True(ran - started >= IdleMs - 500, $"the background job ran {ran - started} ms after the invocation that left it, during the {IdleMs} ms idle spell");
        Assert.NotEqual('T', Processes.State(runtimePid)); // the same runtime, continued
    }

    [Fact]
    public async Task With_freeze_idle_ms_minus_1_the_job_runs_while_idle()
    {
        await using var gateway = await GatewayProcess.StartAsync([], "--freeze-idle-ms", "-1");
        await ShellFunction.CreateAsync(gateway, "unfrozen");
        var first = Lines(await ShellFunction.RunAsync(gateway, "unfrozen", StartBackgroundJob));
        long started = long.Parse(first[1], CultureInfo.InvariantCulture);

        await Task.Delay(IdleMs);
        Assert.NotEqual('T', Processes.State(int.Parse(first[0], CultureInfo.InvariantCulture)));

        long ran = long.Parse((await ShellFunction.RunAsync(gateway, "unfrozen", ReadBackgroundJob)).Trim(), CultureInfo.InvariantCulture);
        Assert.True(ran - started < IdleMs - 500, $"the background job ran {ran - started} ms after the invocation that left it");
    }

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
