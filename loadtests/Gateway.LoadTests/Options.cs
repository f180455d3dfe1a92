using System.Globalization;

namespace Gateway.LoadTests;

internal sealed class Options
{
    public Uri Url { get; private set; } = new("http://127.0.0.1:9000");
    public string Function { get; private set; } = "echo";
    public string? Path { get; private set; }             // another path than the function's invocations (a function URL's)
    public int PayloadBytes { get; private set; } = 64;
    public string? PayloadFile { get; private set; }
    public string InvocationType { get; private set; } = "RequestResponse";
    public int Connections { get; private set; } = 32;
    public double Rate { get; private set; }               // 0 = closed loop
    public int DurationSeconds { get; private set; } = 10;
    public int WarmupSeconds { get; private set; } = 3;
    public string? OutDirectory { get; private set; }
    public string Label { get; private set; } = "run";
    public bool Quiet { get; private set; }
    public string? Sign { get; private set; }              // KEY:SECRET: SigV4-sign the request (RequestSigner.cs)
    public string? Engine { get; private set; } = Environment.GetEnvironmentVariable("LT_ENGINE") is { Length: > 0 } e ? e : null;

    // --scenario throttle (Throttle.cs)
    public string Scenario { get; private set; } = "load";
    public double RampFrom { get; private set; } = 10;
    public double RampTo { get; private set; } = 100;
    public string Model { get; private set; } = "request-rate";
    public int Reserved { get; private set; } = 10;
    public int RateMultiplier { get; private set; } = 10;
    public int BurstCapacity { get; private set; } = 20;
    public double BurstRefill { get; private set; } = 5;
    public bool Check { get; private set; }
    public double TolerancePercent { get; private set; } = 10;
    public int Slack { get; private set; } = 3;
    public double GraceSeconds { get; private set; } = 2;
    public bool ConnectionsGiven { get; private set; }

    // --scenario oversize (Oversize.cs)
    public int BodyMegabytes { get; private set; } = 100;
    public int PauseMilliseconds { get; private set; } = 100;
    public long LimitRateBytesPerSecond { get; private set; }

    public List<int> CpuPids { get; } = [];               // servers whose process trees' CPU is read over the measured window

    public bool OpenLoop => Rate > 0;

