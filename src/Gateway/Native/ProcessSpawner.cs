using System.Collections.Concurrent;
using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Gateway.Native;

/// <summary>What to start: an executable, its arguments, its whole environment, its working directory, and the
/// descriptor its stdout and stderr go to (left open: the caller closes it once the spawn is done), and the containment
/// applied between fork and exec (null: none).</summary>
internal sealed record SpawnSpec(string ExecutablePath, IReadOnlyList<string> Arguments, IReadOnlyList<string> Environment, string WorkingDirectory, int OutputFd,
    SpawnContainment? Containment = null);

/// <summary>What the child does before it execs: joins the cgroups (their cgroup.procs files), then becomes
/// <paramref name="Uid"/> with <paramref name="Gids"/> (primary first; no other supplementary group) when Uid is not -1.
/// Only the native shim can do it (before the exec, so the function never runs outside its limits).</summary>
internal sealed record SpawnContainment(IReadOnlyList<string> CgroupProcs, int Uid, IReadOnlyList<int> Gids);

/// <summary>A started worker: its pid and a pidfd for exit notification.</summary>
internal sealed record SpawnedProcess(int Pid, int PidFd);

/// <summary>How workers are started, best first.</summary>
internal enum SpawnMethod
{
    /// <summary>gateway_spawn.c: PR_SET_PDEATHSIG set between fork and exec; one exec.</summary>
    NativeShim,

    /// <summary>posix_spawn of <c>setpriv --pdeathsig KILL -- bootstrap</c>: the same guarantee, two execs.</summary>
    Setpriv,

    /// <summary>posix_spawn of the bootstrap: workers outlive a gateway killed with SIGKILL (the next start still finds
    /// and kills them through the pid files in the run folder).</summary>
    PosixSpawn,
}

/// <summary>
/// Starts worker processes from a few dedicated threads that live as long as the spawner: each worker in its own
/// session, with default signal dispositions, stdin on /dev/null, stdout and stderr on the given descriptor, nothing
/// else inherited, and a parent-death signal (SIGKILL) so it dies with the gateway even when that is killed with SIGKILL.
/// </summary>
/// <remarks>
/// Why dedicated threads: the kernel sends PR_SET_PDEATHSIG when the *thread* that forked the child exits, not
/// the process; forking from a thread-pool thread would kill workers when that thread retires.
/// Why several: a spawn holds its thread until the child has exec'd (vfork semantics, in the shim and in glibc's
/// posix_spawn alike), and on a busy machine the new child can wait milliseconds for a CPU; with one thread, the
/// environments of a burst (or the pre-forked ones at start) would queue behind each other's scheduling delays.
/// Why not System.Diagnostics.Process: it gives no new session (the gateway kills a worker's whole process
/// group), keeps .NET's ignored SIGPIPE across exec, and reads each pipe with a blocked thread.
/// Why C (<see cref="SpawnShim"/>) first: the parent-death signal can only be set by the child between fork and
/// exec, which posix_spawn cannot do and managed code must not (the runtime is not fork-safe); the fallback
/// through setpriv costs a second exec (1-3 ms measured, where a native-AOT bootstrap starts and exits in 2-3).
/// </remarks>
internal sealed unsafe class ProcessSpawner : IDisposable
{
    private readonly BlockingCollection<(SpawnSpec Spec, TaskCompletionSource<SpawnedProcess> Done)> _requests = new();
    private readonly string? _setprivPath;
    private readonly bool _batchScheduling;

    /// <param name="method">Null: the best available (tests force the fallbacks).</param>
    /// <param name="batchScheduling">Workers start under SCHED_BATCH (GatewayOptions.WorkerBatchScheduling).</param>
    public ProcessSpawner(SpawnMethod? method = null, bool batchScheduling = false)
    {
        _batchScheduling = batchScheduling;
        _setprivPath = FindOnPath("setpriv");
        Method = method ?? (SpawnShim.IsAvailable ? SpawnMethod.NativeShim : _setprivPath is not null ? SpawnMethod.Setpriv : SpawnMethod.PosixSpawn);
        if (Method == SpawnMethod.NativeShim && !SpawnShim.IsAvailable)
        {
            throw new InvalidOperationException("gateway_spawn is not linked into this build (no libgateway_spawn.so beside Gateway.dll).");
        }
        if (Method == SpawnMethod.Setpriv && _setprivPath is null)
        {
            throw new InvalidOperationException("setpriv (util-linux) is not on PATH.");
        }
        for (int i = 0; i < ThreadCount; i++)
        {
            new Thread(Run) { IsBackground = true, Name = "worker-spawner-" + i }.Start();
        }
    }

