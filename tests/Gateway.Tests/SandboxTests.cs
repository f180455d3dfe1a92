using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>
/// Lambda's filesystem per execution environment, through a mount namespace (bubblewrap): code read-only at /var/task,
/// layers at /opt, the runtime at /var/runtime, a private /tmp of EphemeralStorage MB that lasts as long as the
/// environment (and across a reset: <see cref="TmpAcrossResetTests"/>), and nothing of the gateway's data folder. Asked of a real bash function in a real namespace.
/// </summary>
public sealed class SandboxTests : IAsyncLifetime
{
    private GatewayProcess _gateway = null!;

    // bwrap, not auto: these tests must fail, not fall back, where the namespace cannot be made.
    public async Task InitializeAsync() => _gateway = await GatewayProcess.StartAsync([], "--sandbox", "bwrap");

    public Task DisposeAsync() => _gateway.DisposeAsync().AsTask();

    [Fact]
    public async Task The_start_line_says_a_mount_namespace_is_in_use()
    {
        await _gateway.WaitForOutputAsync("[gateway] filesystem: a mount namespace per environment (bubblewrap");
    }

    [Fact]
    public async Task The_function_runs_in_var_task_and_reads_back_on_a_warm_invoke_what_it_wrote_to_tmp()
    {
        await ShellFunction.CreateAsync(_gateway, "keeper");

        var first = Lines(await ShellFunction.RunAsync(_gateway, "keeper",
            "pwd; echo \"$LAMBDA_TASK_ROOT $LAMBDA_RUNTIME_DIR $TMPDIR $GATEWAY_OPT_DIR\"; ls /var/task; echo remembered > /tmp/note; echo $GATEWAY_ENVIRONMENT_ID"));
        var second = Lines(await ShellFunction.RunAsync(_gateway, "keeper", "cat /tmp/note; echo $GATEWAY_ENVIRONMENT_ID"));

        Assert.Equal(["/var/task", "/var/task /var/runtime /tmp /opt", "bootstrap"], first[..3]);
        Assert.Equal(first[3], second[1]); // the same (warm) environment
        Assert.Equal("remembered", second[0]);
    }

    [Fact]
    public async Task Bin_sh_is_bash_as_on_Amazon_Linux_so_a_sh_bootstrap_may_set_pipefail()
    {
        // AWS's custom-runtime tutorial starts its bootstrap with #!/bin/sh and `set -euo pipefail`: dash (Debian's
        // /bin/sh) refuses the option, bash (Amazon Linux's /bin/sh) takes it.
        await ShellFunction.CreateAsync(_gateway, "shell-is-bash");

        var output = await ShellFunction.RunAsync(_gateway, "shell-is-bash",
            "/bin/sh -c 'set -euo pipefail && echo \"pipefail ok ${BASH_VERSION%%.*}\"'; sh -c 'echo sh ${BASH_VERSION:+is bash}'");

        Assert.Contains("pipefail ok 5", output);
        Assert.Contains("sh is bash", output);
    }

    [Fact]
    public async Task Dev_has_the_usual_devices_and_ptys_but_no_usable_shm_so_POSIX_semaphores_fail_as_on_AWS()
    {
        // Lambda has no /dev/shm: Python's multiprocessing.Pool/Queue/Lock fail there (AWS Compute Blog, "Parallel
        // Processing in Python with AWS Lambda"). bwrap's --dev made a writable one, where they worked.
        await ShellFunction.CreateAsync(_gateway, "dev-check");

        var output = await ShellFunction.RunAsync(_gateway, "dev-check",
            "touch /dev/shm/sem.x 2>/dev/null && echo made-in-shm || echo cannot-make-in-shm; "
            + "echo x > /dev/null && echo null-ok; head -c 8 /dev/urandom | wc -c; head -c 4 /dev/zero | wc -c; echo to-stdout > /dev/stdout; "
            + "python3 -c 'import os; os.openpty(); print(\"pty-ok\")'; "
            + "python3 -c 'import multiprocessing; multiprocessing.Lock(); print(\"lock-made\")' 2>&1 | tail -1");

        var lines = Lines(output);
        Assert.Contains("cannot-make-in-shm", lines);
        Assert.Contains("null-ok", lines);
        Assert.Contains("8", lines);
        Assert.Contains("4", lines);
        Assert.Contains("to-stdout", lines);
        Assert.Contains("pty-ok", lines); // pexpect, pty.spawn
        Assert.DoesNotContain("lock-made", lines);
        Assert.Contains(lines, l => l.Contains("Error", StringComparison.Ordinal)); // OSError: [Errno 30] …
    }

