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
}
