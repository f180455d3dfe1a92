namespace Gateway.Tests;

/// <summary>
/// One gateway per data folder (Hosting/DataFolderLock.cs): a second gateway started on a folder in use is refused
/// before it touches anything there, so the first keeps its workers (the second's start-up clean-up of a killed run's
/// leftovers would otherwise have killed them) and goes on serving; the same for an event store outside the data folder
/// (Hosting/EventStoreLock.cs). Real gateways, real workers.
/// </summary>
public sealed class DataFolderLockTests
{
    [Fact]
    public async Task A_second_gateway_on_a_folder_in_use_is_refused_and_the_first_keeps_its_workers()
    {
        var root = Directory.CreateTempSubdirectory("gateway-lock-").FullName;
        File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        await File.WriteAllTextAsync(Path.Combine(root, "functions.json"), """{"Functions":[]}""");
        await using var first = GatewayProcess.Launch(root, GatewayProcess.FreePort());
        await first.WaitUntilWarmAsync();
        await ShellFunction.CreateAsync(first, "kept");
        var pidBefore = (await ShellFunction.RunAsync(first, "kept", "echo $RUNTIME_PID")).Trim();

        await using var second = GatewayProcess.Launch(root, GatewayProcess.FreePort());
        await second.WaitForExitAsync(timeoutMs: 60_000); // it waits (10 s) for the holder to exit, then gives up

        Assert.Equal(1, second.ExitCode);
        // The holder is named, so it can be found (its pid is written into the lock file).
        Assert.Contains($"is in use by another gateway (pid {first.Pid} holds {Path.Combine(first.DataDirectory, "gateway.lock")})", second.Output);
        Assert.DoesNotContain("killed", second.Output); // it never reached the leftover clean-up
        Assert.False(first.HasExited);
        // The same worker process answers: nothing killed it.
        Assert.Equal(pidBefore, (await ShellFunction.RunAsync(first, "kept", "echo $RUNTIME_PID")).Trim());
    }

    [Fact]
    public async Task A_second_gateway_on_an_event_store_in_use_outside_both_data_folders_is_refused()
    {
        // --event-store-path outside the data folder: two gateways with their own --data shared one store, and the
        // second's start-up recovery handed the first's in-flight events back out. The store has its own lock now.
        var shared = Directory.CreateTempSubdirectory("gateway-store-").FullName;
        var store = Path.Combine(shared, "events.db");
        try
        {
            var firstRoot = Directory.CreateTempSubdirectory("gateway-lock-").FullName;
            await File.WriteAllTextAsync(Path.Combine(firstRoot, "functions.json"), """{"Functions":[]}""");
            await using var first = GatewayProcess.Launch(firstRoot, GatewayProcess.FreePort(), "--event-store-path", store);
            await first.WaitUntilWarmAsync();

            var secondRoot = Directory.CreateTempSubdirectory("gateway-lock-").FullName;
            await File.WriteAllTextAsync(Path.Combine(secondRoot, "functions.json"), """{"Functions":[]}""");
            await using var second = GatewayProcess.Launch(secondRoot, GatewayProcess.FreePort(), "--event-store-path", store);
            try
            {
                await second.WaitForExitAsync(timeoutMs: 60_000); // it waits (10 s) for the holder to exit, then gives up
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"the second gateway started on the first's event store:\n{second.Output}");
            }

            Assert.Equal(1, second.ExitCode);
            Assert.Contains($"[gateway] the event store {store} is in use by another gateway (pid {first.Pid} holds {store}.lock); give each gateway its own --event-store-path", second.Output);
            Assert.DoesNotContain("recovered", second.Output); // it never opened the store
            Assert.False(first.HasExited);
            await first.StatusAsync(); // still serving
        }
        finally
        {
            Directory.Delete(shared, recursive: true);
        }
    }

    [Fact]
    public async Task A_killed_gateways_folder_is_usable_at_once_by_the_next_start()
    {
        var root = Directory.CreateTempSubdirectory("gateway-lock-").FullName;
        File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        await File.WriteAllTextAsync(Path.Combine(root, "functions.json"), """{"Functions":[]}""");
        var first = GatewayProcess.Launch(root, GatewayProcess.FreePort());
        await first.WaitUntilWarmAsync();

        first.Kill(); // no clean exit: the kernel releases the lock when the process is gone
        await using var restarted = await GatewayProcess.RestartAsync(first);

        await ShellFunction.CreateAsync(restarted, "after");
        Assert.Equal("ok\n", await ShellFunction.RunAsync(restarted, "after", "echo ok"));
        await first.DisposeAsync();
    }
}
