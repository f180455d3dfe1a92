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

    /// <summary>
    /// The usual ways a custom runtime's bootstrap is built wrong, each answered as Lambda's Go init (fork/exec)
    /// answers it (aws/aws-lambda-go#554, aws-samples/aws-lambda-layer-kubectl#39): a script with no <c>#!</c> line
    /// (bwrap's execvp would have run it through /bin/sh), an ELF for another CPU, a <c>#!</c> line saved with Windows
    /// line endings (its interpreter is "/bin/sh\r"), an ELF whose loader is missing, and a symlink to nothing.
    /// </summary>
    [Theory]
    [InlineData("no-shebang", "exec format error")]
    [InlineData("other-cpu", "exec format error")]
    [InlineData("crlf", "no such file or directory")]
    [InlineData("missing-loader", "no such file or directory")]
    [InlineData("dangling-link", null)]
    public async Task A_bootstrap_exec_cannot_start_is_answered_as_Lambda_fork_exec(string kind, string? error)
    {
        const UnixFileMode Executable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        switch (kind)
        {
            case "no-shebang": // a working Runtime API loop, but nothing says what runs it
                await File.WriteAllTextAsync(Bootstrap, "while true; do sleep 1; done\n");
                break;
            case "crlf":
                await File.WriteAllTextAsync(Bootstrap, "#!/bin/sh\r\nexit 0\r\n");
                break;
            case "other-cpu" or "missing-loader":
                var elf = await File.ReadAllBytesAsync("/bin/true");
                if (kind == "other-cpu")
                {
                    elf[18] = (byte)(elf[18] == 62 ? 183 : 62); // e_machine: aarch64 on x86_64, x86_64 on aarch64
                }
                else
                {
                    // The program interpreter's name (/lib64/ld-linux-x86-64.so.2 …) pointed at a loader that is not there.
                    var loader = Encoding.ASCII.GetBytes("/lib64/ld-linux-");
                    int at = elf.AsSpan().IndexOf(loader);
                    if (at < 0)
                    {
                        loader = Encoding.ASCII.GetBytes("/lib/ld-linux-");
                        at = elf.AsSpan().IndexOf(loader);
                    }
                    Assert.True(at > 0, "no loader name in /bin/true");
                    elf[at + 1] = (byte)'X';
                }
                await File.WriteAllBytesAsync(Bootstrap, elf);
                break;
            case "dangling-link":
                File.CreateSymbolicLink(Bootstrap, "bin/missing");
                break;
        }
        if (kind != "dangling-link")
        {
            File.SetUnixFileMode(Bootstrap, Executable);
        }
        await using var gateway = await GatewayProcess.StartAsync([new TestFunction("broken", _code, "handler") { Provisioned = 0 }]);

        var (requestId, body) = await InvokeAsync(gateway);

        Assert.Equal("Runtime.InvalidEntrypoint", body.GetProperty("errorType").GetString());
        var message = body.GetProperty("errorMessage").GetString()!;
        if (error is not null)
        {
            Assert.Equal($"RequestId: {requestId} Error: fork/exec {SeenBootstrap(gateway)}: {error}", message);
        }
        else
        {
            Assert.StartsWith($"RequestId: {requestId} Error: Couldn't find valid bootstrap(s): [{SeenBootstrap(gateway)} ", message);
        }
        Assert.DoesNotContain("IO_", message, StringComparison.Ordinal);
    }

    /// <summary>A bootstrap that is a symlink to the runtime's real script starts: the check follows links, folder links
    /// on the way too, where the function would (an absolute /var/task link does not exist on the host).</summary>
    [Fact]
    public async Task A_bootstrap_linked_to_an_executable_in_the_code_starts()
    {
        // AWS's tutorial runtime (src/Functions/bash-echo) in realbin/, reached through bin (a folder link); in the
        // namespace the bootstrap is an absolute link to /var/task/bin/runtime, a path the host does not have.
        Directory.CreateDirectory(Path.Combine(_code, "realbin"));
        Directory.CreateSymbolicLink(Path.Combine(_code, "bin"), "realbin");
        File.Copy(Path.Combine(TestPaths.BashEchoDirectory, "bootstrap"), Path.Combine(_code, "realbin", "runtime"));
        File.Copy(Path.Combine(TestPaths.BashEchoDirectory, "function.sh"), Path.Combine(_code, "function.sh"));
        File.CreateSymbolicLink(Bootstrap, "bin/runtime");
        await using var gateway = await GatewayProcess.StartAsync([new TestFunction("linked", _code, "function.handler") { Provisioned = 0 }]);
        if (gateway.InMountNamespace)
        {
            File.Delete(Bootstrap); // (after the start's own check, which looks on the host)
            File.CreateSymbolicLink(Bootstrap, "/var/task/bin/runtime");
        }

        using var response = await gateway.InvokeAsync("linked", """{"linked":true}""");

        Assert.False(response.Headers.Contains("X-Amz-Function-Error"), await response.Content.ReadAsStringAsync());
        Assert.Contains("linked", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>The bootstrap's path as the function sees it: Lambda's /var/task/bootstrap in a mount namespace (the
    /// words AWS uses), the host's path without one.</summary>
    private string SeenBootstrap(GatewayProcess gateway) => gateway.InMountNamespace ? "/var/task/bootstrap" : Bootstrap;

    /// <summary>A bootstrap that starts and then exits during init: the waiting invocation's log has AWS's error lines
    /// under its START ("RequestId: … Error: Runtime exited with error: exit status 1" and "Runtime.ExitError", as
    /// recorded CloudWatch output shows them), not only the INIT_REPORT.</summary>
    [Fact]
    public async Task A_bootstrap_that_exits_during_init_logs_the_error_under_the_invocations_START()
    {
        await File.WriteAllTextAsync(Bootstrap, "#!/bin/sh\necho 'init says hello' >&2\nexit 1\n");
        File.SetUnixFileMode(Bootstrap, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await using var gateway = await GatewayProcess.StartAsync([new TestFunction("broken", _code, "handler") { Provisioned = 0 }]);

        var (requestId, error) = await InvokeAsync(gateway);

        Assert.Equal("Runtime.ExitError", error.GetProperty("errorType").GetString());
        Assert.Equal($"RequestId: {requestId} Error: Runtime exited with error: exit status 1", error.GetProperty("errorMessage").GetString());
        var lines = (await gateway.WaitForLogAsync("broken", "REPORT RequestId: " + requestId)).Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        int start = lines.FindIndex(l => l == $"START RequestId: {requestId} Version: $LATEST");
        int end = lines.FindIndex(l => l == $"END RequestId: {requestId}");
        Assert.True(start >= 0 && end > start, string.Join('\n', lines));
        var between = lines[(start + 1)..end];
        Assert.Equal([$"RequestId: {requestId} Error: Runtime exited with error: exit status 1", "Runtime.ExitError"], between);
        Assert.Contains(lines, l => l.StartsWith("INIT_REPORT Init Duration: ", StringComparison.Ordinal) && l.EndsWith("\tStatus: error\tError Type: Runtime.ExitError", StringComparison.Ordinal));
    }

    private static async Task<(string RequestId, JsonElement Error)> InvokeAsync(GatewayProcess gateway)
    {
        using var response = await gateway.InvokeAsync("broken", "{}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        return (response.Headers.GetValues("x-amzn-RequestId").Single(), await GatewayProcess.ReadJsonAsync(response));
    }

    public void Dispose() => Directory.Delete(_code, recursive: true);
}
