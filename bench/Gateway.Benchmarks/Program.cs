using BenchmarkDotNet.Running;

namespace Gateway.Benchmarks;

/// <summary>
/// Entry point: every BenchmarkDotNet command-line option works, for example
/// <c>dotnet run -c Release --project bench/Gateway.Benchmarks -- --filter '*'</c> (full run),
/// <c>... -- --filter '*' --job short</c> (a few iterations: times good enough for ratios), and
/// <c>... -- --filter '*' --fast</c> (the allocation check's job, see <see cref="FastArguments"/>).
/// Every class carries its own settings as attributes (<c>[MemoryDiagnoser, GcServer(false), GcConcurrent(false)]</c>:
/// workstation, non-concurrent GC, STYLE.md item 17); the GC attributes are job mutators, so they hold for
/// whatever job the command line picks.
/// </summary>
public static class Program
{
    /// <summary>
    /// What <c>--fast</c> stands for: one launch, one warmup and one measured iteration of a fixed 16384
    /// operations. Allocation counts are exact whatever the iteration count, but BenchmarkDotNet 0.14 does not
    /// know .NET 10 and so treats it like .NET Core 2.0, reporting 0 for any iteration that allocated no more
    /// than one 8 KB allocation quantum in total: 16384 operations make 1 B/op visible. Tiered compilation is
    /// off so that the measured code is fully optimized from the first call, as the native-AOT gateway is,
    /// and allocation counts do not depend on when tier-1 code arrives. Times from this mode are rough.
    /// The build timeout is 10 minutes instead of BenchmarkDotNet's 2: its generated project rebuilds the gateway, and on
    /// two cores shared with other builds that alone took longer than 2 minutes (load average 20), failing the check.
    /// </summary>
    public static readonly string[] FastArguments =
    [
        "--launchCount", "1", "--warmupCount", "1", "--iterationCount", "1",
        "--invocationCount", "16384", "--unrollFactor", "16",
        "--envVars", "DOTNET_TieredCompilation:0",
        "--buildTimeout", "600",
    ];

    /// <summary>
    /// <c>--fast-in-process</c>: the same counts without BenchmarkDotNet's generated project (which rebuilds the gateway:
    /// 10+ minutes when eight builds share two cores). The benchmarks run in this process, so tiered compilation must be
    /// turned off by whoever starts it (check-allocations.sh --in-process sets DOTNET_TieredCompilation=0).
    /// </summary>
    public static readonly string[] FastInProcessArguments =
    [
        "--launchCount", "1", "--warmupCount", "1", "--iterationCount", "1",
        "--invocationCount", "16384", "--unrollFactor", "16", "--inProcess",
    ];

    public static int Main(string[] args)
    {
        if (args is ["--trace-allocations", ..])
        {
            return AllocationTrace.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100_000);
        }
        if (args is ["--sigv4-cpu-time", ..])
        {
            return SigV4CpuTime.Run(args);
        }
        if (args is ["--sigv4-hash-cpu-time", ..])
        {
            return SigV4HashCpuTime.Run(args);
        }
        args = [.. args.SelectMany(a => a switch { "--fast" => FastArguments, "--fast-in-process" => FastInProcessArguments, _ => [a] })];
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args).ToList();

        // A benchmark that threw (or a setup check that failed) must fail the run, not just print a warning.
        var failed = summaries.SelectMany(s => s.Reports).Where(r => !r.Success).Select(r => r.BenchmarkCase.DisplayInfo).ToList();
        foreach (var name in failed)
        {
            Console.Error.WriteLine($"benchmark failed: {name}");
        }
        return failed.Count > 0 || summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
    }
}
