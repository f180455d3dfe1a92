using System.Globalization;
using Gateway.Native;
using Microsoft.Win32.SafeHandles;

namespace Gateway.Environments;

/// <summary>
/// The bootstrap process of one execution environment and what the gateway keeps beside it: its private tmp folder,
/// its pid file, a handle on its /proc status (for peak memory), and the watch on its exit.
/// </summary>
internal sealed class WorkerProcess
{
    private readonly EnvironmentServices _services;
    private readonly string _id;
    private readonly string _label;
    private readonly object _lock = new();
    private SpawnedProcess? _process;
    private bool _killRequested;
    private int _generation; // bumped by ResetForRetry: which attempt's process Kill(generation) means
    private bool _frozen; // the process group is SIGSTOPped (Freeze) until Thaw
    private SafeFileHandle? _procStatus;
    private string? _pidFile;
    private readonly bool _measureChild;
    private long _inheritedMaxRssKb; // the gateway's peak when this process was spawned (see WithoutInheritedPeak)

    /// <param name="label">Names the environment in the gateway's own error messages.</param>
    /// <param name="measureChild">The spawned process is bubblewrap, which stays as the parent of the function's process:
    /// peak memory is read from that child's /proc status.</param>
    public WorkerProcess(EnvironmentServices services, string id, string label, bool measureChild = false)
    {
        _services = services;
        _id = id;
        _label = label;
        _measureChild = measureChild;
    }

    public int? Pid => Volatile.Read(ref _process)?.Pid;

    /// <summary>Starts the process. Throws when it could not be started; a <see cref="Kill"/> that came first is
    /// carried out as soon as there is a process.</summary>
    public async Task SpawnAsync(SpawnSpec spec)
    {
        var process = await _services.Spawner.SpawnAsync(spec).ConfigureAwait(false);
        Volatile.Write(ref _inheritedMaxRssKb, LibC.SelfMaxRssKb()); // after the exec: at least what the child inherited
        bool kill;
        // Under the lock with Kill: either Kill sees the process, or this sees the request (never neither).
        lock (_lock)
        {
            _process = process;
            kill = _killRequested;
        }
        if (kill)
        {
            KillGroup(process.Pid); // stopped while the spawn was in flight
        }
    }

