using System.Runtime.InteropServices;

namespace Gateway.LoadTests;

/// <summary>The three epoll(7) calls the lean engine needs (level-triggered, read readiness only).</summary>
internal static partial class Epoll
{
    public const uint In = 0x001;
    private const int CtlAdd = 1;
    private const int CtlDel = 2;
    private const int CloExec = 0x80000;

    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    public struct Event
    {
        public uint Events;
        public ulong Data;   // the connection's index
    }

    public static int Create()
    {
        int fd = Create1(CloExec);
        return fd >= 0 ? fd : throw new InvalidOperationException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public static void Add(int epoll, int fd, ulong data)
    {
        var ev = new Event { Events = In, Data = data };
        if (Ctl(epoll, CtlAdd, fd, ref ev) != 0)
        {
            throw new InvalidOperationException($"epoll_ctl(ADD) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public static void Remove(int epoll, int fd)
    {
        var ev = default(Event);
        _ = Ctl(epoll, CtlDel, fd, ref ev);
    }

    public static unsafe int Wait(int epoll, Span<Event> events, int timeoutMilliseconds)
    {
        fixed (Event* p = events)
        {
            int n = WaitNative(epoll, p, events.Length, timeoutMilliseconds);
            return n >= 0 ? n : 0;   // EINTR: nothing ready
        }
    }

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static partial int Create1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static partial int Ctl(int epoll, int op, int fd, ref Event ev);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static unsafe partial int WaitNative(int epoll, Event* events, int max, int timeout);
}
