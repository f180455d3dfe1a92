using System.Runtime.InteropServices;

namespace Gateway.Native;

/// <summary>
/// The few libc calls the gateway needs to own its worker processes: posix_spawn (so stdio, session and
/// environment are set up between fork and exec without running managed code in the child), socketpair
/// (stdio the gateway can read asynchronously), and pidfd + epoll (exit notifications without reaping
/// anybody else's children). Linux only; pidfd needs kernel 5.4+, addclosefrom_np glibc 2.34+.
/// </summary>
internal static unsafe partial class LibC
{
    private const string Lib = "libc";

    public const int AF_UNIX = 1;
    public const int SOCK_STREAM = 1;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int O_RDONLY = 0;
    public const int O_CLOEXEC = 0x80000;
    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;
    public const uint EPOLLIN = 0x001;
    public const int P_PIDFD = 3;
    public const int WEXITED = 4;
    public const int WNOHANG = 1;
    public const int CLD_EXITED = 1;
    public const int CLD_KILLED = 2;
    public const int CLD_DUMPED = 3;
    public const int EINTR = 4;
    public const int ESRCH = 3;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int SIGCONT = 18;
    public const int SIGSTOP = 19;
    public const short POSIX_SPAWN_SETSIGDEF = 0x04;
    public const short POSIX_SPAWN_SETSIGMASK = 0x08;
    public const short POSIX_SPAWN_SETSID = 0x80;

    /// <summary>Opaque glibc structures are smaller than this (file actions 80 B, attr 336 B, sigset 128 B).</summary>
    public const int OpaqueSize = 512;

    public const int SCHED_BATCH = 3;

    /// <summary>struct sched_param: only the priority (0 for SCHED_OTHER and SCHED_BATCH).</summary>
    public struct SchedParam
    {
        public int Priority;
    }

    /// <summary>pid 0: the calling thread (Linux applies a policy per thread).</summary>
    [LibraryImport(Lib, SetLastError = true)]
    public static partial int sched_setscheduler(int pid, int policy, SchedParam* param);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int socketpair(int domain, int type, int protocol, int* sv);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int kill(int pid, int sig);

    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_init(void* actions);

    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_destroy(void* actions);

    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_adddup2(void* actions, int fd, int newfd);

    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_addopen(void* actions, int fd, byte* path, int oflag, int mode);

    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_addchdir_np(void* actions, byte* path);

    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_addclosefrom_np(void* actions, int from);

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_init(void* attr);

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_destroy(void* attr);

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_setflags(void* attr, short flags);

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_setsigmask(void* attr, void* sigmask);

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_setsigdefault(void* attr, void* sigdefault);

    [LibraryImport(Lib)]
    public static partial int sigemptyset(void* set);

    [LibraryImport(Lib)]
    public static partial int sigfillset(void* set);

    [LibraryImport(Lib)]
    public static partial int sigdelset(void* set, int signum);

    [LibraryImport(Lib)]
    public static partial int posix_spawn(int* pid, byte* path, void* fileActions, void* attr, byte** argv, byte** envp);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial long syscall(long number, long a1, long a2);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int waitid(int idtype, int id, void* infop, int options);

    [LibraryImport(Lib, EntryPoint = "syscall", SetLastError = true)]
    private static partial long syscall5(long number, long a1, long a2, long a3, long a4, long a5);

    [LibraryImport(Lib, SetLastError = true)]
    private static partial int getrusage(int who, void* usage);

    /// <summary>Reserves the blocks of [offset, offset + length) of a file (growing it): 0, or the error number (it does
    /// not set errno). glibc emulates it where the file system cannot.</summary>
    [LibraryImport(Lib)]
    public static partial int posix_fallocate(int fd, long offset, long length);

    /// <summary>The gateway's own ru_maxrss (kilobytes): the largest resident set it has had; 0 when unknown.</summary>
    public static long SelfMaxRssKb()
    {
        byte* usage = stackalloc byte[RusageSize];
        return getrusage(0 /* RUSAGE_SELF */, usage) == 0 ? *(long*)(usage + RusageMaxRssOffset) : 0;
    }

    /// <summary>struct rusage's size on 64-bit Linux, and where its ru_maxrss (kilobytes) is: after two timevals.</summary>
    public const int RusageSize = 144;
    public const int RusageMaxRssOffset = 32;

    /// <summary>
    /// waitid(2) as the kernel has it, with the fifth argument glibc's wrapper leaves out: the reaped child's resource
    /// usage, whose ru_maxrss is the largest resident set of the child and of every descendant it reaped itself (the
    /// function's process under bwrap). Returns 0 or -1 (errno) like waitid.
    /// </summary>
    public static int WaitidWithUsage(int idtype, int id, void* infop, int options, void* rusage)
    {
        long number = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 95 : 247; // SYS_waitid
        return (int)syscall5(number, idtype, id, (long)infop, options, (long)rusage);
    }

    /// <summary>
    /// The st_mode (type and permission bits) of <paramref name="path"/>, following links, through statx(2) (its struct
    /// is the same on every architecture: stx_mode is the u16 at offset 0x1C): <see cref="NoSuchFile"/> when the path
    /// leads nowhere (ENOENT, ENOTDIR, ELOOP), <see cref="UnknownFileMode"/> when it cannot be told (another error, a
    /// kernel or sandbox without statx, an architecture whose number is not known here). .NET has no public call for a
    /// file's type, and opening a FIFO to find out would block.
    /// </summary>
    public static int FileMode(string path)
    {
        const int AtFdCwd = -100, StatxType = 1, StatxMode = 2, StatxSize = 256, ModeOffset = 0x1C;
        const int ENOENT = 2, ENOTDIR = 20, ELOOP = 40;
        long number = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 332,
            Architecture.Arm64 => 291,
            _ => 0,
        };
        if (number == 0)
        {
            return UnknownFileMode;
        }
        var name = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        byte* buffer = stackalloc byte[StatxSize];
        fixed (byte* pointer = name)
        {
            if (syscall5(number, AtFdCwd, (long)pointer, 0, StatxType | StatxMode, (long)buffer) != 0)
            {
                return Marshal.GetLastPInvokeError() is ENOENT or ENOTDIR or ELOOP ? NoSuchFile : UnknownFileMode;
            }
        }
        return *(ushort*)(buffer + ModeOffset);
    }

    /// <summary>S_IFMT: the file type bits of a mode.</summary>
    public const int FileTypeMask = 0xF000;

    /// <summary>S_IFREG: a regular file.</summary>
    public const int RegularFile = 0x8000;

    /// <summary><see cref="FileMode"/>: the path leads nowhere.</summary>
    public const int NoSuchFile = -1;

    /// <summary><see cref="FileMode"/>: the mode could not be read.</summary>
    public const int UnknownFileMode = -2;

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int epoll_create1(int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int epoll_ctl(int epfd, int op, int fd, void* ev);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int epoll_wait(int epfd, void* events, int maxevents, int timeout);

    /// <summary>pidfd_open(2) through syscall(2): glibc only wraps it from 2.36 on. Same number on x64 and arm64.</summary>
    public static int PidfdOpen(int pid) => (int)syscall(434, pid, 0);

    /// <summary>epoll_event is packed (12 bytes) on x86-64 and naturally aligned (16 bytes) elsewhere.</summary>
    public static int EpollEventSize => RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    public static int EpollDataOffset => RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;
}