    [Fact]
    public async Task The_function_has_Lambdas_open_file_and_locked_memory_limits()
    {
        // Recorded on AWS (LocalStack's test_runtime_ulimits): RLIMIT_NOFILE [1024, 1024], RLIMIT_MEMLOCK [65536, 65536];
        // the gateway itself keeps far more open files, which a worker must not inherit.
        await ShellFunction.CreateAsync(_gateway, "limits");

        var output = await ShellFunction.RunAsync(_gateway, "limits", "echo \"$(ulimit -Sn) $(ulimit -Hn) $(ulimit -Sl) $(ulimit -Hl)\"");

        Assert.Contains("1024 1024 64 64", output);
    }

    [Fact]
    public async Task Writes_to_the_code_the_layers_the_runtime_and_the_root_fail_with_EROFS()
    {
        await ShellFunction.CreateAsync(_gateway, "writer");

        var output = await ShellFunction.RunAsync(_gateway, "writer",
            "touch /var/task/new; echo \"x\" >> /var/task/bootstrap; touch /opt/new; touch /var/runtime/new; mkdir /new; echo done");

        Assert.Contains("touch: cannot touch '/var/task/new': Read-only file system", output);
        Assert.Contains("/var/task/bootstrap: Read-only file system", output);
        Assert.Contains("touch: cannot touch '/opt/new': Read-only file system", output);
        Assert.Contains("touch: cannot touch '/var/runtime/new': Read-only file system", output);
        Assert.Contains("mkdir: cannot create directory '/new': Read-only file system", output);
        Assert.EndsWith("done\n", output);
    }

    [Fact]
    public async Task Two_concurrent_environments_of_one_function_never_see_each_others_tmp()
    {
        await ShellFunction.CreateAsync(_gateway, "pair");

        // The first writes /tmp/mine, says so in its log, and holds its environment while the second runs in another.
        var first = ShellFunction.RunAsync(_gateway, "pair", "echo first > /tmp/mine; echo wrote-mine >&3; sleep 8; cat /tmp/mine; echo $GATEWAY_ENVIRONMENT_ID");
        await _gateway.WaitForLogAsync("pair", "wrote-mine");
        var second = Lines(await ShellFunction.RunAsync(_gateway, "pair", "cat /tmp/mine 2>&1; echo second > /tmp/mine; cat /tmp/mine; echo $GATEWAY_ENVIRONMENT_ID"));
        var firstLines = Lines(await first.WithTimeout());

        Assert.Equal("cat: /tmp/mine: No such file or directory", second[0]);
        Assert.Equal("second", second[1]);
        Assert.Equal("first", firstLines[0]);
        Assert.NotEqual(firstLines[1], second[2]);
    }

    [Fact]
    public async Task Tmp_is_sized_by_EphemeralStorage_and_a_write_past_it_fails_with_ENOSPC()
    {
        await ShellFunction.CreateAsync(_gateway, "small-tmp");
        await ShellFunction.CreateAsync(_gateway, "big-tmp", ephemeralStorageMb: 1024);

        // 513 MB of zeros into the default 512 MB (removed at once: a tmpfs holds them in memory).
        var small = await ShellFunction.RunAsync(_gateway, "small-tmp",
            "df -k --output=size /tmp | tail -1; dd if=/dev/zero of=/tmp/fill bs=1M count=513 2>&1; rm -f /tmp/fill");
        var big = await ShellFunction.RunAsync(_gateway, "big-tmp", "df -k --output=size /tmp | tail -1");

        Assert.Equal("524288", Lines(small)[0].Trim());
        Assert.Contains("dd: error writing '/tmp/fill': No space left on device", small);
        Assert.Equal("1048576", Lines(big)[0].Trim());
        Assert.Equal(1024, (await _gateway.GetFunctionConfigurationAsync("big-tmp"))["EphemeralStorage"]!["Size"]!.GetValue<int>());
    }

