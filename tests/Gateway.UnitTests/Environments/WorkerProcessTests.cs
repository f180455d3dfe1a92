using Gateway.Environments;
using Gateway.Native;
using Gateway.UnitTests.Support;

namespace Gateway.UnitTests.Environments;

/// <summary>
/// The worker process with real (tiny) processes: a kill asked for before the spawn finished is carried out, the pid
/// file and tmp folder exist while it runs and are gone after the cleanup, and its peak memory can be read.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class WorkerProcessTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gateway-worker-").FullName;
    private readonly EnvironmentServices _services;
    private readonly List<OutputChannel> _outputs = [];

    public WorkerProcessTests()
    {
        _services = new EnvironmentServices(new GatewayOptions { DataDirectory = _directory, EchoFunctionLogs = false }, TimeProvider.System);
    }

    public void Dispose()
    {
        foreach (var output in _outputs)
        {
            output.CloseWriter();
            output.Reader.Dispose();
        }
        _services.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_kill_asked_for_before_the_spawn_is_carried_out_when_the_process_exists()
    {
        var worker = new WorkerProcess(_services, "k1", "test worker");
        worker.Kill(); // e.g. the pool stopped while the environment was still being started

        await worker.SpawnAsync(Sleep()).WithTimeout();
        var exited = new TaskCompletionSource<ChildExit>(TaskCreationOptions.RunContinuationsAsynchronously);
        worker.Watch(e => exited.TrySetResult(e));

        Assert.Equal(new ChildExit(Signaled: true, Code: 9), await exited.Task.WithTimeout());
    }

    /// <summary>A late kill meant for a failed init's process (StopAfterInitError after its exit started the retry)
    /// reaches neither the retry's process nor a pending kill request for it.</summary>
    [Fact]
    public async Task A_kill_for_an_earlier_generation_does_not_reach_the_init_retrys_process()
    {
        Directory.CreateDirectory(_services.RunDirectory); // for its pid file (Watch)
        var worker = new WorkerProcess(_services, "g1", "test worker");
        int first = worker.Generation;
        worker.ResetForRetry(); // the first attempt exited: the retry comes next

        worker.Kill(first);
        await worker.SpawnAsync(Sleep()).WithTimeout();
        var exited = new TaskCompletionSource<ChildExit>(TaskCreationOptions.RunContinuationsAsynchronously);
        worker.Watch(e => exited.TrySetResult(e));

        Assert.NotEqual(first, worker.Generation);
        var first300 = await Task.WhenAny(exited.Task, Task.Delay(300));
        Assert.False(first300 == exited.Task, $"the retry's process ended: {(first300 == exited.Task ? await exited.Task : default)}");
        worker.Kill(worker.Generation);
        Assert.Equal(new ChildExit(Signaled: true, Code: 9), await exited.Task.WithTimeout());
    }

    [Fact]
    public async Task Runs_with_a_pid_file_that_the_cleanup_removes()
    {
        var worker = new WorkerProcess(_services, "w1", "test worker");
        Directory.CreateDirectory(_services.RunDirectory);

        await worker.SpawnAsync(Sleep()).WithTimeout();
        var exited = new TaskCompletionSource<ChildExit>(TaskCreationOptions.RunContinuationsAsynchronously);
        worker.Watch(e => exited.TrySetResult(e));

        var pidFile = Path.Combine(_services.RunDirectory, "w1.pid");
        Assert.Equal(worker.Pid.ToString(), File.ReadAllText(pidFile));
        Assert.InRange(worker.ReadPeakMemoryMb(), 1, 1024); // VmHWM of a live sleep, rounded up to whole MB

        worker.Kill();
        Assert.Equal(new ChildExit(Signaled: true, Code: 9), await exited.Task.WithTimeout());
        worker.CleanUp();

        Assert.False(File.Exists(pidFile));
        Assert.Equal(0, worker.ReadPeakMemoryMb()); // nothing left to read
    }

    [Fact]
    public void Before_a_spawn_there_is_no_pid_and_no_memory_to_read()
    {
        var worker = new WorkerProcess(_services, "n1", "test worker");

        Assert.Null(worker.Pid);
        Assert.Equal(0, worker.ReadPeakMemoryMb());
        worker.CleanUp(); // nothing to remove: no error
    }

    [Fact]
    public async Task A_bootstrap_that_cannot_be_started_throws_from_the_spawn()
    {
        var worker = new WorkerProcess(_services, "m1", "test worker");

        await Assert.ThrowsAnyAsync<Exception>(() => worker.SpawnAsync(new SpawnSpec(Path.Combine(_directory, "missing"), [], [], _directory, Output())).WithTimeout());
        Assert.Null(worker.Pid);
    }

    private SpawnSpec Sleep() => new("/bin/sleep", ["30"], ["PATH=/usr/bin:/bin"], _directory, Output());

    /// <summary>Where the worker's stdout and stderr go (as for a real environment; closed at the end).</summary>
    private int Output()
    {
        var output = OutputChannel.Create();
        _outputs.Add(output);
        return output.WriterFd;
    }
}
