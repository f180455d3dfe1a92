using System.Collections.Concurrent;
using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Gateway.Native;

/// <summary>
/// Waits for worker processes to exit and reaps them, one dedicated thread for all of them.
/// </summary>
/// <remarks>
/// Each worker's pidfd is registered with one epoll set; when a pidfd turns readable its process has exited,
/// and <c>waitid(P_PIDFD)</c> reaps exactly that child. Unlike <c>waitpid(-1)</c> this never steals the exit
/// status of a process someone else in this process started (tests host the gateway next to
/// System.Diagnostics.Process children).
/// </remarks>
internal sealed unsafe class ChildReaper : IDisposable
{
    private readonly int _epoll;
    private readonly ConcurrentDictionary<int, Action<ChildExit>> _waiters = new();
    private readonly Thread _thread;

    public ChildReaper()
    {
        _epoll = LibC.epoll_create1(LibC.EPOLL_CLOEXEC);
        if (_epoll < 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), "epoll_create1 failed");
        }
        _thread = new Thread(Run) { IsBackground = true, Name = "worker-reaper" };
        _thread.Start();
    }

    /// <summary>Calls <paramref name="onExit"/> (on the thread pool) once the process behind <paramref name="pidfd"/> exits.
    /// The reaper owns and closes the pidfd.</summary>
    public void Watch(int pidfd, Action<ChildExit> onExit)
    {
        _waiters[pidfd] = onExit;
        byte* ev = stackalloc byte[16];
        *(uint*)ev = LibC.EPOLLIN;
        *(long*)(ev + LibC.EpollDataOffset) = pidfd;
        if (LibC.epoll_ctl(_epoll, LibC.EPOLL_CTL_ADD, pidfd, ev) != 0)
        {
            _waiters.TryRemove(pidfd, out _);
            throw new Win32Exception(Marshal.GetLastPInvokeError(), "epoll_ctl failed");
        }
    }

    private void Run()
    {
        const int MaxEvents = 64;
        int size = LibC.EpollEventSize;
        byte* events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * size));
        byte* info = stackalloc byte[128];
        byte* usage = stackalloc byte[LibC.RusageSize];
        while (true)
        {
            int n = LibC.epoll_wait(_epoll, events, MaxEvents, -1);
            if (n < 0)
            {
                if (Marshal.GetLastPInvokeError() == LibC.EINTR)
                {
                    continue;
                }
                return; // epoll closed: the gateway is shutting down.
            }
            for (int i = 0; i < n; i++)
            {
                int pidfd = (int)*(long*)(events + i * size + LibC.EpollDataOffset);
                new Span<byte>(info, 128).Clear();
                new Span<byte>(usage, LibC.RusageSize).Clear();
                ChildExit exit;
                int result;
                do
                {
                    // A signal (NativeAOT suspends threads for GC with one) interrupts waitid: retry, or a live
                    // worker would be reported as exited and its environment torn down under it. WNOHANG: this
                    // thread must never block on one child while others exit.
                    result = LibC.WaitidWithUsage(LibC.P_PIDFD, pidfd, info, LibC.WEXITED | LibC.WNOHANG, usage);
                }
                while (result != 0 && Marshal.GetLastPInvokeError() == LibC.EINTR);
                int pid = *(int*)(info + 16); // siginfo_t.si_pid: 0 when WNOHANG found the child still running
                if (result == 0 && pid == 0)
                {
                    continue; // not exited (a spurious wake-up): keep watching
                }
                if (result == 0)
                {
                    // siginfo_t: si_code at 8, si_status at 24 (x86-64 and arm64 alike).
                    int code = *(int*)(info + 8);
                    int status = *(int*)(info + 24);
                    exit = new ChildExit(code is LibC.CLD_KILLED or LibC.CLD_DUMPED, status, *(long*)(usage + LibC.RusageMaxRssOffset));
                }
                else
                {
                    exit = new ChildExit(false, -1);
                }
                // Out of the epoll set explicitly: closing is not enough while a child being spawned (between its
                // fork and its exec) still holds a copy of this descriptor, and a stale entry would keep firing
                // under a number the next worker's pidfd may reuse.
                LibC.epoll_ctl(_epoll, LibC.EPOLL_CTL_DEL, pidfd, null);
                // Take the waiter before closing: once closed, the number can be reused at once by a worker spawned on
                // another thread, whose Watch would then be removed here and told of this exit (its environment torn
                // down while its process lived on: seen as "Couldn't connect" from runtimes during a deploy under load).
                _waiters.TryRemove(pidfd, out var onExit);
                LibC.close(pidfd); // also removes it from the epoll set
                if (onExit is not null)
                {
                    ThreadPool.UnsafeQueueUserWorkItem(static s => s.OnExit(s.Exit), (OnExit: onExit, Exit: exit), preferLocal: false);
                }
            }
        }
    }

    public void Dispose() => LibC.close(_epoll);
}