    [Fact]
    public async Task UpdateFunctionConfiguration_resizes_tmp_for_new_environments_and_refuses_a_size_outside_512_to_10240()
    {
        await ShellFunction.CreateAsync(_gateway, "resized");
        Assert.Equal("524288", (await ShellFunction.RunAsync(_gateway, "resized", "df -k --output=size /tmp | tail -1")).Trim());

        var updated = await _gateway.SendAsync(HttpMethod.Put, "/2015-03-31/functions/resized/configuration",
            new JsonObject { ["EphemeralStorage"] = new JsonObject { ["Size"] = 2048 } }, HttpStatusCode.OK);
        await _gateway.WaitUntilReadyAsync("resized");

        Assert.Equal(2048, updated["EphemeralStorage"]!["Size"]!.GetValue<int>());
        Assert.Equal("2097152", (await ShellFunction.RunAsync(_gateway, "resized", "df -k --output=size /tmp | tail -1")).Trim());
        var refused = await _gateway.SendAsync(HttpMethod.Put, "/2015-03-31/functions/resized/configuration",
            new JsonObject { ["EphemeralStorage"] = new JsonObject { ["Size"] = 10241 } }, HttpStatusCode.BadRequest);
        Assert.Equal("1 validation error detected: Value '10241' at 'ephemeralStorage.size' failed to satisfy constraint: Member must have value less than or equal to 10240",
            refused["message"]?.GetValue<string>() ?? refused["Message"]?.GetValue<string>());
    }

