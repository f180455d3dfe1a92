using System.Runtime.InteropServices;

namespace Gateway.LoadTests;

/// <summary>Sub-millisecond sleeps for the open-loop pacers: Task.Delay and Thread.Sleep have millisecond granularity.</summary>
internal static partial class PreciseSleep
{
    public static void Nanos(long nanos)
    {
        var request = new Timespec { Seconds = nanos / 1_000_000_000, Nanoseconds = nanos % 1_000_000_000 };
        _ = NanoSleep(ref request, IntPtr.Zero);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "nanosleep")]
    private static partial int NanoSleep(ref Timespec request, IntPtr remaining);
}
