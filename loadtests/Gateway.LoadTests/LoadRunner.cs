using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;

namespace Gateway.LoadTests;

/// <summary>The outcome of a run: the recorder plus what happened at the edges.</summary>
internal sealed record RunResult(Recorder Recorder, LatencyHistogram SendLag, long UnsentDue, long InFlightAtEnd, double ElapsedSeconds, CpuWindow? Cpu);

/// <summary>The servers' and this process's CPU ticks at the measured window's start and end, and the seconds between
/// the two samples (by the monotonic clock, so a late sample is scaled, not miscounted).</summary>
internal sealed record CpuWindow(CpuSample Start, CpuSample End, double Seconds);

/// <summary>
/// Closed loop: each connection sends its next request when the previous answer arrives; latency is
/// send → answer. Open loop: a pacer releases one ticket per 1/rate seconds; ticket i's intended send time is
/// origin + i/rate, and its latency is measured from that time, so a stall that delays sends is counted in
/// full (no coordinated omission). Tickets due but not yet sent when the run ends are reported as UnsentDue.
/// </summary>
internal static partial class LoadRunner
{
    private static readonly TimeSpan FailureBackoff = TimeSpan.FromMilliseconds(5);

    public static async Task<RunResult> RunAsync(Options options, byte[] request, EndPoint endPoint)
    {
        long freq = Stopwatch.Frequency;
        long origin = Stopwatch.GetTimestamp();
        long end = origin + (options.WarmupSeconds + options.DurationSeconds) * freq;
        var recorder = new Recorder(origin, options.WarmupSeconds + options.DurationSeconds);
        var sendLag = new LatencyHistogram();
        using var stop = new CancellationTokenSource();
        using var tickets = new SemaphoreSlim(0);
        long nextTicket = 0;
        double periodTicks = options.OpenLoop ? freq / options.Rate : 0;

        var progress = options.Quiet ? Task.CompletedTask : ProgressAsync(options, recorder, stop.Token);
        Thread? pacer = null;
        if (options.OpenLoop)
        {
            long total = (long)Math.Ceiling(options.Rate * (options.WarmupSeconds + options.DurationSeconds));
            pacer = new Thread(() => Pace(origin, periodTicks, total, tickets, stop.Token))
            {
                IsBackground = true,
                Name = "pacer",
                Priority = ThreadPriority.AboveNormal,
            };
            pacer.Start();
        }

        var workers = new Task[options.Connections];
        for (int i = 0; i < workers.Length; i++)
        {
            workers[i] = options.OpenLoop
                ? Task.Run(() => OpenWorkerAsync(endPoint, request, recorder, sendLag, tickets, () => Interlocked.Increment(ref nextTicket) - 1, origin, periodTicks, end, stop.Token))
                : Task.Run(() => ClosedWorkerAsync(endPoint, request, recorder, end, stop.Token));
        }

        CpuWindow? cpu = await WaitOutRunAsync(options, origin, end).ConfigureAwait(false);
        long unsent = options.OpenLoop ? tickets.CurrentCount : 0;
        long inFlight = Interlocked.Read(ref recorder.InFlight);
        double elapsed = (Stopwatch.GetTimestamp() - origin) / (double)freq;
        stop.Cancel();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        await progress.ConfigureAwait(false);
        pacer?.Join(TimeSpan.FromSeconds(2));
        return new RunResult(recorder, sendLag, unsent, inFlight, elapsed, cpu);
    }

    /// <summary>Waits until the run's end. The servers' CPU is read at the measured window's edges (the warmup's end
    /// and the run's end), from this process, so the window is the one the request counts come from; null without
    /// --cpu-pids. Both engines end their runs through this.</summary>
    internal static async Task<CpuWindow?> WaitOutRunAsync(Options options, long origin, long end)
    {
        (CpuSample Sample, long At)? cpuStart = null;
        if (options.CpuPids.Count > 0)
        {
            await DelayUntil(origin + options.WarmupSeconds * Stopwatch.Frequency).ConfigureAwait(false);
            cpuStart = (ProcessCpu.Sample(options.CpuPids), Stopwatch.GetTimestamp());
        }
        await DelayUntil(end).ConfigureAwait(false);
        return cpuStart is { } s0
            ? new CpuWindow(s0.Sample, ProcessCpu.Sample(options.CpuPids), (Stopwatch.GetTimestamp() - s0.At) / (double)Stopwatch.Frequency)
            : null;
    }

    private static async Task DelayUntil(long timestamp)
    {
        var remaining = TimeSpan.FromSeconds((timestamp - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining).ConfigureAwait(false);
        }
    }

