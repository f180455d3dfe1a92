using System.Diagnostics;
using System.Security.Cryptography;

namespace Gateway.Fuzz.Smoke;

/// <summary>
/// The fast check ./test.sh runs: every checked-in corpus file, then N seeded mutations of them, through each target
/// in-process (no afl-fuzz, no instrumentation). Each target counts as one test: passed when nothing escaped. A finding
/// is saved under <c>artifacts/fuzz/smoke-findings/TARGET/</c> for <c>replay</c>; an input that runs longer than the
/// watchdog allows is saved as a hang and ends the run.
/// </summary>
internal static class SmokeRunner
{
    private static readonly TimeSpan HangAfter = TimeSpan.FromSeconds(20);

    public static int Run(string[] args)
    {
        string which = "all";
        int mutations = 5000;
        int seed = 13;
        string? corpus = null;
        string? counts = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--mutations": mutations = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--seed": seed = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--corpus": corpus = args[++i]; break;
                case "--counts": counts = args[++i]; break;
                default: which = args[i]; break;
            }
        }
        string fuzzDir = corpus is null ? FindFuzzDirectory() : Path.GetDirectoryName(Path.GetFullPath(corpus))!;
        corpus ??= Path.Combine(fuzzDir, "corpus");
        var targets = which == "all" ? FuzzTargets.All : FuzzTargets.Find(which) is { } one ? [one] : [];
        if (targets.Count == 0)
        {
            Console.Error.WriteLine($"unknown target '{which}'");
            return 2;
        }

        var watchdog = new Watchdog(HangAfter);
        int passed = 0, failed = 0;
        var failedNames = new List<string>();
        foreach (var target in targets)
        {
            var seeds = LoadCorpus(Path.Combine(corpus, target.Name));
            var dictionary = Dictionary.Load(Path.Combine(fuzzDir, "dictionaries", target.Name + ".dict"));
            // Disk-bound targets (zip extracts into a folder per input) get a twentieth of the mutations.
            int count = target.Name == "zip" ? mutations / 20 : mutations;
            var mutator = new Mutator(new Random(seed ^ StableHash(target.Name)), seeds, dictionary);
            var clock = Stopwatch.StartNew();
            int findings = 0, runs = 0;
            foreach (var input in seeds.Concat(Enumerable.Range(0, count).Select(_ => mutator.Next())))
            {
                runs++;
                watchdog.Start(target.Name, input);
                try
                {
                    target.Run(input);
                }
                catch (Exception ex)
                {
                    if (findings++ < 3)
                    {
                        string saved = Save("smoke-findings", target.Name, input);
                        Console.WriteLine($"  FINDING {target.Name}: {ex.GetType().Name}: {ex.Message}\n    input saved: {saved}\n    {ex.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}");
                    }
                }
                watchdog.Stop();
            }
            if (findings == 0)
            {
                passed++;
            }
            else
            {
                failed++;
                failedNames.Add("fuzz smoke " + target.Name);
            }
            Console.WriteLine($"{(findings == 0 ? "ok     " : "FAILED ")} {target.Name,-16} {seeds.Count} corpus + {count} mutations = {runs} inputs, {findings} findings, {clock.Elapsed.TotalSeconds:0.0} s");
        }
        if (Directory.Exists(Targets.ZipTarget.Root))
        {
            Directory.Delete(Targets.ZipTarget.Root, recursive: true);
        }
        Console.WriteLine($"fuzz smoke: {passed} targets passed, {failed} failed (seed {seed})");
        if (counts is not null)
        {
            // "passed failed skipped", then each failed target on a line of its own (./test.sh lists them above its summary).
            File.WriteAllText(counts, $"{passed} {failed} 0\n" + string.Concat(failedNames.Select(name => name + "\n")));
        }
        return failed == 0 ? 0 : 1;
    }

    private static List<byte[]> LoadCorpus(string directory) =>
        Directory.Exists(directory)
            ? [.. Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal).Select(File.ReadAllBytes)]
            : [];

    /// <summary>The mutation stream must not depend on string.GetHashCode's per-process randomisation.</summary>
    private static int StableHash(string text)
    {
        int hash = 17;
        foreach (char c in text)
        {
            hash = (hash * 31) + c;
        }
        return hash & 0x7FFF_FFFF;
    }

    internal static string Save(string kind, string target, byte[] input)
    {
        string directory = Path.Combine(RepoRoot(), "artifacts", "fuzz", kind, target);
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, Convert.ToHexStringLower(SHA256.HashData(input))[..16]);
        File.WriteAllBytes(path, input);
        return path;
    }

    private static string FindFuzzDirectory() => Path.Combine(RepoRoot(), "tests", "Gateway.Fuzz");

    private static string RepoRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Gateway.sln")))
                {
                    return dir.FullName;
                }
            }
        }
        return Environment.CurrentDirectory;
    }

    /// <summary>Ends the run (exit 3) when one input takes longer than the limit: a hang is a finding too.</summary>
    private sealed class Watchdog
    {
        private readonly Lock _lock = new();
        private string? _target;
        private byte[]? _input;
        private long _started;

        public Watchdog(TimeSpan limit)
        {
            var thread = new Thread(() =>
            {
                while (true)
                {
                    Thread.Sleep(1000);
                    lock (_lock)
                    {
                        if (_input is not null && Stopwatch.GetElapsedTime(_started) > limit)
                        {
                            string saved = Save("smoke-hangs", _target!, _input);
                            Console.WriteLine($"  HANG {_target}: one input ran over {limit.TotalSeconds} s; input saved: {saved}");
                            Console.Out.Flush();
                            Environment.Exit(3);
                        }
                    }
                }
            })
            { IsBackground = true, Name = "fuzz smoke watchdog" };
            thread.Start();
        }

        public void Start(string target, byte[] input)
        {
            lock (_lock)
            {
                _target = target;
                _input = input;
                _started = Stopwatch.GetTimestamp();
            }
        }

        public void Stop()
        {
            lock (_lock)
            {
                _input = null;
            }
        }
    }
}
