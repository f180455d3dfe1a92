namespace Gateway.Tests;

/// <summary>
/// <c>--scheduler-slice-us</c> and <c>--worker-slice-us</c> (issue 15, wave 7): the scheduler slice (EEVDF, Linux 6.12+)
/// the gateway's threads and its workers ask the kernel for. Read back from the kernel's own view of each thread
/// (<c>/proc/PID/task/TID/sched</c>, <c>se.slice</c> in ns): the gateway's socket event thread (which carries every
/// invocation), and a worker's shell, which inherits the worker's slice. Real gateway, real worker.
/// </summary>
public sealed class SchedulerSliceTests
{
    [Fact]
    public async Task The_gateway_threads_and_the_workers_run_with_the_configured_slices()
    {
        var root = Directory.CreateTempSubdirectory("gateway-slice-").FullName;
        File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        await File.WriteAllTextAsync(Path.Combine(root, "functions.json"), """{"Functions":[]}""");
        await using var gateway = GatewayProcess.Launch(root, GatewayProcess.FreePort(), ["--scheduler-slice-us", "150", "--worker-slice-us", "250"]);
        await gateway.WaitUntilWarmAsync();
        await ShellFunction.CreateAsync(gateway, "slices");
        if (!KernelReportsSlices())
        {
            // An older kernel keeps its own slices: the options must then cost nothing but the request.
            Assert.Equal("ok", (await ShellFunction.RunAsync(gateway, "slices", "echo ok")).Trim());
            return;
        }

        // The worker's shell (and so the worker that started it) asks for 250 µs.
        Assert.Equal("250000", (await ShellFunction.RunAsync(gateway, "slices", "sed -n 's/^se.slice *: *//p' /proc/self/sched")).Trim());
        // The socket event thread (started after the slice was set, so by inheritance) and the main thread ask for 150 µs.
        var threads = Directory.GetDirectories($"/proc/{gateway.Pid}/task")
            .Select(task => (Name: File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n'), Slice: SliceOf(Path.Combine(task, "sched"))))
            .ToList();
        Assert.Contains(threads, t => t.Name == ".NET Sockets");
        Assert.All(threads.Where(t => t.Name == ".NET Sockets"), t => Assert.Equal(150_000, t.Slice));
        Assert.Equal(150_000, SliceOf($"/proc/{gateway.Pid}/sched"));
    }

    [Fact]
    public async Task Without_the_options_the_workers_keep_the_kernel_slice()
    {
        if (!KernelReportsSlices())
        {
            return; // nothing to compare: the first test covers serving on such a kernel
        }
        long kernelDefault = SliceOf("/proc/self/sched"); // this test process never asked for one
        var root = Directory.CreateTempSubdirectory("gateway-slice-").FullName;
        File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        await File.WriteAllTextAsync(Path.Combine(root, "functions.json"), """{"Functions":[]}""");
        await using var gateway = GatewayProcess.Launch(root, GatewayProcess.FreePort());
        await gateway.WaitUntilWarmAsync();
        await ShellFunction.CreateAsync(gateway, "slices");

        Assert.Equal(kernelDefault.ToString(), (await ShellFunction.RunAsync(gateway, "slices", "sed -n 's/^se.slice *: *//p' /proc/self/sched")).Trim());
        Assert.Equal(kernelDefault, SliceOf($"/proc/{gateway.Pid}/sched"));
    }

    [Theory]
    [InlineData("--scheduler-slice-us", "50", "Gateway:SchedulerSliceMicroseconds must be 0 (the kernel's slice) or 100-100000, not 50.")]
    [InlineData("--worker-slice-us", "200000", "Gateway:WorkerSliceMicroseconds must be 0 (the kernel's slice) or 100-100000, not 200000.")]
    public async Task A_slice_outside_the_kernels_range_is_refused_at_start(string option, string value, string message)
    {
        var root = Directory.CreateTempSubdirectory("gateway-slice-").FullName;
        await File.WriteAllTextAsync(Path.Combine(root, "functions.json"), """{"Functions":[]}""");
        var gateway = GatewayProcess.Launch(root, GatewayProcess.FreePort(), [option, value]);
        await using var _ = gateway;
        await gateway.WaitForExitAsync();
        Assert.NotEqual(0, gateway.ExitCode);
        Assert.Contains(message, gateway.Output);
    }

    private static bool KernelReportsSlices()
        => Environment.OSVersion.Version >= new Version(6, 12) && File.Exists("/proc/self/sched")
           && File.ReadLines("/proc/self/sched").Any(line => line.StartsWith("se.slice", StringComparison.Ordinal));

    private static long SliceOf(string schedFile)
        => long.Parse(File.ReadLines(schedFile).First(line => line.StartsWith("se.slice", StringComparison.Ordinal)).Split(':')[1].Trim());
}