    private static async Task ClosedWorkerAsync(EndPoint endPoint, byte[] request, Recorder recorder, long end, CancellationToken cancellationToken)
    {
        using var connection = new HttpConnection(endPoint);
        try
        {
            while (true)
            {
                long start = Stopwatch.GetTimestamp();
                if (start >= end)
                {
                    return;
                }
                Interlocked.Increment(ref recorder.InFlight);
                var exchange = await connection.SendAsync(request, cancellationToken).ConfigureAwait(false);
                Interlocked.Decrement(ref recorder.InFlight);
                long now = Stopwatch.GetTimestamp();
                if (now > end)
                {
                    return;                                   // finished after the end: not part of the run
                }
                recorder.Record(start, now, exchange);
                if (exchange.Failed)
                {
                    await Task.Delay(FailureBackoff, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static async Task OpenWorkerAsync(EndPoint endPoint, byte[] request, Recorder recorder, LatencyHistogram sendLag,
        SemaphoreSlim tickets, Func<long> takeTicket, long origin, double periodTicks, long end, CancellationToken cancellationToken)
    {
        using var connection = new HttpConnection(endPoint);
        try
        {
            while (true)
            {
                await tickets.WaitAsync(cancellationToken).ConfigureAwait(false);
                long intended = origin + (long)(takeTicket() * periodTicks);
                long start = Stopwatch.GetTimestamp();
                if (start >= end)
                {
                    return;
                }
                sendLag.Record(Recorder.ToNanos(start - intended));
                Interlocked.Increment(ref recorder.InFlight);
                var exchange = await connection.SendAsync(request, cancellationToken).ConfigureAwait(false);
                Interlocked.Decrement(ref recorder.InFlight);
                long now = Stopwatch.GetTimestamp();
                if (now > end)
                {
                    return;
                }
                recorder.Record(intended, now, exchange);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Releases tickets on schedule from a dedicated thread that sleeps with nanosleep(2): Task.Delay and
    /// Thread.Sleep have millisecond granularity, which at 10k req/s would turn into bursts of 10.
    /// </summary>
    private static void Pace(long origin, double periodTicks, long total, SemaphoreSlim tickets, CancellationToken cancellationToken)
    {
        long released = 0;
        while (released < total && !cancellationToken.IsCancellationRequested)
        {
            long now = Stopwatch.GetTimestamp();
            long due = Math.Min(total, (long)((now - origin) / periodTicks) + 1);
            if (due > released)
            {
                tickets.Release((int)(due - released));
                released = due;
            }
            long wait = origin + (long)(released * periodTicks) - Stopwatch.GetTimestamp();
            if (wait > 0)
            {
                PreciseSleep.Nanos(Math.Min(Recorder.ToNanos(wait), 100_000_000));
            }
        }
    }

    internal static async Task ProgressAsync(Options options, Recorder recorder, CancellationToken cancellationToken)
    {
        bool terminal = !Console.IsErrorRedirected;
        int total = options.WarmupSeconds + options.DurationSeconds;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            int second = 0;
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                second = (int)((Stopwatch.GetTimestamp() - recorder.Origin) / Stopwatch.Frequency);
                var slot = recorder.Peek(second - 1);
                long ok = 0, bad = 0, errors = 0;
                if (slot is not null)
                {
                    for (int s = 0; s < slot.StatusCounts.Length; s++)
                    {
                        long c = Volatile.Read(ref slot.StatusCounts[s]);
                        if (s == 0) { errors += c; } else if (s is >= 200 and < 300) { ok += c; } else { bad += c; }
                    }
                }
                string phase = second <= options.WarmupSeconds ? "warmup" : "measure";
                string line = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"[{options.Label}] {second,4}/{total}s {phase,-7} {slot?.Requests ?? 0,8:N0} req/s  p50 {Ms(slot?.Latency.ValueAtPercentile(50) ?? 0),8:F3} ms  p99 {Ms(slot?.Latency.ValueAtPercentile(99) ?? 0),8:F3} ms  2xx {ok:N0}  other {bad:N0}  err {errors:N0}  in-flight {Interlocked.Read(ref recorder.InFlight)}");
                if (terminal)
                {
                    await Console.Error.WriteAsync("\r" + line + "   ").ConfigureAwait(false);
                }
                else
                {
                    await Console.Error.WriteLineAsync(line).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        if (terminal)
        {
            await Console.Error.WriteLineAsync().ConfigureAwait(false);
        }
    }

    public static double Ms(long nanos) => nanos / 1_000_000.0;
}
