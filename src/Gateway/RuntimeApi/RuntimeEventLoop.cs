using System.ComponentModel;
using System.Runtime.InteropServices;
using Gateway.Native;

namespace Gateway.RuntimeApi;

/// <summary>
/// One thread and one epoll set for every runtime connection of the gateway (<c>--runtime-api-epoll true</c>; off by default, see docs/performance.md):
/// it waits in <c>epoll_wait</c>, and for every ready socket of the batch resumes the connection that waits on it, on this
/// thread. The connection then reads the runtime's request, completes the invocation, and the caller's HTTP response is
/// written from here too (<c>Invocation.CompleteInline</c>), before the next ready socket of the same wake-up.
/// </summary>
/// <remarks>
/// <para>Why not .NET's socket engine: it attempts every receive before it waits (a read that finds EAGAIN after every
/// delivered event: one system call per invocation, and the thread that delivered is often preempted in it), registers
/// every socket for EPOLLIN|EPOLLOUT (a Unix socket's reader wakes the writer's waiters on every read, so the worker
/// reading its event woke the gateway's event thread for nothing), and goes through its queues and async plumbing for
/// each completion. Here sockets are registered edge-triggered for input only (output only while a send waits for
/// room), and a socket is read only after epoll said it is readable.</para>
/// <para>Sockets are named in epoll by a token (slot and generation), never by a pointer: an event still in a batch
/// for a socket that has since been closed, and whose slot was reused, is recognized and dropped.</para>
/// </remarks>
internal sealed unsafe class RuntimeEventLoop
{
    private const int MaxEvents = 128;

    private static readonly Lazy<RuntimeEventLoop> s_shared = new(() => new RuntimeEventLoop(), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly int _epoll;
    private readonly object _slotsLock = new();
    private readonly Stack<int> _free = new();
    private EpollTransport?[] _slots = new EpollTransport?[64];
    private int _used;
    private uint _generation;

    private RuntimeEventLoop()
    {
        _epoll = LibC.epoll_create1(LibC.EPOLL_CLOEXEC);
        if (_epoll < 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), "epoll_create1 failed");
        }
        new Thread(Run) { IsBackground = true, Name = "runtime-api-io" }.Start();
    }

    /// <summary>The gateway's one loop, started on first use.</summary>
    public static RuntimeEventLoop Shared => s_shared.Value;

    /// <summary>Registers <paramref name="transport"/>'s socket for input (edge-triggered); returns its token.</summary>
    public long Register(EpollTransport transport, int fd)
    {
        long token;
        lock (_slotsLock)
        {
            int slot;
            if (_free.Count > 0)
            {
                slot = _free.Pop();
            }
            else
            {
                if (_used == _slots.Length)
                {
                    var grown = new EpollTransport?[_slots.Length * 2];
                    _slots.CopyTo(grown, 0);
                    Volatile.Write(ref _slots, grown);
                }
                slot = _used++;
            }
            token = ((long)++_generation << 32) | (uint)slot;
            transport.Token = token;
            Volatile.Write(ref _slots[slot], transport);
        }
        if (Control(LibC.EPOLL_CTL_ADD, fd, token, wantWrite: false) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            Release(token);
            throw new Win32Exception(errno, "epoll_ctl(ADD) failed");
        }
        return token;
    }

    /// <summary>Input only, or input and output (while a send waits for room). Re-evaluates readiness: an event is
    /// queued at once for a direction that is ready now.</summary>
    public void Modify(int fd, long token, bool wantWrite) => Control(LibC.EPOLL_CTL_MOD, fd, token, wantWrite);

    /// <summary>Takes the socket out of the set (before it is closed) and frees its slot.</summary>
    public void Unregister(int fd, long token)
    {
        byte* ev = stackalloc byte[16];
        LibC.epoll_ctl(_epoll, LibC.EPOLL_CTL_DEL, fd, ev);
        Release(token);
    }

    private void Release(long token)
    {
        int slot = (int)(uint)token;
        lock (_slotsLock)
        {
            if (_slots[slot] is { } t && t.Token == token)
            {
                Volatile.Write(ref _slots[slot], null);
                _free.Push(slot);
            }
        }
    }

    private int Control(int op, int fd, long token, bool wantWrite)
    {
        byte* ev = stackalloc byte[16];
        *(uint*)ev = LibC.EPOLLIN | LibC.EPOLLRDHUP | LibC.EPOLLET | (wantWrite ? LibC.EPOLLOUT : 0);
        *(long*)(ev + LibC.EpollDataOffset) = token;
        return LibC.epoll_ctl(_epoll, op, fd, ev);
    }

    private void Run()
    {
        int size = LibC.EpollEventSize;
        int offset = LibC.EpollDataOffset;
        byte* events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * size));
        while (true)
        {
            int n = LibC.epoll_wait(_epoll, events, MaxEvents, -1);
            if (n < 0)
            {
                if (Marshal.GetLastPInvokeError() == LibC.EINTR)
                {
                    continue; // NativeAOT suspends threads for a GC with a signal
                }
                Console.Error.WriteLine($"[gateway] Runtime API event loop: epoll_wait failed ({Marshal.GetLastPInvokeError()})");
                return;
            }
            var slots = Volatile.Read(ref _slots);
            for (int i = 0; i < n; i++)
            {
                byte* ev = events + i * size;
                uint flags = *(uint*)ev;
                long token = *(long*)(ev + offset);
                int slot = (int)(uint)token;
                if (slot >= slots.Length)
                {
                    slots = Volatile.Read(ref _slots); // grown since this batch began
                }
                var transport = slot < slots.Length ? Volatile.Read(ref slots[slot]) : null;
                if (transport is null || transport.Token != token)
                {
                    continue; // closed since the event was queued (and perhaps its slot reused)
                }
                try
                {
                    transport.OnEvents(flags);
                }
                catch (Exception ex)
                {
                    // A continuation run here threw past its own handling: a bug. Never let it stop every connection.
                    Console.Error.WriteLine($"[gateway] Runtime API event loop: {ex}");
                }
            }
        }
    }
}
