using System.Net.Sockets;
using System.Text;
using Gateway.Native;
using Gateway.UnitTests.Support;

namespace Gateway.UnitTests.Native;

/// <summary>
/// What a worker inherits, whichever way it is started: the environment it is given and nothing else, its working
/// directory, stdin on /dev/null, stdout and stderr on one socket, no other descriptor, its own session, default
/// signal dispositions and an empty mask; how a failed start is reported; and that it dies with the thread that
/// started it. These start real (tiny) processes: /bin/sh and sleep.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ProcessSpawnerTests : IDisposable
{
    private readonly ChildReaper _reaper = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("gateway-spawner-").FullName;

    // Theory data by name: SpawnMethod is internal to the gateway.
    public static TheoryData<string> Methods => [nameof(SpawnMethod.NativeShim), nameof(SpawnMethod.Setpriv), nameof(SpawnMethod.PosixSpawn)];

    [Fact]
    public void The_native_shim_is_built_for_the_JIT_build_and_preferred()
    {
        // GatewaySpawn.targets copies libgateway_spawn.so beside Gateway.dll when a C compiler is present (it must be:
        // the native-AOT publish the other tests run needs one too).
        Assert.True(SpawnShim.IsAvailable);
        using var spawner = new ProcessSpawner();
        Assert.Equal(SpawnMethod.NativeShim, spawner.Method);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task Batch_scheduling_reaches_the_worker_and_what_it_starts_and_is_off_unless_asked(string method)
    {
        // /proc/<pid>/stat field 41 is the scheduling policy (0 SCHED_OTHER, 3 SCHED_BATCH): read by a process the
        // worker's shell started, so inheritance past the worker itself is covered too.
        const string Script = "cut -d' ' -f41 /proc/self/stat";
        using (var batch = new ProcessSpawner(Enum.Parse<SpawnMethod>(method), batchScheduling: true))
        {
            var (output, exit) = await RunAsync(batch, "/bin/sh", ["-c", Script], ["PATH=/usr/bin:/bin"], _directory);
            Assert.Equal(new ChildExit(false, 0), exit);
            Assert.Equal("3\n", output);
        }
        using (var normal = new ProcessSpawner(Enum.Parse<SpawnMethod>(method)))
        {
            var (output, _) = await RunAsync(normal, "/bin/sh", ["-c", Script], ["PATH=/usr/bin:/bin"], _directory);
            Assert.Equal("0\n", output);
        }
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task A_worker_gets_exactly_its_environment_cwd_stdio_session_and_default_signals(string method)
    {
        using var spawner = new ProcessSpawner(Enum.Parse<SpawnMethod>(method));
        const string Script = """
            echo "foo=$FOO"
            echo "home=${HOME-unset}"
            echo "cwd=$(pwd -P)"
            echo "stdin=$(readlink /proc/$$/fd/0)"
            [ "$(readlink /proc/$$/fd/1)" = "$(readlink /proc/$$/fd/2)" ] && echo "stdout=stderr"
            echo "to stderr" >&2
            """;

        var (output, exit) = await RunAsync(spawner, "/bin/sh", ["-c", Script], ["FOO=bar", "PATH=/usr/bin:/bin"], _directory);

        Assert.Equal(new ChildExit(false, 0), exit);
        Assert.Contains("foo=bar\n", output);
        Assert.Contains("home=unset\n", output); // nothing of the test host's own environment
        Assert.Contains($"cwd={Path.GetFullPath(_directory)}\n", output);
        Assert.Contains("stdin=/dev/null\n", output);
        Assert.Contains("stdout=stderr\n", output);
        Assert.EndsWith("to stderr\n", output);

        // The rest is read by the worker itself about itself, with no shell in between (a shell blocks signals and
        // opens descriptors of its own while it forks).
        // No descriptor of the host leaks in: ls sees its stdio and the directory it is listing, nothing else.
        var (descriptors, _) = await RunAsync(spawner, "/bin/ls", ["/proc/self/fd"], [], _directory);
        Assert.Equal("0\n1\n2\n3\n", descriptors);

        // Its own session (so the gateway can kill its whole process group): session id = pid.
        var (stat, _) = await RunAsync(spawner, "/bin/cat", ["/proc/self/stat"], [], _directory);
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // after "pid (comm) ": state, ppid, pgrp, session
        Assert.Equal(stat[..stat.IndexOf(' ', StringComparison.Ordinal)], fields[3]);

        var (status, _) = await RunAsync(spawner, "/bin/grep", ["^Sig", "/proc/self/status"], [], _directory);
        Assert.Equal(0UL, SignalSet(status, "SigBlk"));
        // .NET ignores SIGPIPE; the worker must not. (Only signals 1-31: glibc's posix_spawn leaves its own internal
        // signals 32 and 33 ignored, and the worker's own glibc installs its handlers for them anyway.)
        Assert.Equal(0UL, SignalSet(status, "SigIgn") & 0x7FFF_FFFF);
    }

    [Theory]
    [InlineData(nameof(SpawnMethod.NativeShim))]
    [InlineData(nameof(SpawnMethod.PosixSpawn))]
    public async Task A_missing_executable_fails_the_spawn_with_ENOENT(string method)
    {
        using var spawner = new ProcessSpawner(Enum.Parse<SpawnMethod>(method));

        var error = await Assert.ThrowsAsync<SpawnException>(() => RunAsync(spawner, Path.Combine(_directory, "bootstrap"), [], [], _directory));

        Assert.Equal(SpawnStep.Exec, error.Step);
        Assert.Equal(2, error.Errno);
    }

    [Theory]
    [InlineData(nameof(SpawnMethod.NativeShim))]
    [InlineData(nameof(SpawnMethod.PosixSpawn))]
    public async Task A_file_without_execute_permission_fails_the_spawn_with_EACCES(string method)
    {
        using var spawner = new ProcessSpawner(Enum.Parse<SpawnMethod>(method));
        var bootstrap = Path.Combine(_directory, "bootstrap");
        File.WriteAllText(bootstrap, "#!/bin/sh\necho hi\n");
        File.SetUnixFileMode(bootstrap, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var error = await Assert.ThrowsAsync<SpawnException>(() => RunAsync(spawner, bootstrap, [], [], _directory));

        Assert.Equal(SpawnStep.Exec, error.Step);
        Assert.Equal(13, error.Errno);
    }

    [Fact]
    public async Task A_missing_working_directory_is_reported_as_such()
    {
        using var spawner = new ProcessSpawner(SpawnMethod.NativeShim);

        var error = await Assert.ThrowsAsync<SpawnException>(() => RunAsync(spawner, "/bin/sh", ["-c", "true"], [], Path.Combine(_directory, "gone")));

        Assert.Equal(SpawnStep.WorkingDirectory, error.Step);
        Assert.Equal(2, error.Errno);
    }

    [Fact]
    public async Task Through_setpriv_an_exec_failure_is_exit_status_127()
    {
        using var spawner = new ProcessSpawner(SpawnMethod.Setpriv);

        var (_, exit) = await RunAsync(spawner, Path.Combine(_directory, "bootstrap"), [], [], _directory);

        Assert.Equal(new ChildExit(false, 127), exit);
    }

    [Theory]
    [InlineData(nameof(SpawnMethod.NativeShim))]
    [InlineData(nameof(SpawnMethod.Setpriv))]
    public async Task A_worker_is_killed_when_the_spawner_thread_ends(string method)
    {
        // PR_SET_PDEATHSIG follows the thread that forked the worker; disposing the spawner ends that thread, as the
        // gateway's death ends all of its threads. This is the in-process half of LifecycleTests' SIGKILL test.
        var spawner = new ProcessSpawner(Enum.Parse<SpawnMethod>(method));
        var output = OutputChannel.Create();
        using var reader = output.Reader;
        var process = await spawner.SpawnAsync(new SpawnSpec("/bin/sleep", ["60"], [], _directory, output.WriterFd)).WithTimeout();
        output.CloseWriter();
        var exited = WatchExit(process);
        // setpriv sets the signal only once it runs, then execs sleep: a thread that ended before that would go unnoticed
        // (the shim sets it before the spawn returns). Wait for sleep itself.
        await UntilAsync(() => File.ReadAllText($"/proc/{process.Pid}/comm") == "sleep\n");

        spawner.Dispose();

        Assert.Equal(new ChildExit(true, 9), await exited.WithTimeout());
    }

    [Fact]
    public async Task With_the_shim_the_signal_is_set_before_the_spawn_returns()
    {
        // No wait between the spawn and the end of the thread: the child sets PR_SET_PDEATHSIG while the spawning
        // thread is held in clone(CLONE_VFORK), so that thread cannot end first.
        for (int i = 0; i < 5; i++)
        {
            var spawner = new ProcessSpawner(SpawnMethod.NativeShim);
            var output = OutputChannel.Create();
            using var reader = output.Reader;
            var process = await spawner.SpawnAsync(new SpawnSpec("/bin/sleep", ["60"], [], _directory, output.WriterFd)).WithTimeout();
            output.CloseWriter();
            var exited = WatchExit(process);

            spawner.Dispose();

            Assert.Equal(new ChildExit(true, 9), await exited.WithTimeout());
        }
    }

    [Fact]
    public async Task With_the_shim_the_worker_is_in_its_cgroup_and_its_user_before_its_first_instruction()
    {
        // What the process reads about itself as its very first act (cat's own /proc) is already the cgroup and user:
        // nothing of the function's runs outside them. Needs root and a writable v1 memory cgroup (this gateway's hosts).
        var own = File.ReadAllLines("/proc/self/cgroup").FirstOrDefault(l => l.Split(':')[1] == "memory")?.Split(':', 3)[2];
        if (!Environment.IsPrivilegedProcess || own is null || !Directory.Exists("/sys/fs/cgroup/memory" + own))
        {
            return; // (xunit 2 has no dynamic skip) not where it can be tried: a non-root build or a v2-only host
        }
        var cgroup = "/sys/fs/cgroup/memory" + own.TrimEnd('/') + "/gateway-unit-" + Guid.NewGuid().ToString("N")[..8];
        Directory.CreateDirectory(cgroup);
        try
        {
            File.SetUnixFileMode(_directory, (UnixFileMode)0b111_101_101);
            var spawner = new ProcessSpawner(SpawnMethod.NativeShim);
            var (output, exit) = await RunAsync(spawner, "/bin/cat", ["/proc/self/cgroup", "/proc/self/status"], [], _directory,
                new SpawnContainment([Path.Combine(cgroup, "cgroup.procs")], 231234, [231234, 262001]));

            Assert.Equal(new ChildExit(false, 0), exit);
            Assert.Contains(":memory:" + own.TrimEnd('/') + "/" + Path.GetFileName(cgroup) + "\n", output);
            Assert.Contains("Uid:\t231234\t231234\t231234\t231234\n", output);
            Assert.Contains("Gid:\t231234\t231234\t231234\t231234\n", output);
            Assert.Contains("Groups:\t262001 \n", output);
            Assert.Contains("CapEff:\t0000000000000000\n", output);
        }
        finally
        {
            Directory.Delete(cgroup);
        }
    }

    [Fact]
    public async Task A_cgroup_the_worker_cannot_join_fails_the_spawn_at_that_step()
    {
        var spawner = new ProcessSpawner(SpawnMethod.NativeShim);
        var error = await Assert.ThrowsAsync<SpawnException>(() => RunAsync(spawner, "/bin/true", [], [], _directory,
            new SpawnContainment([Path.Combine(_directory, "no-such-cgroup", "cgroup.procs")], -1, [])));

        Assert.Equal(SpawnStep.Cgroup, error.Step);
    }

    /// <summary>Checks <paramref name="condition"/> every 10 ms until it holds; fails after <see cref="TimeoutExtensions.Default"/>.</summary>
    private static async Task UntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeoutExtensions.Default;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(10);
        }
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task The_exit_carries_the_largest_resident_set_of_the_process_and_of_a_child_it_reaped(string method)
    {
        using var spawner = new ProcessSpawner(Enum.Parse<SpawnMethod>(method));
        // The shell's child (python3) holds 64 MB resident, then exits and is reaped by the shell, which exits 3:
        // the exit's ru_maxrss is the child's peak, far above the shell's own (as the runtime under bwrap is).
        const string Script = "python3 -c 'b = bytearray(64 << 20); b[::4096] = b\"x\" * len(b[::4096])'; exit 3";
        var (_, exit) = await RunAsync(spawner, "/bin/sh", ["-c", Script], ["PATH=/usr/bin:/bin"], _directory);

        Assert.Equal(new ChildExit(false, 3), exit);
        Assert.InRange(exit.MaxRssMb, 64, 1024);
    }

    /// <summary>A signal set from /proc/*/status ("SigIgn:\t0000000000001000"), as a bit mask (bit n-1 is signal n).</summary>
    private static ulong SignalSet(string output, string name)
    {
        var line = output.Split('\n').Single(l => l.StartsWith(name + ":", StringComparison.Ordinal));
        return ulong.Parse(line[(name.Length + 1)..].Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Spawns, reads stdout+stderr to the end, and waits for the exit.</summary>
    private async Task<(string Output, ChildExit Exit)> RunAsync(ProcessSpawner spawner, string path, string[] arguments, string[] environment, string workingDirectory,
        SpawnContainment? containment = null)
    {
        var output = OutputChannel.Create();
        using var reader = output.Reader;
        SpawnedProcess process;
        try
        {
            process = await spawner.SpawnAsync(new SpawnSpec(path, arguments, environment, workingDirectory, output.WriterFd, containment)).WithTimeout();
        }
        finally
        {
            output.CloseWriter();
        }
        var exited = WatchExit(process);
        var text = new StringBuilder();
        var buffer = new byte[4096];
        int n;
        while ((n = await reader.ReceiveAsync(buffer, SocketFlags.None).WithTimeout()) > 0)
        {
            text.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
        return (text.ToString(), await exited.WithTimeout());
    }

    private Task<ChildExit> WatchExit(SpawnedProcess process)
    {
        var exited = new TaskCompletionSource<ChildExit>(TaskCreationOptions.RunContinuationsAsynchronously);
        _reaper.Watch(process.PidFd, exit => exited.TrySetResult(exit));
        return exited.Task;
    }

    public void Dispose()
    {
        _reaper.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
