using System.Diagnostics;
using System.Globalization;
using Gateway.RuntimeApiServers;

// Kestrel vs the hand-written Runtime API server (issue 15, "Four HTTP/1.1 parsers"). One process hosts both servers,
// each with its own real runtime process (the same executable, the same environment variables), and pushes
// --invocations 64-byte invocations through one, then the other, for --rounds interleaved rounds (the order swaps
// every round). Per round it prints this process's CPU (server + the driver that plays the invoke endpoint) and the
// runtime's CPU, per invocation, from /proc. With --bash-worker, one round more with the stock bash + curl runtime.
//
//   dotnet RuntimeApiServers.dll --worker artifacts/samples/bootstrap [--handler echo] [--invocations 20000]
//       [--rounds 6] [--bash-worker src/Functions/bash-echo/bootstrap --bash-invocations 300]
var options = Args.Parse(args);
string directory = Directory.CreateTempSubdirectory("gateway-rtapi-").FullName;
File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
byte[] payload = [.. "{\"p\":\""u8, .. Enumerable.Repeat((byte)'x', 56), .. "\"}"u8];
string requestId = Guid.NewGuid().ToString("D");
Console.WriteLine($"MACHINE nproc={Environment.ProcessorCount} loadavg=\"{File.ReadAllText("/proc/loadavg").Trim()}\" dotnet={Environment.Version}");

var results = new List<(string Server, string Worker, double ServerUs, double WorkerUs, double Rate)>();
await CompareAsync(options.Worker, options.Handler, "csharp", options.Invocations, options.Rounds);
if (options.BashWorker is not null)
{
    await CompareAsync(options.BashWorker, "function.handler", "bash-curl", options.BashInvocations, 2);
}
foreach (var group in results.GroupBy(r => (r.Worker, r.Server)))
{
    var s = group.Select(r => r.ServerUs).Order().ToList();
    var w = group.Select(r => r.WorkerUs).Order().ToList();
    var q = group.Select(r => r.Rate).Order().ToList();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"SUMMARY worker={group.Key.Worker} server={group.Key.Server} rounds={s.Count} server_us_median={s[s.Count / 2]:F1} server_us_min={s[0]:F1} server_us_max={s[^1]:F1} runtime_us_median={w[w.Count / 2]:F1} inv_per_s_median={q[q.Count / 2]:F0}"));
}
Console.WriteLine($"LOADAVG end=\"{File.ReadAllText("/proc/loadavg").Trim()}\"");
Directory.Delete(directory, recursive: true);
return 0;

async Task CompareAsync(string bootstrap, string handler, string workerName, int invocations, int rounds)
{
    using var handWritten = new HandWrittenRuntimeApi(Path.Combine(directory, "hw-" + workerName), bootstrap, handler, new Dictionary<string, string>());
    int handWrittenPid = await handWritten.WaitReadyAsync();

    // The Kestrel side's runtime gets exactly the environment the gateway gave its own, re-pointed at Kestrel.
    int port = 19500 + Random.Shared.Next(400);
    string socket = Path.Combine(directory, "kestrel-" + workerName + ".sock");
    await using var kestrel = await KestrelRuntimeApi.StartAsync(socket, port);
    var start = new ProcessStartInfo(bootstrap) { UseShellExecute = false, WorkingDirectory = Path.GetDirectoryName(bootstrap)! };
    start.Environment.Clear();
    foreach (string pair in File.ReadAllText($"/proc/{handWrittenPid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries))
    {
        int eq = pair.IndexOf('=', StringComparison.Ordinal);
        start.Environment[pair[..eq]] = pair[(eq + 1)..];
    }
    if (start.Environment.ContainsKey("GATEWAY_RUNTIME_API_SOCKET"))
    {
        start.Environment["GATEWAY_RUNTIME_API_SOCKET"] = socket;
    }
    start.Environment["AWS_LAMBDA_RUNTIME_API"] = $"127.0.0.1:{port}";
    using var kestrelWorker = Process.Start(start)!;
    try
    {
        async Task<int> ViaKestrel()
        {
            var work = new KestrelWork(requestId, HandWrittenRuntimeApi.Arn, payload);
            return await kestrel.InvokeAsync(work);
        }
        Task<int> ViaHandWritten() => handWritten.InvokeAsync(payload, requestId);

        // Warm both (JIT tiers, pools), then interleave.
        int warm = Math.Max(10, invocations / 10);
        await RunAsync(ViaHandWritten, warm);
        await RunAsync(ViaKestrel, warm);
        for (int round = 0; round < rounds; round++)
        {
            foreach (string server in round % 2 == 0 ? new[] { "hand-written", "kestrel" } : ["kestrel", "hand-written"])
            {
                bool k = server == "kestrel";
                int workerPid = k ? kestrelWorker.Id : handWrittenPid;
                long self0 = Ticks(Environment.ProcessId), worker0 = Ticks(workerPid);
                var clock = Stopwatch.StartNew();
                await RunAsync(k ? ViaKestrel : ViaHandWritten, invocations);
                double seconds = clock.Elapsed.TotalSeconds;
                long self1 = Ticks(Environment.ProcessId), worker1 = Ticks(workerPid);
                double serverUs = (self1 - self0) * 10_000.0 / invocations, workerUs = (worker1 - worker0) * 10_000.0 / invocations;
                results.Add((server, workerName, serverUs, workerUs, invocations / seconds));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"ROUND {round} worker={workerName} server={server} invocations={invocations} seconds={seconds:F2} inv_per_s={invocations / seconds:F0} server_us={serverUs:F1} runtime_us={workerUs:F1} loadavg={File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
            }
        }
        Console.WriteLine($"SPINS hand-written idle-waits={handWritten.Spins}");
    }
    finally
    {
        kestrelWorker.Kill(entireProcessTree: true);
    }
}

static async Task RunAsync(Func<Task<int>> invoke, int count)
{
    for (int i = 0; i < count; i++)
    {
        if (await invoke() != 64)
        {
            throw new InvalidOperationException("the response is not the 64-byte echo");
        }
    }
}

// utime + stime + cutime + cstime (clock ticks, 100/s): the process and the children it reaped (bash's curls).
static long Ticks(int pid)
{
    string text = File.ReadAllText($"/proc/{pid}/stat");
    var f = text[(text.LastIndexOf(')') + 2)..].Split(' ');
    return long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)
        + long.Parse(f[13], CultureInfo.InvariantCulture) + long.Parse(f[14], CultureInfo.InvariantCulture);
}

internal sealed record Args(string Worker, string Handler, int Invocations, int Rounds, string? BashWorker, int BashInvocations)
{
    public static Args Parse(string[] args)
    {
        string worker = "artifacts/samples/bootstrap", handler = "echo";
        int invocations = 20000, rounds = 6, bashInvocations = 300;
        string? bash = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--worker": worker = args[++i]; break;
                case "--handler": handler = args[++i]; break;
                case "--invocations": invocations = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--bash-worker": bash = args[++i]; break;
                case "--bash-invocations": bashInvocations = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        return new Args(Path.GetFullPath(worker), handler, invocations, rounds, bash is null ? null : Path.GetFullPath(bash), bashInvocations);
    }
}