    /// <summary>Writes the pid file, opens /proc status and watches for the exit (which <paramref name="onExit"/>
    /// reports). A setup failure stops the process; its exit still ends the rest.</summary>
    public void Watch(Action<ChildExit> onExit)
    {
        var process = _process ?? throw new InvalidOperationException("Watch before a successful SpawnAsync.");
        try
        {
            // Synchronous and small: the pid file lets the next start kill this worker if the gateway dies uncleanly.
            _pidFile = Path.Combine(_services.RunDirectory, _id + ".pid");
            File.WriteAllText(_pidFile, process.Pid.ToString(CultureInfo.InvariantCulture));
            // bwrap's child may not exist yet: found at the first read (an invocation has run by then).
            _procStatus = _measureChild ? null : OpenProcStatus(process.Pid);
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"[gateway] {_label} could not be set up: {ex.Message}");
            Kill();
        }
        _services.Reaper.Watch(process.PidFd, exit => onExit(WithoutInheritedPeak(exit)));
    }

    /// <summary>Where the process tree's own peak can be read when the exit's is not its own (the environment's cgroup,
    /// <see cref="Containment.EnvironmentContainment.PeakMemoryKb"/>): kilobytes, 0 when unknown.</summary>
    public Func<long>? OwnPeakMemoryKb { get; init; }

    /// <summary>
    /// The exit's ru_maxrss, unless it may be the gateway's rather than the function's. The spawn shim's vfork-style
    /// clone shares the gateway's memory until the exec, and the kernel keeps the old memory's high-water mark in the
    /// process's maxrss across an exec: a crashed function reported the gateway's 50–70 MB (bwrap, the process spawned
    /// under it, inherits it the same way). A figure above the gateway's own peak at the spawn (B) can only be the process
    /// tree's. One at or below it says only that the tree's is at most B: then the environment's cgroup peak, capped at B,
    /// stands in (0 without one: the REPORT keeps the peak read from /proc while the process ran).
    /// </summary>
    private ChildExit WithoutInheritedPeak(ChildExit exit)
    {
        long inherited = Volatile.Read(ref _inheritedMaxRssKb);
        return exit.MaxRssKb > inherited ? exit : exit with { MaxRssKb = Math.Min(OwnPeakMemoryKb?.Invoke() ?? 0, inherited) };
    }

    /// <summary>Which process this is: 0 for the first, one more for the init retry's (<see cref="ResetForRetry"/>).</summary>
    public int Generation
    {
        get
        {
            lock (_lock)
            {
                return _generation;
            }
        }
    }

    /// <summary>Kills the process group (the bootstrap and anything it started), now or as soon as it is spawned.</summary>
    public void Kill() => Kill(generation: -1);

    /// <summary>As <see cref="Kill()"/>, but only while the process is still <paramref name="generation"/>'s (-1: any):
    /// a late kill meant for a failed init's process must not reach, or be left pending for, the retry's.</summary>
    public void Kill(int generation)
    {
        SpawnedProcess? process;
        bool exited;
        lock (_lock)
        {
            if (generation >= 0 && generation != _generation)
            {
                return;
            }
            _killRequested = true;
            process = _process;
            exited = _exited;
        }
        if (process is null)
        {
            return;
        }
        if (exited)
        {
            LibC.kill(-process.Pid, LibC.SIGKILL); // what is left of the group; never the pid alone, which may be reused
        }
        else
        {
            KillGroup(process.Pid);
        }
    }

    /// <summary>
    /// Freezes the idle environment as AWS does between invocations: SIGSTOP to the process group (the runtime, its
    /// extensions and what they started), so a timer or a background thread the function left does not run until the
    /// next invocation (<see cref="Thaw"/>). A signal, not the cgroup freezer: cgroup v1's frozen tasks ignore SIGKILL until
    /// thawed, and a stopped process still dies of one (the spawn shim's parent-death signal when the gateway is killed,
    /// a timeout's or a shutdown's kill). A waiting parent does not see the stop: it is stopped with its children, and
    /// only waitpid with WUNTRACED (a shell with job control) reports stops. Nothing when the process has exited, a kill
    /// was asked for, or it is frozen already.
    /// </summary>
    public void Freeze()
    {
        lock (_lock)
        {
            if (_process is { } process && !_exited && !_killRequested && !_frozen && LibC.kill(-process.Pid, LibC.SIGSTOP) == 0)
            {
                _frozen = true;
            }
        }
    }

    /// <summary>Undoes <see cref="Freeze"/> (SIGCONT to the group); nothing when not frozen. Cheap when not frozen: the
    /// dispatch of every invocation calls it.</summary>
    public void Thaw()
    {
        if (!Volatile.Read(ref _frozen))
        {
            return;
        }
        lock (_lock)
        {
            ThawLocked();
        }
    }

    private void ThawLocked()
    {
        if (_frozen)
        {
            _frozen = false;
            if (_process is { } process)
            {
                LibC.kill(-process.Pid, LibC.SIGCONT);
            }
        }
    }

    /// <summary>
    /// Sends <paramref name="signal"/> to the function's process alone, not its group: the gateway's process (with
    /// extensions, the launcher has exec'd the runtime, so the pid is the runtime's) or, under bwrap, bwrap's child
    /// (bwrap does not pass a SIGTERM on: it would die of it, and --die-with-parent would SIGKILL the runtime). The
    /// group also holds the extensions, which Lambda does not signal: they get SHUTDOWN. False when there is no process
    /// to signal: it has exited, or (under bwrap) its child is not there.
    /// </summary>
    public bool SignalRuntime(int signal)
    {
        lock (_lock)
        {
            // Under the lock with MarkExited: a pid already marked exited may belong to another process.
            if (_process is not { } process || _exited)
            {
                return false;
            }
            ThawLocked(); // a stopped process would act on a SIGTERM only once continued
            int target = _measureChild ? OnlyChild(process.Pid) : process.Pid;
            return target > 0 && LibC.kill(target, signal) == 0;
        }
    }

    /// <summary>The process has exited and been reaped: from now on its pid may belong to another process, so a kill
    /// reaches only its process group. Returns whether the gateway had asked for the kill (a Stop, a timeout).</summary>
    public bool MarkExited()
    {
        lock (_lock)
        {
            _exited = true;
            ThawLocked(); // what the process left in its group (SIGKILLed from outside while frozen) goes on, or exits
            return _killRequested;
        }
    }

    private bool _exited;

    /// <summary>
    /// After the exit of an init that is retried: forgets that process (reaped, its pidfd closed by the reaper, what was
    /// left of its group killed by the caller) so that <see cref="SpawnAsync"/> can start the retry's in the same
    /// environment; <see cref="Watch"/> then rewrites the pid file. A kill asked for before this reached the old process.
    /// </summary>
    public void ResetForRetry()
    {
        lock (_lock)
        {
            _process = null;
            _killRequested = false;
            _exited = false;
            _frozen = false;
            _generation++;
        }
        Interlocked.Exchange(ref _procStatus, null)?.Dispose();
    }

    /// <summary>
    /// Peak resident set size (VmHWM) of the bootstrap, in MB rounded up; 0 when it cannot be read (not started, gone).
    /// VmHWM is a high-water mark: a later read still sees an earlier peak.
    /// </summary>
    public int ReadPeakMemoryMb()
    {
        var handle = _procStatus;
        if (handle is null && _measureChild && Volatile.Read(ref _process) is { } process)
        {
            // Two reports may race here: one handle wins, the other is closed.
            var opened = OpenChildProcStatus(process.Pid);
            handle = Interlocked.CompareExchange(ref _procStatus, opened, null) ?? opened;
            if (!ReferenceEquals(handle, opened))
            {
                opened?.Dispose();
            }
        }
        if (handle is null || handle.IsClosed)
        {
            return 0;
        }
        try
        {
            Span<byte> buffer = stackalloc byte[2048];
            int n = RandomAccess.Read(handle, buffer, 0);
            return ProcStatus.TryReadPeakKb(buffer[..n], out long kb) ? (int)((kb + 1023) / 1024) : 0;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            return 0; // the process is gone
        }
    }

    /// <summary>After the exit: closes the /proc handle and deletes the pid file (the environment's /tmp is its
    /// <see cref="TmpVolume"/>'s). Throws <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> when a
    /// file cannot be removed.</summary>
    public void CleanUp()
    {
        _procStatus?.Dispose();
        if (_pidFile is not null)
        {
            File.Delete(_pidFile);
        }
    }

    private static void KillGroup(int pid)
    {
        if (LibC.kill(-pid, LibC.SIGKILL) != 0)
        {
            LibC.kill(pid, LibC.SIGKILL);
        }
    }

    /// <summary>The status of <paramref name="pid"/>'s only child (the function's process under bwrap), or null.</summary>
    private static SafeFileHandle? OpenChildProcStatus(int pid) => OnlyChild(pid) is > 0 and int child ? OpenProcStatus(child) : null;

    /// <summary><paramref name="pid"/>'s first child (bwrap has one: the function's process), or 0.</summary>
    private static int OnlyChild(int pid)
    {
        try
        {
            var children = File.ReadAllText($"/proc/{pid}/task/{pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return children.Length > 0 && int.TryParse(children[0], CultureInfo.InvariantCulture, out int child) ? child : 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private static SafeFileHandle? OpenProcStatus(int pid)
    {
        try
        {
            return File.OpenHandle($"/proc/{pid}/status");
        }
        catch (IOException)
        {
            return null;
        }
    }
}