    [Fact]
    public async Task The_gateways_data_folder_and_the_rest_of_the_host_are_not_visible()
    {
        await ShellFunction.CreateAsync(_gateway, "looker");
        var data = _gateway.DataDirectory;

        var output = await ShellFunction.RunAsync(_gateway, "looker",
            $"ls -A {data}/logs {data}/events.db {TestPaths.RepoRoot} /root /home /work 2>&1 | sort; ls /");

        Assert.True(Directory.Exists(Path.Combine(data, "logs", "looker")), "the host has the function's logs"); // what must stay hidden
        Assert.True(File.Exists(Path.Combine(data, "events.db")));

        Assert.Contains($"ls: cannot access '{data}/logs': No such file or directory", output);
        Assert.Contains($"ls: cannot access '{data}/events.db': No such file or directory", output);
        Assert.Contains($"ls: cannot access '{TestPaths.RepoRoot}': No such file or directory", output);
        Assert.Contains("ls: cannot access '/root': No such file or directory", output);
        var root = Lines(output).Where(line => !line.StartsWith("ls:", StringComparison.Ordinal)).ToArray();
        Assert.Subset(new HashSet<string> { "bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "opt", "proc", "run", "sbin", "tmp", "usr", "var" }, root.ToHashSet());
    }

    [Fact]
    public async Task A_function_that_crashes_in_its_namespace_is_a_signal_as_on_AWS_and_the_next_invoke_gets_a_new_environment()
    {
        await ShellFunction.CreateAsync(_gateway, "crasher");
        await ShellFunction.RunAsync(_gateway, "crasher", "echo warm");

        using var response = await _gateway.InvokeAsync("crasher", "\"" + Convert.ToBase64String(Encoding.UTF8.GetBytes("kill -SEGV $RUNTIME_PID")) + "\"");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();
        Assert.Equal($$"""{"errorType":"Runtime.ExitError","errorMessage":"RequestId: {{requestId}} Error: Runtime exited with error: signal: segmentation fault"}""",
            await response.Content.ReadAsStringAsync());
        Assert.Equal("again\n", await ShellFunction.RunAsync(_gateway, "crasher", "echo again"));
        Assert.False(_gateway.HasExited);
    }

    [Fact]
    public async Task A_crashed_functions_REPORT_has_its_own_memory_not_the_gateways()
    {
        // The exit's ru_maxrss of a process spawned by a vfork-style clone starts at the gateway's own peak (the kernel
        // keeps the old memory's high-water mark across the exec): a 4 MB bash runtime that crashed reported the
        // gateway's 50-70 MB ("Max Memory Used" that looks like a memory problem that does not exist).
        await ShellFunction.CreateAsync(_gateway, "crash-memory");
        await ShellFunction.RunAsync(_gateway, "crash-memory", "echo warm");

        using var response = await _gateway.InvokeAsync("crash-memory", "\"" + Convert.ToBase64String(Encoding.UTF8.GetBytes("kill -KILL $RUNTIME_PID")) + "\"", logType: "Tail");

        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        var tail = Encoding.UTF8.GetString(Convert.FromBase64String(response.Headers.GetValues("X-Amz-Log-Result").Single()));
        var report = tail.Split('\n').Single(l => l.StartsWith("REPORT ", StringComparison.Ordinal));
        int used = int.Parse(System.Text.RegularExpressions.Regex.Match(report, @"Max Memory Used: (\d+) MB").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var status = await File.ReadAllTextAsync($"/proc/{_gateway.Pid}/status");
        long gatewayPeakKb = long.Parse(System.Text.RegularExpressions.Regex.Match(status, @"VmHWM:\s+(\d+) kB").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(gatewayPeakKb > 30 * 1024, $"the gateway's own peak ({gatewayPeakKb} kB) is what a wrong figure would show");
        Assert.True(used < 20, report);
    }

    [Fact]
    public async Task The_functions_processes_die_with_a_gateway_killed_by_SIGKILL_and_a_restart_runs_it_again()
    {
        var gateway = await GatewayProcess.StartAsync([], "--sandbox", "bwrap");
        try
        {
            await ShellFunction.CreateAsync(gateway, "orphan");
            // The runtime and a process it left running, inside the namespace (whose pids are the host's: no pid namespace).
            var pids = Lines(await ShellFunction.RunAsync(gateway, "orphan", "echo $RUNTIME_PID; sleep 300 > /dev/null 2>&1 & echo $!"))
                .Select(int.Parse).ToArray();
            Assert.All(pids, pid => Assert.True(Processes.IsAlive(pid)));

            gateway.Kill();

            // bwrap dies by the spawn shim's parent-death signal, the function by bwrap's --die-with-parent, the rest of
            // its process group with it (the sleep is in the group: nothing in between made a session of its own).
            await Poll.UntilAsync(() => !Processes.IsAlive(pids[0]), "the function's runtime to die with the gateway");
            Assert.True(Processes.IsAlive(pids[1])); // not the function: left for the next start to find
            await using var restarted = await GatewayProcess.RestartAsync(gateway);
            Assert.Equal("again\n", await ShellFunction.RunAsync(restarted, "orphan", "echo again"));
            await Poll.UntilAsync(() => !Processes.IsAlive(pids[1]), "what the function left running to be gone after the restart's clean-up");
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>Without a namespace (<c>--sandbox none</c>, or where bubblewrap cannot make one): the host's folders, named
/// by environment variables, and a start line that says so.</summary>
public sealed class SandboxFallbackTests
{
    [Fact]
    public async Task With_sandbox_none_the_function_finds_its_folders_through_environment_variables()
    {
        await using var gateway = await GatewayProcess.StartAsync([], "--sandbox", "none");
        await gateway.WaitForOutputAsync("[gateway] filesystem: host folders, no mount namespace (--sandbox none)");
        await ShellFunction.CreateAsync(gateway, "host");

        var output = (await ShellFunction.RunAsync(gateway, "host",
            "pwd; echo $LAMBDA_TASK_ROOT; echo $LAMBDA_RUNTIME_DIR; echo $TMPDIR; echo $GATEWAY_OPT_DIR; ls -A $GATEWAY_OPT_DIR | wc -l; echo kept > $TMPDIR/note; cat $TMPDIR/note"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);

        var data = Path.GetFullPath(gateway.DataDirectory);
        Assert.StartsWith(data + "/", output[0]); // the installed code folder
        Assert.Equal(output[0], output[1]);
        Assert.Equal(output[0], output[2]); // a custom runtime's files are its code
        Assert.Equal(Path.Combine(data, "tmp") + "/", output[3][..(data.Length + 5)]);
        Assert.Equal(Path.Combine(data, "empty"), output[4]); // no layers: an empty folder
        Assert.Equal("0", output[5].Trim());
        Assert.Equal("kept", output[6]);
    }

    [Fact]
    public async Task An_unknown_sandbox_mode_is_refused_at_start()
    {
        var root = Directory.CreateTempSubdirectory("gateway-sandbox-").FullName; // removed by the gateway's disposal
        await File.WriteAllTextAsync(Path.Combine(root, "functions.json"), """{"Functions":[]}""");
        await using var gateway = GatewayProcess.Launch(root, GatewayProcess.FreePort(), "--sandbox", "chroot");
        await gateway.WaitForExitAsync();

        Assert.Equal(1, gateway.ExitCode);
        Assert.Contains("Gateway:Sandbox must be auto, bwrap or none, not 'chroot'.", gateway.Output);
    }
}
