using System.Runtime.InteropServices;

namespace Gateway.Native;

// The socket calls of the Runtime API's own event loop (RuntimeApi/RuntimeEventLoop.cs): non-blocking per call
// (MSG_DONTWAIT), so the descriptor's own flags, which .NET's Socket keeps track of, are never changed.
internal static unsafe partial class LibC
{
    public const int EPOLL_CTL_MOD = 3;
    public const uint EPOLLOUT = 0x004;
    public const uint EPOLLERR = 0x008;
    public const uint EPOLLHUP = 0x010;
    public const uint EPOLLRDHUP = 0x2000;
    public const uint EPOLLET = 1u << 31;
    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_NOSIGNAL = 0x4000;
    public const int EAGAIN = 11;

    /// <summary>struct iovec.</summary>
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary>struct msghdr (64-bit Linux layout: natural alignment, as C lays it out).</summary>
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint send(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint sendmsg(int fd, MsgHdr* message, int flags);
}
