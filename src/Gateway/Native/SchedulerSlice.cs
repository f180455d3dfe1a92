using System.Runtime.InteropServices;

namespace Gateway.Native;

/// <summary>
/// A custom scheduler slice (EEVDF, Linux 6.12+: <c>sched_setattr(2)</c> with <c>sched_runtime</c> on a SCHED_OTHER or
/// SCHED_BATCH thread). A thread that asks for a shorter slice gets an earlier virtual deadline when it wakes, so it
/// runs sooner on a busy core instead of waiting for the running thread's slice to end (the kernel's default, 0.75 ms
/// times 1 + log2 of the processors), without running longer or getting a larger share. Issue 15: the open-loop tail.
/// </summary>
/// <remarks>A slice is a thread's and is inherited by the threads and processes it starts (unless reset on fork).
/// Kernels before 6.12 ignore <c>sched_runtime</c> for these policies (the call still succeeds) or refuse the larger
/// struct; either way the thread keeps the kernel's slice, and <see cref="TrySet"/> says whether it took.</remarks>
internal static unsafe partial class SchedulerSlice
{
    [StructLayout(LayoutKind.Sequential)]
    private struct SchedAttr
    {
        public uint Size;
        public uint Policy;
        public ulong Flags;
        public int Nice;
        public uint Priority;
        public ulong Runtime;
        public ulong Deadline;
        public ulong Period;
        public uint UtilMin;
        public uint UtilMax;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall4(long number, long a1, long a2, long a3, long a4);

    private static long SetAttrNumber => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 274 : 314;
    private static long GetAttrNumber => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 275 : 315;

    /// <summary>The kernel's bounds for a requested slice (0.1–100 ms).</summary>
    public const int MinMicroseconds = 100;
    public const int MaxMicroseconds = 100_000;

    /// <summary>Sets thread <paramref name="tid"/>'s slice (0: the calling thread), keeping its policy and nice value;
    /// <paramref name="policy"/> replaces the policy when given. False when the kernel refused.</summary>
    public static bool TrySet(int tid, int microseconds, int? policy = null)
    {
        var attr = default(SchedAttr);
        if (Syscall4(GetAttrNumber, tid, (long)&attr, sizeof(SchedAttr), 0) != 0)
        {
            return false;
        }
        attr.Size = (uint)sizeof(SchedAttr);
        attr.Flags = 0;
        attr.Runtime = (ulong)microseconds * 1000;
        if (policy is { } p)
        {
            attr.Policy = (uint)p;
        }
        return Syscall4(SetAttrNumber, tid, (long)&attr, 0, 0) == 0;
    }

    /// <summary>The thread's slice as the kernel reports it, in microseconds (null when it cannot be read).</summary>
    public static long? Get(int tid)
    {
        var attr = default(SchedAttr);
        return Syscall4(GetAttrNumber, tid, (long)&attr, sizeof(SchedAttr), 0) == 0 ? (long)(attr.Runtime / 1000) : null;
    }

    /// <summary>Sets the slice of every thread of this process that exists now (threads started later inherit it from
    /// the thread that starts them). Returns how many took it.</summary>
    public static int SetForProcess(int microseconds)
    {
        int set = 0;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            if (int.TryParse(Path.GetFileName(task), out int tid) && TrySet(tid, microseconds))
            {
                set++;
            }
        }
        return set;
    }
}
