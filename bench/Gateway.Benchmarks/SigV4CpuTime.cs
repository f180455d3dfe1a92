using System.Globalization;
using System.Runtime.InteropServices;

namespace Gateway.Benchmarks;

/// <summary>
/// <c>--sigv4-cpu-time [ROUNDS] [OPS]</c>: <see cref="SigV4VerificationBenchmarks"/>' rows timed in this thread's own
/// CPU time (<c>CLOCK_THREAD_CPUTIME_ID</c>), not wall-clock time. On a box shared by many builds, BenchmarkDotNet's
/// wall-clock rows swing with every preemption (an "Unsigned" of 2 µs reads 10–17 µs at load 20); the thread's CPU
/// time leaves out the time the thread was not running, so what verification costs stays visible. The rows run in
/// turns, OPS operations each, ROUNDS times; it prints the median ns per operation of each row and of
/// Verify − Unsigned and Verify − SignedUnverified, and VerifyBuffered − SignedUnverifiedBuffered: the same with the
/// body already all in a pipe, as Kestrel holds a 64 B invoke's body (decided before the endpoint reads it, BufferedBody).
/// Every operation must complete synchronously (on this thread),
/// else its CPU would be missed: the run counts and reports any that did not.
/// </summary>
internal static class SigV4CpuTime
{
    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    public static long ThreadCpuNanoseconds()
    {
        const int ClockThreadCpuTimeId = 3;
        if (ClockGetTime(ClockThreadCpuTimeId, out var time) != 0)
        {
            throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
        }
        return time.Seconds * 1_000_000_000 + time.Nanoseconds;
    }

    public static int Run(string[] args)
    {
        int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 25;
        int ops = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20_000;
        var bench = new SigV4VerificationBenchmarks();
        bench.Setup();
        var rows = new (string Name, Func<Task<int>> Operation)[]
        {
            ("Unsigned", bench.Unsigned),
            ("SignedUnverified", bench.SignedUnverified),
            ("Verify", bench.Verify),
            ("SignedUnverifiedBuffered", bench.SignedUnverifiedBuffered),
            ("VerifyBuffered", bench.VerifyBuffered),
        };
        var samples = rows.Select(_ => new List<double>()).ToArray();
        long asynchronous = 0;
        for (int round = -3; round < rounds; round++) // three warm-up rounds (tiering) not counted
        {
            for (int r = 0; r < rows.Length; r++)
            {
                int row = round % 2 == 0 ? r : rows.Length - 1 - r; // alternate the order
                var operation = rows[row].Operation;
                long start = ThreadCpuNanoseconds();
                for (int i = 0; i < ops; i++)
                {
                    var task = operation();
                    if (!task.IsCompleted)
                    {
                        asynchronous++;
                    }
                    if (task.GetAwaiter().GetResult() != 1)
                    {
                        throw new InvalidOperationException(rows[row].Name + " did not succeed");
                    }
                }
                long elapsed = ThreadCpuNanoseconds() - start;
                if (round >= 0)
                {
                    samples[row].Add((double)elapsed / ops);
                }
            }
        }
        static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        }
        for (int r = 0; r < rows.Length; r++)
        {
            var sorted = samples[r].Order().ToArray();
            Console.WriteLine($"ROW {rows[r].Name,-24} median={Median(sorted),8:F0} ns/op  p25={sorted[sorted.Length / 4],8:F0}  p75={sorted[sorted.Length * 3 / 4],8:F0}");
        }
        var verifyMinusUnsigned = samples[2].Zip(samples[0], (v, u) => v - u).ToArray();
        var verifyMinusSigned = samples[2].Zip(samples[1], (v, s) => v - s).ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"SUMMARY verify_minus_unsigned_ns median={Median(verifyMinusUnsigned):F0} verify_minus_signed_unverified_ns median={Median(verifyMinusSigned):F0} buffered_verify_minus_signed_unverified_ns median={Median(samples[4].Zip(samples[3], (v, s) => v - s)):F0} rounds={rounds} ops={ops} not_synchronous={asynchronous} load={File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
        return asynchronous == 0 ? 0 : 1;
    }
}
