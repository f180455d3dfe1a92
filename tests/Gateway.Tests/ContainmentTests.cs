using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>
/// Functions are contained: each environment in its own cgroup (memory = MemorySize, 1,024 processes/threads, CPU
/// weight by memory) and run as a user that is not the gateway's and cannot read the data folder, other functions'
/// code or the credentials file. Real functions in real cgroups, with and without the mount namespace; after each
/// abuse the gateway still serves another function. Needs root and writable cgroups (the gateway's CI machine).
/// </summary>
public abstract class ContainmentTests : IAsyncLifetime
{
    private readonly string _sandbox;
    private readonly string _root = Directory.CreateTempSubdirectory("gateway-contain-").FullName;
    private GatewayProcess _gateway = null!;

    protected ContainmentTests(string sandbox) => _sandbox = sandbox;

    public async Task InitializeAsync()
    {
        // Open to other users (0711), as a service's data folder's parents are: a 0700 temp folder keeps the worker
        // user off (the gateway says so at start).
        File.SetUnixFileMode(_root, (UnixFileMode)0b111_001_001);
        await File.WriteAllTextAsync(Path.Combine(_root, "functions.json"), """{"Functions":[]}""");
        _gateway = GatewayProcess.Launch(_root, GatewayProcess.FreePort(), "--sandbox", _sandbox, "--containment", "cgroup");
        await _gateway.WaitUntilWarmAsync();
    }

    public Task DisposeAsync() => _gateway.DisposeAsync().AsTask();

    private bool InNamespace => _sandbox == "bwrap";

    [Fact]
    public async Task The_start_lines_say_a_cgroup_per_environment_and_a_worker_uid_per_function()
    {
        await _gateway.WaitForOutputAsync("[gateway] containment: a cgroup per environment (v1: memory, pids, cpu");
        await _gateway.WaitForOutputAsync("[gateway] workers: a uid per function from 200000 (not the gateway's)");
    }

