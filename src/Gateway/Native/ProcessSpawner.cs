using System.Collections.Concurrent;
using System.ComponentModel;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Gateway.Native;

/// <summary>What to start: an executable, its arguments, its whole environment and its working directory.</summary>
internal sealed record SpawnSpec(string ExecutablePath, IReadOnlyList<string> Arguments, IReadOnlyList<string> Environment, string WorkingDirectory);

/// <summary>A started worker: its pid, a pidfd for exit notification and the gateway's end of its stdout+stderr.</summary>
internal sealed record SpawnedProcess(int Pid, int PidFd, Socket Output);

/// <summary>
/// Starts worker processes with posix_spawn from one dedicated, never-ending thread.
/// </summary>
/// <remarks>
/// Why a dedicated thread: the kernel sends PR_SET_PDEATHSIG when the *thread* that forked the child exits,
/// not the process. Workers are started through <c>setpriv --pdeathsig KILL</c> so that they die with the
/// gateway even on SIGKILL; forking them from a thread-pool thread would kill them when that thread retires.
/// Why posix_spawn rather than System.Diagnostics.Process: the child gets a new session (so the gateway can
/// kill its whole process group), default signal dispositions (.NET ignores SIGPIPE, which exec would
/// inherit), and stdout/stderr on one end of a socketpair, which the gateway reads with epoll instead of
/// a blocked thread per pipe.
/// </remarks>
internal sealed unsafe class ProcessSpawner : IDisposable
{
    private readonly BlockingCollection<(SpawnSpec Spec, TaskCompletionSource<SpawnedProcess> Done)> _requests = new();
    private readonly Thread _thread;
    private readonly string? _setprivPath;

    public ProcessSpawner()
    {
        _setprivPath = FindOnPath("setpriv");
        _thread = new Thread(Run) { IsBackground = true, Name = "worker-spawner" };
        _thread.Start();
    }

    /// <summary>False when util-linux's setpriv is missing: workers then outlive a gateway killed with SIGKILL
    /// (the next start still finds and kills them through the pid files in the run folder).</summary>
    public bool KillsWorkersOnGatewayDeath => _setprivPath is not null;

    public Task<SpawnedProcess> SpawnAsync(SpawnSpec spec)
    {
        var done = new TaskCompletionSource<SpawnedProcess>(TaskCreationOptions.RunContinuationsAsynchronously);
        _requests.Add((spec, done));
        return done.Task;
    }

    private void Run()
    {
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
        var argv = new List<string>(spec.Arguments.Count + 5);
        string path;
        if (_setprivPath is not null)
        {
            path = _setprivPath;
            argv.AddRange(["setpriv", "--pdeathsig", "KILL", "--", spec.ExecutablePath]);
        }
        else
        {
            path = spec.ExecutablePath;
            argv.Add(spec.ExecutablePath);
        }
        argv.AddRange(spec.Arguments);

        int* fds = stackalloc int[2];
        if (LibC.socketpair(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0, fds) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), "socketpair failed");
        }
        int parentFd = fds[0], childFd = fds[1];

        using var strings = new NativeStrings();
        byte* actions = stackalloc byte[LibC.OpaqueSize];
        byte* attr = stackalloc byte[LibC.OpaqueSize];
        byte* emptyMask = stackalloc byte[LibC.OpaqueSize];
        byte* allSignals = stackalloc byte[LibC.OpaqueSize];
        Check(LibC.posix_spawn_file_actions_init(actions), "file_actions_init");
        Check(LibC.posix_spawnattr_init(attr), "spawnattr_init");
        int pid = 0;
        int error;
        try
        {
            byte* devNull = strings.Add("/dev/null");
            Check(LibC.posix_spawn_file_actions_addopen(actions, 0, devNull, LibC.O_RDONLY, 0), "addopen");
            Check(LibC.posix_spawn_file_actions_adddup2(actions, childFd, 1), "adddup2");
            Check(LibC.posix_spawn_file_actions_adddup2(actions, childFd, 2), "adddup2");
            Check(LibC.posix_spawn_file_actions_addchdir_np(actions, strings.Add(spec.WorkingDirectory)), "addchdir");
            // Nothing of the gateway's (listening sockets, other workers' pipes) leaks into a worker.
            Check(LibC.posix_spawn_file_actions_addclosefrom_np(actions, 3), "addclosefrom");

            _ = LibC.sigemptyset(emptyMask);
            _ = LibC.sigfillset(allSignals);
            _ = LibC.sigdelset(allSignals, LibC.SIGKILL);
            _ = LibC.sigdelset(allSignals, 19 /* SIGSTOP */);
            Check(LibC.posix_spawnattr_setsigmask(attr, emptyMask), "setsigmask");
            Check(LibC.posix_spawnattr_setsigdefault(attr, allSignals), "setsigdefault");
            Check(LibC.posix_spawnattr_setflags(attr, LibC.POSIX_SPAWN_SETSID | LibC.POSIX_SPAWN_SETSIGMASK | LibC.POSIX_SPAWN_SETSIGDEF), "setflags");

            byte** argvPtr = strings.AddArray(argv);
            byte** envPtr = strings.AddArray(spec.Environment);
            error = LibC.posix_spawn(&pid, strings.Add(path), actions, attr, argvPtr, envPtr);
        }
        finally
        {
            _ = LibC.posix_spawn_file_actions_destroy(actions);
            _ = LibC.posix_spawnattr_destroy(attr);
            LibC.close(childFd);
        }

        if (error != 0)
        {
            LibC.close(parentFd);
            throw new Win32Exception(error, $"posix_spawn of {spec.ExecutablePath} failed");
        }

        int pidfd = LibC.PidfdOpen(pid);
        if (pidfd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            LibC.kill(pid, LibC.SIGKILL);
            LibC.close(parentFd);
            throw new Win32Exception(errno, "pidfd_open failed (Linux 5.4 or newer is required)");
        }

        var output = new Socket(new System.Net.Sockets.SafeSocketHandle((IntPtr)parentFd, ownsHandle: true));
        return new SpawnedProcess(pid, pidfd, output);
    }

    private static void Check(int result, string what)
    {
        if (result != 0)
        {
            throw new Win32Exception(result, "posix_spawn " + what + " failed");
        }
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

    public void Dispose() => _requests.CompleteAdding();

    /// <summary>NUL-terminated UTF-8 copies of managed strings, freed together.</summary>
    private sealed class NativeStrings : IDisposable
    {
        private readonly List<IntPtr> _allocations = [];

        public byte* Add(string value)
        {
            int max = Encoding.UTF8.GetMaxByteCount(value.Length) + 1;
            var p = (byte*)NativeMemory.Alloc((nuint)max);
            _allocations.Add((IntPtr)p);
            int n = Encoding.UTF8.GetBytes(value, new Span<byte>(p, max));
            p[n] = 0;
            return p;
        }

        public byte** AddArray(IReadOnlyList<string> values)
        {
            var array = (byte**)NativeMemory.Alloc((nuint)((values.Count + 1) * sizeof(byte*)));
            _allocations.Add((IntPtr)array);
            for (int i = 0; i < values.Count; i++)
            {
                array[i] = Add(values[i]);
            }
            array[values.Count] = null;
            return array;
        }

        public void Dispose()
        {
            foreach (var p in _allocations)
            {
                NativeMemory.Free((void*)p);
            }
        }
    }
}
