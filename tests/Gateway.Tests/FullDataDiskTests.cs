using System.Text.Json;

namespace Gateway.Tests;

/// <summary>
/// The data folder's disk full (a small tmpfs as the gateway's folder): the gateway stays up, every other function goes
/// on, and what cannot be stored is refused in Lambda's shape rather than answered as a success.
/// </summary>
public sealed class FullDataDiskTests
{
    [Fact]
    public async Task Logging_onto_a_full_disk_does_not_take_the_gateway_down_and_a_zip_that_cannot_be_stored_is_a_ServiceException()
    {
        var root = Directory.CreateTempSubdirectory("gateway-fulldisk-").FullName;
        if (!Tmpfs.TryMount(root, "32m"))
        {
            Console.WriteLine("SKIPPED: cannot mount a tmpfs here (needs root)");
            return;
        }
        try
        {
            await File.WriteAllTextAsync(Path.Combine(root, "functions.json"), """{"Functions":[]}""");
            await using var gateway = GatewayProcess.Launch(root, GatewayProcess.FreePort());
            await gateway.WaitUntilWarmAsync();
            await ShellFunction.CreateAsync(gateway, "logger");
            await ShellFunction.CreateAsync(gateway, "other");
            Assert.Equal("warm\n", await ShellFunction.RunAsync(gateway, "logger", "echo warm"));
            Assert.Equal("warm\n", await ShellFunction.RunAsync(gateway, "other", "echo warm"));

            Tmpfs.Fill(Path.Combine(root, "filler"));

            // fd 3 is the bootstrap's stdout: the log. A log flush that failed used to escape the flusher's timer and end
            // the process; one function's logging took every function down.
            var line = new string('x', 200);
            Assert.Equal("logged\n", await ShellFunction.RunAsync(gateway, "logger", $"for i in $(seq 1 2000); do echo \"line $i {line}\" >&3; done; echo logged"));
            await gateway.WaitForOutputAsync("logger: its log file cannot be written");
            await Task.Delay(600); // three of the flusher's 200 ms rounds (not a timing assertion: they must not end it)
            Assert.False(gateway.HasExited, gateway.Output);
            Assert.Equal("alive\n", await ShellFunction.RunAsync(gateway, "other", "echo alive"));

            // A zip that cannot be spooled: the service's failure, not an empty 200 every SDK reads as success.
            var create = new System.Text.Json.Nodes.JsonObject
            {
                ["FunctionName"] = "not-stored",
                ["Runtime"] = "provided.al2023",
                ["Role"] = ManagementApi.Role,
                ["Handler"] = "shell",
                ["Code"] = new System.Text.Json.Nodes.JsonObject { ["ZipFile"] = Convert.ToBase64String(ShellFunction.Zip()) },
            };
            using var refused = await gateway.Client.PostAsync("/2015-03-31/functions",
                new StringContent(create.ToJsonString(), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.InternalServerError, refused.StatusCode);
            Assert.Equal("ServiceException", refused.Headers.GetValues("x-amzn-ErrorType").Single());
            var body = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("The code could not be stored: the gateway's disk is full.", body.GetProperty("Message").GetString());

            // Room again: the log file is written again, and the function is created.
            File.Delete(Path.Combine(root, "filler"));
            Assert.Equal("again\n", await ShellFunction.RunAsync(gateway, "logger", "echo again >&3; echo again"));
            await gateway.WaitForOutputAsync("logger: its log file is written again");
            await ShellFunction.CreateAsync(gateway, "not-stored");

            // The file holds whole lines only: a write that failed left no line's head to be glued onto the next one.
            var lines = Directory.GetFiles(Path.Combine(gateway.DataDirectory, "logs", "logger"), "*.log").SelectMany(File.ReadAllLines).ToArray();
            Assert.Contains("again", lines);
            Assert.All(lines.Where(l => l.Contains("line ", StringComparison.Ordinal)), l => Assert.Matches($"^line \\d+ {line}$", l));
        }
        finally
        {
            Tmpfs.Unmount(root);
        }
    }

    [Fact]
    public async Task An_events_outcome_the_full_disk_refused_is_recorded_once_there_is_room_without_waiting_for_a_restart()
    {
        var root = Directory.CreateTempSubdirectory("gateway-fulldisk-event-").FullName;
        if (!Tmpfs.TryMount(root, "32m"))
        {
            Console.WriteLine("SKIPPED: cannot mount a tmpfs here (needs root)");
            return;
        }
        try
        {
            await File.WriteAllTextAsync(Path.Combine(root, "functions.json"), """{"Functions":[]}""");
            var gateway = GatewayProcess.Launch(root, GatewayProcess.FreePort());
            await using (gateway)
            {
                await gateway.WaitUntilWarmAsync();
                await ShellFunction.CreateAsync(gateway, "slow");
                Assert.Equal("warm\n", await ShellFunction.RunAsync(gateway, "slow", "echo warm"));

                // Accepted (stored) while there is room; it is still running when the disk fills, so its outcome cannot be written.
                var command = Convert.ToBase64String(Encoding.UTF8.GetBytes("echo started >&3; sleep 3; echo done"));
                using var accepted = await gateway.InvokeAsync("slow", "\"" + command + "\"", invocationType: "Event");
                Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
                string requestId = accepted.Headers.GetValues("x-amzn-RequestId").Single();
                await gateway.WaitForLogAsync("slow", "started");
                Tmpfs.Fill(Path.Combine(root, "filler"));
                await gateway.WaitForOutputAsync($"Event {requestId}: ");

                // Room again: the outcome is written without a restart (it was left in flight until the next start, when
                // the event ran a second time).
                File.Delete(Path.Combine(root, "filler"));
                await gateway.WaitForOutputAsync($"Event {requestId}: its outcome is recorded now");
                Assert.Equal(0, await gateway.StopAsync());
            }

            await using var restarted = await GatewayProcess.RestartAsync(gateway);
            Assert.DoesNotContain("waiting from an earlier run", restarted.Output);
        }
        finally
        {
            Tmpfs.Unmount(root);
        }
    }
}
