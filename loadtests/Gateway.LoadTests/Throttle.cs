using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;

namespace Gateway.LoadTests;

/// <summary>
/// The throttle scenario: an open-loop ramp past a limit, the answers counted per second of intended send time
/// (200s, 429s by the body's Reason, Retry-After values), beside an independent prediction of the configured
/// admission model for exactly the same send times; with --check, a verdict and an exit code.
/// </summary>
/// <remarks>
/// The model here is deliberately separate from the gateway's code (src/Gateway/Admission): a continuous token
/// bucket, full at the start, written as plainly as possible, so that the comparison checks the gateway against
/// the documented rule rather than against itself.
/// </remarks>
internal static partial class Throttle
{
    /// <summary>Counts for one second of intended send time.</summary>
    private sealed class Second
    {
        public long Sent;
        public long Ok;
        public long Other;      // any other HTTP status
        public long Errors;     // transport errors
        public readonly ConcurrentDictionary<string, long> Throttled = new(StringComparer.Ordinal);
    }

    public static async Task<int> RunAsync(Options o, byte[] request, EndPoint endPoint)
    {
        double[] times = Schedule(o.RampFrom, o.RampTo, o.DurationSeconds);
        var (capacity, refill, reason, description) = ModelParameters(o);
        var predicted = Predict(times, capacity, refill, o.DurationSeconds);

        var seconds = new Second[o.DurationSeconds];
        for (int i = 0; i < seconds.Length; i++)
        {
            seconds[i] = new Second();
        }
        var retryAfter = new ConcurrentDictionary<int, long>();
        long freq = Stopwatch.Frequency;
        using var stop = new CancellationTokenSource();
        using var tickets = new SemaphoreSlim(0);
        long nextTicket = 0;
        var sendLag = new LatencyHistogram();

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"throttle: {times.Length} requests over {o.DurationSeconds} s, ramp {o.RampFrom:0.##} -> {o.RampTo:0.##} req/s, {o.Connections} connections; model: {description}"));

        // 300 ms to post the prediction to the dashboard (/_gateway/) and start the workers; the run's second 0 begins
        // at the same instant on the wall clock the gateway's dashboard aligns it with.
        long origin = Stopwatch.GetTimestamp() + freq * 3 / 10;
        await DashboardPrediction.PostAsync(o, predicted, reason, description, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 300);
        var workers = new Task[o.Connections];
        for (int i = 0; i < workers.Length; i++)
        {
            workers[i] = Task.Run(async () =>
            {
                using var connection = new HttpConnection(endPoint);
                try
                {
                    while (true)
                    {
                        await tickets.WaitAsync(stop.Token).ConfigureAwait(false);
                        long index = Interlocked.Increment(ref nextTicket) - 1;
                        var slot = seconds[(int)times[index]];
                        long intended = origin + (long)(times[index] * freq);
                        sendLag.Record(Recorder.ToNanos(Math.Max(0, Stopwatch.GetTimestamp() - intended)));
                        Interlocked.Increment(ref slot.Sent);
                        var exchange = await connection.SendAsync(request, stop.Token).ConfigureAwait(false);
                        if (exchange.Failed)
                        {
                            Interlocked.Increment(ref slot.Errors);
                        }
                        else if (exchange.Status == 200)
                        {
                            Interlocked.Increment(ref slot.Ok);
                        }
                        else if (exchange.Status == 429)
                        {
                            slot.Throttled.AddOrUpdate(exchange.Reason ?? "(none)", 1, (_, n) => n + 1);
                            retryAfter.AddOrUpdate(exchange.RetryAfter, 1, (_, n) => n + 1);
                        }
                        else
                        {
                            Interlocked.Increment(ref slot.Other);
                        }
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    // still waiting for an answer (or for a ticket) at the end
                }
            });
        }

        var pacer = new Thread(() => Pace(origin, times, tickets, stop.Token)) { IsBackground = true, Name = "pacer", Priority = ThreadPriority.AboveNormal };
        pacer.Start();

        long end = origin + (long)((o.DurationSeconds + o.GraceSeconds) * freq);
        var remaining = TimeSpan.FromSeconds((end - Stopwatch.GetTimestamp()) / (double)freq);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining).ConfigureAwait(false);
        }
        long unsent = tickets.CurrentCount;
        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        pacer.Join(TimeSpan.FromSeconds(2));

        return Report(o, seconds, predicted, reason, retryAfter, unsent, sendLag, description);
    }

    /// <summary>Intended send times in seconds from the start: in second k (0-based) the rate is
    /// R0 + (R1 − R0)·k/(D − 1), rounded to whole requests, spread evenly over that second.</summary>
    public static double[] Schedule(double from, double to, int duration)
    {
        var times = new List<double>();
        for (int k = 0; k < duration; k++)
        {
            double rate = duration == 1 ? from : from + (to - from) * k / (duration - 1);
            int n = Math.Max(1, (int)Math.Round(rate));
            for (int j = 0; j < n; j++)
            {
                times.Add(k + (double)j / n);
            }
        }
        return [.. times];
    }

    private static (double Capacity, double Refill, string Reason, string Description) ModelParameters(Options o) => o.Model switch
    {
        "burst" => (o.BurstCapacity, o.BurstRefill, "ConcurrentInvocationLimitExceeded",
            string.Create(CultureInfo.InvariantCulture, $"burst (every request needs a new environment): {o.BurstCapacity} tokens at start, +{o.BurstRefill:0.###}/s")),
        _ => (o.RateMultiplier * o.Reserved, o.RateMultiplier * o.Reserved, "ReservedFunctionInvocationRateLimitExceeded",
            string.Create(CultureInfo.InvariantCulture, $"request-rate (reserved {o.Reserved} x {o.RateMultiplier}): {o.RateMultiplier * o.Reserved} req/s, capacity {o.RateMultiplier * o.Reserved}")),
    };

    /// <summary>
    /// The model: one continuous token bucket, full at time 0, refilled at <paramref name="refill"/> tokens per
    /// second up to <paramref name="capacity"/>. Time advances in 1 ms steps; each request due in a step takes a
    /// token if a whole one is there (admitted) and is throttled otherwise. Returns (admitted, throttled) per second.
    /// </summary>
    public static (long Admitted, long Throttled)[] Predict(double[] times, double capacity, double refill, int duration)
    {
        var result = new (long Admitted, long Throttled)[duration];
        double tokens = capacity;
        int next = 0;
        const double step = 0.001;
        for (long ms = 0; next < times.Length; ms++)
        {
            double now = ms * step;
            if (ms > 0)
            {
                tokens = Math.Min(capacity, tokens + refill * step);
            }
            while (next < times.Length && times[next] < now + step - 1e-9)
            {
                int second = (int)times[next];
                if (tokens >= 1 - 1e-9)
                {
                    tokens -= 1;
                    result[second].Admitted++;
                }
                else
                {
                    result[second].Throttled++;
                }
                next++;
            }
        }
        return result;
    }

    private static int Report(Options o, Second[] seconds, (long Admitted, long Throttled)[] predicted, string expectedReason,
        ConcurrentDictionary<int, long> retryAfter, long unsent, LatencyHistogram sendLag, string description)
    {
        var reasons = seconds.SelectMany(s => s.Throttled.Keys).Append(expectedReason).Distinct().OrderBy(r => r == expectedReason ? 0 : 1).ThenBy(r => r, StringComparer.Ordinal).ToList();
        var inv = CultureInfo.InvariantCulture;
        var header = new StringBuilder("second  sent   200  unanswered  admitted  predicted");
        foreach (string r in reasons)
        {
            header.Append("  429 ").Append(r);
        }
        header.Append("  throttled  predicted  other  errors");
        Console.WriteLine($"model: {description}");
        Console.WriteLine(header);
        long tSent = 0, tOk = 0, tPending = 0, tAdmitted = 0, tPredA = 0, tThrottled = 0, tPredT = 0, tOther = 0, tErrors = 0;
        var tByReason = new long[reasons.Count];
        for (int k = 0; k < seconds.Length; k++)
        {
            var s = seconds[k];
            long throttled = s.Throttled.Values.Sum();
            long pending = s.Sent - s.Ok - throttled - s.Other - s.Errors;
            long admitted = s.Ok + pending;
            var line = new StringBuilder(string.Create(inv, $"{k + 1,6}  {s.Sent,4}  {s.Ok,4}  {pending,10}  {admitted,8}  {predicted[k].Admitted,9}"));
            for (int r = 0; r < reasons.Count; r++)
            {
                long n = s.Throttled.GetValueOrDefault(reasons[r]);
                tByReason[r] += n;
                line.Append(string.Create(inv, $"  {n.ToString(inv).PadLeft(4 + reasons[r].Length)}"));
            }
            line.Append(string.Create(inv, $"  {throttled,9}  {predicted[k].Throttled,9}  {s.Other,5}  {s.Errors,6}"));
            Console.WriteLine(line);
            tSent += s.Sent; tOk += s.Ok; tPending += pending; tAdmitted += admitted; tPredA += predicted[k].Admitted;
            tThrottled += throttled; tPredT += predicted[k].Throttled; tOther += s.Other; tErrors += s.Errors;
        }
        var total = new StringBuilder(string.Create(inv, $"{"total",6}  {tSent,4}  {tOk,4}  {tPending,10}  {tAdmitted,8}  {tPredA,9}"));
        for (int r = 0; r < reasons.Count; r++)
        {
            total.Append(string.Create(inv, $"  {tByReason[r].ToString(inv).PadLeft(4 + reasons[r].Length)}"));
        }
        total.Append(string.Create(inv, $"  {tThrottled,9}  {tPredT,9}  {tOther,5}  {tErrors,6}"));
        Console.WriteLine(total);

        double DivergencePercent(long actual, long expected) => expected == 0 ? (actual == 0 ? 0 : 100) : 100.0 * Math.Abs(actual - expected) / expected;
        bool Within(long actual, long expected) => Math.Abs(actual - expected) <= o.Slack || DivergencePercent(actual, expected) <= o.TolerancePercent;
        string retry = string.Join(", ", retryAfter.OrderBy(p => p.Key).Select(p => p.Key < 0 ? $"none x{p.Value}" : $"{p.Key}s x{p.Value}"));
        Console.WriteLine(string.Create(inv,
            $"divergence: admitted {tAdmitted} vs {tPredA} predicted ({tAdmitted - tPredA:+0;-0;0}, {DivergencePercent(tAdmitted, tPredA):0.0}%), throttled {tThrottled} vs {tPredT} ({tThrottled - tPredT:+0;-0;0}, {DivergencePercent(tThrottled, tPredT):0.0}%)"));
        Console.WriteLine($"Retry-After seen: {(retry.Length == 0 ? "-" : retry)}");
        Console.WriteLine(string.Create(inv,
            $"client: send lag p99 {sendLag.ValueAtPercentile(99) / 1e6:0.0} ms, max {sendLag.MaxNanos / 1e6:0.0} ms; unsent at the end {unsent}"));

        bool pass = Within(tAdmitted, tPredA) && Within(tThrottled, tPredT) && unsent == 0;
        string verdict = pass ? "PASS" : "FAIL";
        Console.WriteLine(string.Create(inv,
            $"verdict: {verdict} (tolerance {o.TolerancePercent:0.##}% or {o.Slack} requests, on total admitted and total throttled{(unsent > 0 ? "; requests left unsent" : "")})"));
        return o.Check && !pass ? 1 : 0;
    }

    /// <summary>Releases ticket i at origin + times[i], sleeping with nanosleep(2) in between.</summary>
    private static void Pace(long origin, double[] times, SemaphoreSlim tickets, CancellationToken cancellationToken)
    {
        long freq = Stopwatch.Frequency;
        int released = 0;
        while (released < times.Length && !cancellationToken.IsCancellationRequested)
        {
            long now = Stopwatch.GetTimestamp();
            int due = released;
            while (due < times.Length && origin + (long)(times[due] * freq) <= now)
            {
                due++;
            }
            if (due > released)
            {
                tickets.Release(due - released);
                released = due;
            }
            if (released < times.Length)
            {
                long wait = origin + (long)(times[released] * freq) - Stopwatch.GetTimestamp();
                if (wait > 0)
                {
                    PreciseSleep.Nanos(Math.Min(Recorder.ToNanos(wait), 100_000_000));
                }
            }
        }
    }
}