    [Fact]
    public async Task The_worker_is_not_the_gateway_s_user_and_cannot_read_the_data_folder_other_code_or_the_credentials()
    {
        await CreateShellAsync("reader");
        var otherZip = WithExtraFile(ShellFunction.Zip(), "secret.txt", "other's code");
        await CreateShellAsync("other", zip: otherZip);
        Assert.Contains("other's code", await ShellFunction.RunAsync(_gateway, "other", "cat secret.txt"));
        var otherCode = Path.Combine(_gateway.DataDirectory, "code", Convert.ToHexStringLower(SHA256.HashData(otherZip)));
        Assert.True(File.Exists(Path.Combine(otherCode, "secret.txt")), otherCode);
        var credentials = Path.Combine(_root, "credentials");
        await File.WriteAllTextAsync(credentials, "[default]\naws_access_key_id = AKID\naws_secret_access_key = SECRET\n");
        File.SetUnixFileMode(credentials, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var data = _gateway.DataDirectory;

        var output = await ShellFunction.RunAsync(_gateway, "reader",
            $"id -u; id -G; cat {data}/registry.db; ls {data}/logs; cat {otherCode}/secret.txt; cat {credentials}; "
            + "echo written > \"$TMPDIR/mine\" && cat \"$TMPDIR/mine\"; echo done");
        var lines = output.Split('\n');

        int uid = int.Parse(lines[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.NotEqual(0, uid); // the gateway runs as root
        Assert.InRange(uid, 200000, 200000 + 32767);
        Assert.DoesNotContain("0", lines[1].Split(' ')); // no group of the gateway's (root)
        // In the namespace the data folder is not even there; outside it, the modes refuse it.
        var refused = InNamespace ? "No such file or directory" : "Permission denied";
        Assert.Contains($"cat: {data}/registry.db: {refused}", output);
        var logsRefused = InNamespace ? $"ls: cannot access '{data}/logs': {refused}" : $"ls: cannot open directory '{data}/logs': {refused}";
        Assert.True(output.Contains(logsRefused, StringComparison.Ordinal), output);
        Assert.Contains($"cat: {otherCode}/secret.txt: {refused}", output);
        Assert.Contains($"cat: {credentials}: {refused}", output);
        Assert.DoesNotContain("other's code", output);
        Assert.DoesNotContain("SECRET", output);
        Assert.Contains("written\n", output); // its /tmp is its own and writable
        Assert.EndsWith("done\n", output);
        Assert.NotEqual(uid, int.Parse((await ShellFunction.RunAsync(_gateway, "other", "id -u")).Trim(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task The_worker_user_has_a_home_so_Nodes_os_homedir_and_the_SDKs_config_lookup_work()
    {
        await CreateShellAsync("who");

        var output = await ShellFunction.RunAsync(_gateway, "who",
            "id -u; echo \"HOME=${HOME-unset}\"; node -e 'const os = require(\"os\"); console.log(os.homedir()); console.log(os.userInfo().username)' 2>&1; "
            + "grep -c '^root:' /etc/passwd; echo \"TMPDIR=$TMPDIR\"");
        var lines = output.Split('\n');
        var uid = lines[0];
        if (InNamespace)
        {
            // As on AWS: no HOME, and an /etc/passwd entry (sbx_userNNNN) that os.homedir() and os.userInfo() read.
            Assert.Equal("HOME=unset", lines[1]);
            Assert.Equal($"/home/sbx_user{uid}", lines[2]);
            Assert.Equal($"sbx_user{uid}", lines[3]);
            Assert.Equal("1", lines[4]); // the host's entries are still there
            Assert.Equal($"sbx_user{uid}:x:{uid}:{uid}::/home/sbx_user{uid}:/sbin/nologin\n",
                await ShellFunction.RunAsync(_gateway, "who", "getent passwd $(id -u)"));
        }
        else
        {
            // The host's /etc/passwd has no entry for the worker's number: HOME names its tmp folder instead.
            var tmp = lines.Single(l => l.StartsWith("TMPDIR=", StringComparison.Ordinal))["TMPDIR=".Length..];
            Assert.Equal("HOME=" + tmp, lines[1]);
            Assert.Equal(tmp, lines[2]);
        }
    }

    [Fact]
    public async Task A_function_that_allocates_past_its_memory_gets_Runtime_OutOfMemory_and_the_next_invoke_re_initializes_its_environment()
    {
        await _gateway.CreateRuntimeFunctionAsync("hog", "python3.12", "app.handler", RuntimeFunctions.Sources(("app.py", """
            import os
            def handler(event, context):
                if event.get("hog"):
                    block = b"x" * (1536 << 20)  # past MemorySize, and past the namespace's /tmp room too
                    return len(block)
                return {"environment": os.environ["GATEWAY_ENVIRONMENT_ID"]}
            """)), memorySize: 128, timeout: 30);
        await CreateShellAsync("bystander");
        using var warm = await _gateway.InvokeAsync("hog", "{}");
        var firstEnvironment = (await GatewayProcess.ReadJsonAsync(warm)).GetProperty("environment").GetString();

        using var response = await _gateway.InvokeAsync("hog", """{"hog":true}""");
        var body = await response.Content.ReadAsStringAsync();
        var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        Assert.Equal($$"""{"errorType":"Runtime.OutOfMemory","errorMessage":"RequestId: {{requestId}} Error: Runtime exited with error: signal: killed"}""", body);
        var logs = await _gateway.WaitForLogAsync("hog", $"REPORT RequestId: {requestId}");
        var report = logs.Split('\n').Single(l => l.StartsWith($"REPORT RequestId: {requestId}", StringComparison.Ordinal));
        Assert.Contains("\tMemory Size: 128 MB\tMax Memory Used: 128 MB\t", report);
        Assert.EndsWith("Status: error\tError Type: Runtime.OutOfMemory\t", report.TrimEnd('\r'));
        Assert.Contains($"RequestId: {requestId} Error: Runtime exited with error: signal: killed\nRuntime.OutOfMemory\n", logs);

        using var next = await _gateway.InvokeAsync("hog", "{}");
        Assert.False(next.Headers.Contains("X-Amz-Function-Error"), await next.Content.ReadAsStringAsync());
        // AWS resets the environment after an OOM kill: the next invocation re-initializes it (a new process, same environment).
        Assert.Equal(firstEnvironment, (await GatewayProcess.ReadJsonAsync(next)).GetProperty("environment").GetString());
        Assert.Equal("still here\n", await ShellFunction.RunAsync(_gateway, "bystander", "echo still here"));
    }

    [Fact]
    public async Task A_fork_bomb_is_held_at_1024_processes_while_the_gateway_and_another_function_keep_serving()
    {
        await CreateShellAsync("bomb", memorySize: 2048, timeout: 8); // room for 1,024 bash processes: the pids limit strikes first
        await CreateShellAsync("bystander");
        var environment = (await ShellFunction.RunAsync(_gateway, "bomb", "echo $GATEWAY_ENVIRONMENT_ID")).Trim();
        var pids = CgroupFolder("pids", environment);
        Assert.Equal("1024", File.ReadAllText(Path.Combine(pids, "pids.max")).Trim());

        var bombing = _gateway.InvokeAsync("bomb", "\"" + Convert.ToBase64String("b(){ b|b& }; b"u8.ToArray()) + "\"");
        // The limit is reached: the kernel counts each refused fork in pids.events, and never lets pids.current past
        // pids.max. (The bomb may take its own runtime down, whose next fork for curl fails: then the environment ends
        // and its cgroup goes; what was seen until then is the proof.)
        long refusedForks = 0, most = 0;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (refusedForks == 0 && DateTime.UtcNow < deadline)
        {
            try
            {
                refusedForks = ReadCounter(Path.Combine(pids, "pids.events"), "max");
                most = Math.Max(most, long.Parse(File.ReadAllText(Path.Combine(pids, "pids.current")).Trim(), System.Globalization.CultureInfo.InvariantCulture));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                break; // the environment already ended
            }
            await Task.Delay(5);
        }
        Assert.True(refusedForks > 0 || most >= 1000, $"the bomb never reached pids.max (refused forks {refusedForks}, most processes {most})");
        Assert.InRange(most, 0, 1024);
        // … and meanwhile (or right after) another function and the gateway's own API answer.
        Assert.Equal("still here\n", await ShellFunction.RunAsync(_gateway, "bystander", "echo still here"));
        using (var status = await _gateway.Client.GetAsync("/_gateway/status"))
        {
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        }

        using var bombed = await bombing;
        var bombedBody = await bombed.Content.ReadAsStringAsync();
        Assert.True(bombedBody.Contains("Sandbox.Timedout", StringComparison.Ordinal) || bombedBody.Contains("Runtime.ExitError", StringComparison.Ordinal), bombedBody);
        // Every process of it is gone: the environment is reset (its cgroup emptied, as AWS resets the sandbox), or it
        // ended (its cgroup removed); the next invoke re-initializes it.
        await Poll.UntilAsync(() => !Directory.Exists(pids) || PidsCurrent(pids) == 0, "the bomb's cgroup emptied");
        Assert.Equal("ok\n", await ShellFunction.RunAsync(_gateway, "bomb", "echo ok"));
        Assert.Equal("still here\n", await ShellFunction.RunAsync(_gateway, "bystander", "echo still here"));
    }

    /// <summary>pids.current of a cgroup folder; 0 once the folder is gone.</summary>
    private static long PidsCurrent(string pids)
    {
        try
        {
            return long.Parse(File.ReadAllText(Path.Combine(pids, "pids.current")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    [Fact]
    public async Task Memory_limit_and_cpu_shares_follow_MemorySize()
    {
        await CreateShellAsync("small", memorySize: 128);
        await CreateShellAsync("vcpu", memorySize: 1769);

        var small = (await ShellFunction.RunAsync(_gateway, "small", "echo $GATEWAY_ENVIRONMENT_ID")).Trim();
        var vcpu = (await ShellFunction.RunAsync(_gateway, "vcpu", "echo $GATEWAY_ENVIRONMENT_ID")).Trim();

        Assert.Equal("74", File.ReadAllText(Path.Combine(CgroupFolder("cpu", small), "cpu.shares")).Trim());
        Assert.Equal("1024", File.ReadAllText(Path.Combine(CgroupFolder("cpu", vcpu), "cpu.shares")).Trim());
        // In the namespace /tmp is a tmpfs (memory): the limit leaves room for EphemeralStorage (512 MB by default).
        long tmpfs = InNamespace ? 512 : 0;
        Assert.Equal((128L + tmpfs << 20).ToString(System.Globalization.CultureInfo.InvariantCulture),
            File.ReadAllText(Path.Combine(CgroupFolder("memory", small), "memory.limit_in_bytes")).Trim());
        Assert.Equal((1769L + tmpfs << 20).ToString(System.Globalization.CultureInfo.InvariantCulture),
            File.ReadAllText(Path.Combine(CgroupFolder("memory", vcpu), "memory.limit_in_bytes")).Trim());
        // The function's own processes are in it (it joined before its exec).
        var procs = File.ReadAllText(Path.Combine(CgroupFolder("memory", small), "cgroup.procs"));
        var runtimePid = (await ShellFunction.RunAsync(_gateway, "small", "echo $RUNTIME_PID")).Trim();
        if (!InNamespace)
        {
            Assert.Contains(runtimePid + "\n", procs);
        }
        Assert.NotEmpty(procs.Trim());
    }

    [Fact]
    public async Task The_cgroups_a_killed_gateway_left_are_removed_at_the_next_start()
    {
        await CreateShellAsync("left");
        var environment = (await ShellFunction.RunAsync(_gateway, "left", "echo $GATEWAY_ENVIRONMENT_ID")).Trim();
        var memory = CgroupFolder("memory", environment);

        _gateway.Kill(); // SIGKILL: no clean-up; the worker dies with it (parent-death signal), its cgroup stays
        await _gateway.WaitForExitAsync();
        Assert.True(Directory.Exists(memory));
        _gateway = await GatewayProcess.RestartAsync(_gateway, "--sandbox", _sandbox, "--containment", "cgroup");

        await _gateway.WaitForOutputAsync("[gateway] removed 1 environment cgroup(s) left over from an earlier run");
        Assert.False(Directory.Exists(memory));
        Assert.Equal("again\n", await ShellFunction.RunAsync(_gateway, "left", "echo again"));
    }

    /// <summary>Provisioned concurrency kept in the registry is pre-forked when the restarted gateway starts, after its
    /// data folder is closed to workers: before, the load pre-forked it first, the close that followed shut the code
    /// folder it had opened, and every environment of the function failed "bwrap: Can't chdir to /var/task".</summary>
    [Fact]
    public async Task A_function_with_provisioned_concurrency_runs_after_a_restart()
    {
        await CreateShellAsync("kept");
        await _gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions/kept/versions", new JsonObject(), HttpStatusCode.Created);
        await _gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions/kept/aliases", new JsonObject { ["Name"] = "pc", ["FunctionVersion"] = "1" }, HttpStatusCode.Created);
        await _gateway.SendAsync(HttpMethod.Put, "/2019-09-30/functions/kept/provisioned-concurrency?Qualifier=pc",
            new JsonObject { ["ProvisionedConcurrentExecutions"] = 1 }, HttpStatusCode.Accepted);
        Assert.Equal("before\n", await ShellFunction.RunAsync(_gateway, "kept:pc", "echo before"));

        Assert.Equal(0, await _gateway.StopAsync());
        _gateway = await GatewayProcess.RestartAsync(_gateway, "--sandbox", _sandbox, "--containment", "cgroup");

        Assert.Equal("after\n", await ShellFunction.RunAsync(_gateway, "kept:pc", "echo after"));
        Assert.Equal("latest\n", await ShellFunction.RunAsync(_gateway, "kept", "echo latest"));
    }

    /// <summary>The folder of <paramref name="environmentId"/>'s cgroup for a v1 controller: below the gateway's own cgroup.</summary>
    private string CgroupFolder(string controller, string environmentId)
    {
        var own = File.ReadAllLines($"/proc/{_gateway.Pid}/cgroup").Select(l => l.Split(':', 3)).Single(p => p[1].Split(',').Contains(controller))[2];
        var mount = Directory.GetDirectories("/sys/fs/cgroup").Single(d => Path.GetFileName(d).Split(',').Contains(controller));
        var parents = Directory.GetDirectories(mount + own, "gateway-*");
        return parents.Select(p => Path.Combine(p, environmentId)).Single(Directory.Exists);
    }

    private static long ReadCounter(string file, string key) =>
        File.ReadAllLines(file).Select(l => l.Split(' ')).Where(p => p[0] == key).Select(p => long.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();

    private async Task CreateShellAsync(string name, int memorySize = 128, int timeout = 30, byte[]? zip = null)
    {
        var body = new JsonObject
        {
            ["FunctionName"] = name,
            ["Runtime"] = "provided.al2023",
            ["Role"] = ManagementApi.Role,
            ["Handler"] = "shell",
            ["MemorySize"] = memorySize,
            ["Timeout"] = timeout,
            ["Code"] = new JsonObject { ["ZipFile"] = Convert.ToBase64String(zip ?? ShellFunction.Zip()) },
        };
        await _gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions", body, HttpStatusCode.Created);
        await _gateway.WaitUntilReadyAsync(name);
    }

    /// <summary>The zip with one more file (its other entries and their modes unchanged).</summary>
    private static byte[] WithExtraFile(byte[] zip, string path, string content)
    {
        using var stream = new MemoryStream();
        stream.Write(zip);
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Update, leaveOpen: true))
        {
            var entry = archive.CreateEntry(path);
            entry.ExternalAttributes = 0b110_100_100 << 16;
            using var writer = new StreamWriter(entry.Open());
            writer.Write(content);
        }
        return stream.ToArray();
    }
}

public sealed class ContainmentInNamespaceTests() : ContainmentTests("bwrap");

public sealed class ContainmentWithHostFoldersTests() : ContainmentTests("none");