    public const string Usage = """
        Gateway.LoadTests: HTTP/1.1 load for POST /2015-03-31/functions/{name}/invocations (127.0.0.1 only).

          --url URL              base URL (default http://127.0.0.1:9000); must be loopback
          --function NAME        function name (default echo)
          --path PATH            POST to PATH instead (e.g. a function URL's /_url/<id>/path); the same body
          --payload-bytes N      JSON payload of N bytes (default 64)
          --payload-file PATH    send this file's bytes instead
          --invocation-type T    RequestResponse (default) | Event | DryRun | "" (no header)
          --connections N        connections (closed loop: concurrency; open loop: max in flight). Default 32
          --rate R               open loop at R requests/s (latency from the intended send time);
                                 0 or absent = closed loop
          --duration S           measured seconds (default 10)
          --warmup S             seconds before measuring (default 3)
          --out DIR              write summary.json, timeseries.json/.csv and chart.html there
          --label TEXT           name of the run in the outputs (default "run")
          --quiet                no progress line
          --cpu-pids P1,P2       read /proc at the measured window's start and end for these processes, their
                                 descendants (live and reaped) and this load generator; adds to the RESULT line
                                 server_self_us, server_tree_us and harness_us (CPU µs per measured request)
          --sign KEY:SECRET      SigV4-sign the request (for a gateway under --auth sigv4), once at start
          --engine epoll|tasks   epoll: non-blocking sockets, one epoll thread and the pacer send and receive, no
                                 thread pool (EpollLoadRunner.cs); tasks: async sockets on the thread pool
                                 (LoadRunner.cs), the engine before 2026-12-06. Default (LT_ENGINE sets it too):
                                 epoll for requests up to 64 KB; tasks above, where a send that fills the socket
                                 buffer would hold up the epoll thread's other connections

        Throttle scenario (--scenario throttle): open loop ramping linearly, second by second, from --ramp-from
        to --ramp-to requests/s over --duration seconds (no warmup); prints per second the sent, admitted and
        throttled counts (by the 429 body's Reason) beside what the model predicts for the same send times.
          --scenario load|throttle   default load (the closed/open loop above)
          --ramp-from R0 --ramp-to R1   requests/s in the first and last second (default 10, 100)
          --model request-rate|burst    request-rate: a function with reserved concurrency --reserved R gets
                                 --rate-multiplier (10) x R requests/s, bucket capacity one second's worth,
                                 excess -> ReservedFunctionInvocationRateLimitExceeded.
                                 burst: every request needs a new environment; --burst-capacity B (20) at
                                 start, --burst-refill r (5) per second, excess -> ConcurrentInvocationLimitExceeded
          --check                exit 1 when total admitted or total throttled differs from the prediction by
                                 more than --tolerance P percent (default 10) and more than --slack N requests (3)
          --grace S              seconds to wait for answers after the last send (default 2); requests still
                                 unanswered then count as admitted (a throttle answers in milliseconds)
        Connections default to 256 in this scenario, so the client never limits the rate.

        Oversize scenario (--scenario oversize): --connections clients post --body-mb MB bodies (default 100)
        for --duration seconds, half with Content-Length and half chunked, each until the gateway answers or
        hangs up, then pause --pause-ms (100) and start again; --limit-rate BYTES_PER_S makes them slow clients.
        Prints RESULT … uploads=… mb_sent=… errors=… length_413=… chunked_413=…
        Prints one line to stdout at the end:
          RESULT label=… rps=… p50_ms=… p90_ms=… p99_ms=… p999_ms=… max_ms=… ok=… non2xx=… errors=…
        """;

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{arg} needs a value");
            switch (arg)
            {
                case "--url": o.Url = new Uri(Next()); break;
                case "--function": o.Function = Next(); break;
                case "--path": o.Path = Next(); break;
                case "--payload-bytes": o.PayloadBytes = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--payload-file": o.PayloadFile = Next(); break;
                case "--invocation-type": o.InvocationType = Next(); break;
                case "--connections": o.Connections = int.Parse(Next(), CultureInfo.InvariantCulture); o.ConnectionsGiven = true; break;
                case "--rate": o.Rate = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--duration": o.DurationSeconds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--warmup": o.WarmupSeconds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--out": o.OutDirectory = Next(); break;
                case "--label": o.Label = Next(); break;
                case "--quiet": o.Quiet = true; break;
                case "--cpu-pids": o.CpuPids.AddRange(Next().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture))); break;
                case "--sign": o.Sign = Next(); break;
                case "--engine": o.Engine = Next(); break;
                case "--scenario": o.Scenario = Next(); break;
                case "--ramp-from": o.RampFrom = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--ramp-to": o.RampTo = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--model": o.Model = Next(); break;
                case "--reserved": o.Reserved = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--rate-multiplier": o.RateMultiplier = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--burst-capacity": o.BurstCapacity = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--burst-refill": o.BurstRefill = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--check": o.Check = true; break;
                case "--tolerance": o.TolerancePercent = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--slack": o.Slack = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--grace": o.GraceSeconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--body-mb": o.BodyMegabytes = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--pause-ms": o.PauseMilliseconds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--limit-rate": o.LimitRateBytesPerSecond = long.Parse(Next(), CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown option {arg}");
            }
        }
        if (!o.Url.IsLoopback)
        {
            throw new ArgumentException("--url must be a loopback address (load goes to 127.0.0.1 only)");
        }
        if (o.Connections is < 1 or > 4096 || o.DurationSeconds is < 1 or > 3600 || o.WarmupSeconds is < 0 or > 600
            || o.PayloadBytes is < 0 or > 6 * 1024 * 1024 || o.Rate is < 0 or > 1_000_000)
        {
            throw new ArgumentException("out of range: connections 1..4096, duration 1..3600, warmup 0..600, payload-bytes 0..6 MB, rate 0..1e6");
        }
        if (o.Engine is not (null or "epoll" or "tasks"))
        {
            throw new ArgumentException("--engine is epoll or tasks");
        }
        if (o.Scenario is not ("load" or "throttle" or "oversize") || o.Model is not ("request-rate" or "burst"))
        {
            throw new ArgumentException("--scenario is load, throttle or oversize; --model is request-rate or burst");
        }
        if (o.BodyMegabytes is < 1 or > 10_000 || o.PauseMilliseconds is < 0 or > 60_000 || o.LimitRateBytesPerSecond < 0)
        {
            throw new ArgumentException("out of range: body-mb 1..10000, pause-ms 0..60000, limit-rate >= 0");
        }
        if (o.Scenario == "throttle")
        {
            if (!o.ConnectionsGiven)
            {
                o.Connections = 256;
            }
            if (o.RampFrom is <= 0 or > 100_000 || o.RampTo is <= 0 or > 100_000 || o.Reserved < 1 || o.RateMultiplier < 1
                || o.BurstCapacity < 1 || o.BurstRefill <= 0 || o.TolerancePercent < 0 || o.Slack < 0 || o.GraceSeconds is < 0 or > 120)
            {
                throw new ArgumentException("out of range: ramp 0..100000 req/s, reserved/multiplier/burst capacity >= 1, burst refill > 0, tolerance/slack >= 0, grace 0..120");
            }
        }
        return o;
    }

    /// <summary>The payload: the file's bytes, or a JSON object padded to exactly PayloadBytes.</summary>
    public byte[] Payload()
    {
        if (PayloadFile is not null)
        {
            return File.ReadAllBytes(PayloadFile);
        }
        // {"p":"xxxx"} is 8 bytes of frame; smaller sizes get a shorter valid JSON value.
        if (PayloadBytes < 8)
        {
            return PayloadBytes switch
            {
                0 => [],
                1 => "0"u8.ToArray(),
                _ => System.Text.Encoding.ASCII.GetBytes("\"" + new string('x', PayloadBytes - 2) + "\""),
            };
        }
        return System.Text.Encoding.ASCII.GetBytes("{\"p\":\"" + new string('x', PayloadBytes - 8) + "\"}");
    }
}