    /// <summary>Spawns that can be in flight at once: they mostly wait (for the child to be scheduled and exec), so a
    /// few per core, bounded.</summary>
    private static int ThreadCount => Math.Clamp(Environment.ProcessorCount * 2, 2, 8);

    public SpawnMethod Method { get; }

    /// <summary>Starts the worker on a spawner thread. Fails with <see cref="SpawnException"/> when it could not be
    /// started (with <see cref="SpawnMethod.Setpriv"/>, an exec failure is the worker's exit status 127 instead).</summary>
    public Task<SpawnedProcess> SpawnAsync(SpawnSpec spec)
    {
        var done = new TaskCompletionSource<SpawnedProcess>(TaskCreationOptions.RunContinuationsAsynchronously);
        _requests.Add((spec, done));
        return done.Task;
    }

    private void Run()
    {
        if (_batchScheduling)
        {
            // A scheduling policy belongs to a thread and is inherited by what it forks (and kept across exec): set on
            // this thread, it reaches every worker, whichever of the three spawn methods starts it, and whatever the
            // worker forks in turn. Lowering one's own policy needs no privilege; should it fail, workers run as before.
            var param = default(LibC.SchedParam);
            _ = LibC.sched_setscheduler(0, LibC.SCHED_BATCH, &param);
        }
        foreach (var (spec, done) in _requests.GetConsumingEnumerable())
        {
            try
            {
                done.SetResult(Spawn(spec));
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        }
    }

    private SpawnedProcess Spawn(SpawnSpec spec)
    {
        if (spec.Containment is not null && Method != SpawnMethod.NativeShim)
        {
            throw new InvalidOperationException("Containment needs gateway_spawn (the native shim): it acts between fork and exec.");
        }
        int pid = Method == SpawnMethod.NativeShim
            ? SpawnWithShim(spec)
            : PosixSpawn.Spawn(spec, Method == SpawnMethod.Setpriv ? _setprivPath : null);

        int pidfd = LibC.PidfdOpen(pid);
        if (pidfd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            LibC.kill(pid, LibC.SIGKILL);
            throw new Win32Exception(errno, "pidfd_open failed (Linux 5.4 or newer is required)");
        }
        return new SpawnedProcess(pid, pidfd);
    }

    private static int SpawnWithShim(SpawnSpec spec)
    {
        using var strings = new NativeStrings();
        var argv = new List<string>(spec.Arguments.Count + 1) { spec.ExecutablePath };
        argv.AddRange(spec.Arguments);
        int pid, step;
        var containment = spec.Containment;
        byte** cgroups = containment is { CgroupProcs.Count: > 0 } ? strings.AddArray(containment.CgroupProcs) : null;
        int uid = containment?.Uid ?? -1;
        int gidCount = containment?.Gids.Count ?? 0;
        int* gids = stackalloc int[Math.Max(gidCount, 1)];
        for (int i = 0; i < gidCount; i++)
        {
            gids[i] = containment!.Gids[i];
        }
        int error = SpawnShim.Spawn(strings.Add(spec.ExecutablePath), strings.AddArray(argv), strings.AddArray(spec.Environment),
            strings.Add(spec.WorkingDirectory), spec.OutputFd, cgroups, uid, gids, gidCount, &pid, &step);
        if (error != 0)
        {
            throw new SpawnException(spec.ExecutablePath, (SpawnStep)step, error);
        }
        return pid;
    }

    private static string? FindOnPath(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin";
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>Ends the spawner threads, and with them (their parent-death signal) every worker they started that is still alive.</summary>
    public void Dispose() => _requests.CompleteAdding();
}
