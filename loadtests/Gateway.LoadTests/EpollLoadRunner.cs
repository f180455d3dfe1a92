using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Gateway.LoadTests;

/// <summary>
/// The lean engine (--engine epoll, the default): the same closed and open loops as <see cref="LoadRunner"/>, with the
/// same accounting (latency from the intended send time in the open loop, send lag, unsent tickets), but without
/// the thread pool. Non-blocking sockets; one thread waits in epoll_wait for every connection's answers and sends
/// the next request on the connection that just freed; in the open loop the pacer thread sends a due ticket itself
/// on an idle connection. Per request that is a send, a receive and a share of one epoll_wait.
/// </summary>
/// <remarks>
/// Why: on this 2-core box the load generator shares the cores with the server it measures. The task-based engine
/// spends ~90–110 µs of CPU per request at 8,000 req/s (thread-pool hand-offs and its idle workers spinning), close to
/// half a core, which the server then waits for: a tail measured partly on the generator's own scheduling.
/// </remarks>
internal static class EpollLoadRunner
{
    private static readonly long FailureBackoff = Stopwatch.Frequency / 200;   // 5 ms before reconnecting a failed lane

    private sealed class Lane(int index, EndPoint endPoint)
    {
        public readonly int Index = index;
        public readonly ResponseFramer Framer = new();
        public Socket? Socket;
        public long Start;          // the intended (open loop) or actual (closed loop) send time of the request in flight
        public long RetryAt;        // when a broken lane may reconnect
        public bool Busy;           // a request is in flight (changed under the run's gate in the open loop)

        public bool TryConnect()
        {
            try
            {
                var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                socket.Connect(endPoint);
                socket.Blocking = false;
                Socket = socket;
                Framer.Reset();
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }

    private sealed class Run(Options options, byte[] request, long origin, long end)
    {
        public readonly Options Options = options;
        public readonly byte[] Request = request;
        public readonly long Origin = origin;
        public readonly long End = end;
        public readonly Recorder Recorder = new(origin, options.WarmupSeconds + options.DurationSeconds);
        public readonly LatencyHistogram SendLag = new();
        public readonly double PeriodTicks = options.OpenLoop ? Stopwatch.Frequency / options.Rate : 0;
        public readonly object Gate = new();
        public readonly Stack<Lane> Idle = new();     // open loop: connected lanes with nothing in flight
        public readonly List<Lane> Broken = [];        // lanes waiting to reconnect (receive thread only)
        public long Pending;                            // open loop: tickets due that found no idle lane
        public long Taken;                              // open loop: tickets sent so far (the next one's index)
        public volatile bool Stop;
    }

    public static async Task<RunResult> RunAsync(Options options, byte[] request, EndPoint endPoint)
    {
        long freq = Stopwatch.Frequency;
        long origin = Stopwatch.GetTimestamp();
        long end = origin + (options.WarmupSeconds + options.DurationSeconds) * freq;
        var run = new Run(options, request, origin, end);
        var lanes = new Lane[options.Connections];
        int epoll = Epoll.Create();
        for (int i = 0; i < lanes.Length; i++)
        {
            lanes[i] = new Lane(i, endPoint);
            if (lanes[i].TryConnect())
            {
                Epoll.Add(epoll, (int)lanes[i].Socket!.Handle, (ulong)i);
                if (options.OpenLoop)
                {
                    run.Idle.Push(lanes[i]);
                }
            }
            else
            {
                run.Broken.Add(lanes[i]);
            }
        }

        using var progressStop = new CancellationTokenSource();
        var progress = options.Quiet ? Task.CompletedTask : LoadRunner.ProgressAsync(options, run.Recorder, progressStop.Token);
        var receiver = new Thread(() => Receive(run, lanes, epoll)) { IsBackground = true, Name = "receiver" };
        receiver.Start();
        Thread? pacer = null;
        if (options.OpenLoop)
        {
            pacer = new Thread(() => Pace(run)) { IsBackground = true, Name = "pacer", Priority = ThreadPriority.AboveNormal };
            pacer.Start();
        }

        CpuWindow? cpu = await LoadRunner.WaitOutRunAsync(options, origin, end).ConfigureAwait(false);
        long unsent, inFlight;
        lock (run.Gate)
        {
            unsent = run.Pending;
            inFlight = Interlocked.Read(ref run.Recorder.InFlight);
            run.Stop = true;
        }
        double elapsed = (Stopwatch.GetTimestamp() - origin) / (double)freq;
        receiver.Join(TimeSpan.FromSeconds(5));
        pacer?.Join(TimeSpan.FromSeconds(2));
        progressStop.Cancel();
        await progress.ConfigureAwait(false);
        foreach (var lane in lanes)
        {
            lane.Socket?.Dispose();
        }
        return new RunResult(run.Recorder, run.SendLag, unsent, inFlight, elapsed, cpu);
    }

    /// <summary>Open loop: releases ticket i at origin + i × period (nanosleep in between) and sends it on an idle lane,
    /// or leaves it pending for the next lane that frees.</summary>
    private static void Pace(Run run)
    {
        long total = (long)Math.Ceiling(run.Options.Rate * (run.Options.WarmupSeconds + run.Options.DurationSeconds));
        long released = 0;
        while (released < total && !run.Stop)
        {
            long now = Stopwatch.GetTimestamp();
            long due = Math.Min(total, (long)((now - run.Origin) / run.PeriodTicks) + 1);
            for (; released < due; released++)
            {
                Lane? lane = null;
                long index = 0;
                lock (run.Gate)
                {
                    if (run.Stop)
                    {
                        return;
                    }
                    if (run.Idle.Count > 0)
                    {
                        lane = run.Idle.Pop();
                        lane.Busy = true;
                        index = run.Taken++;
                    }
                    else
                    {
                        run.Pending++;
                    }
                }
                if (lane is not null)
                {
                    Send(run, lane, run.Origin + (long)(index * run.PeriodTicks));
                }
            }
            long wait = run.Origin + (long)(released * run.PeriodTicks) - Stopwatch.GetTimestamp();
            if (wait > 0)
            {
                PreciseSleep.Nanos(Math.Min(Recorder.ToNanos(wait), 100_000_000));
            }
        }
    }

    /// <summary>Sends the request on a lane whose request is counted from <paramref name="start"/>. A send that
    /// fails is recorded as a failed exchange by the receive thread (the socket reports the error there).</summary>
    private static void Send(Run run, Lane lane, long start)
    {
        lane.Start = start;
        long now = Stopwatch.GetTimestamp();
        if (run.Options.OpenLoop)
        {
            run.SendLag.Record(Recorder.ToNanos(Math.Max(0, now - start)));
        }
        Interlocked.Increment(ref run.Recorder.InFlight);
        var socket = lane.Socket!;
        ReadOnlySpan<byte> rest = run.Request;
        while (!rest.IsEmpty)
        {
            int sent = socket.Send(rest, SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock)
            {
                socket.Poll(-1, SelectMode.SelectWrite);   // a full send buffer: only with large payloads
                continue;
            }
            if (error != SocketError.Success)
            {
                try
                {
                    socket.Shutdown(SocketShutdown.Both);    // the receive thread sees the end and records the failure
                }
                catch (SocketException)
                {
                }
                return;
            }
            rest = rest[sent..];
        }
    }

    /// <summary>The receive thread: reads answers, records them, and keeps every lane busy (closed loop) or hands it
    /// the next pending ticket (open loop).</summary>
    private static void Receive(Run run, Lane[] lanes, int epoll)
    {
        if (!run.Options.OpenLoop)
        {
            foreach (var lane in lanes)
            {
                if (lane.Socket is not null)
                {
                    lane.Busy = true;
                    Send(run, lane, Stopwatch.GetTimestamp());
                }
            }
        }
        Span<Epoll.Event> events = stackalloc Epoll.Event[64];
        while (!run.Stop)
        {
            int ready = Epoll.Wait(epoll, events, run.Broken.Count > 0 ? 5 : 50);
            for (int e = 0; e < ready && !run.Stop; e++)
            {
                var lane = lanes[(int)events[e].Data];
                if (lane.Socket is null)
                {
                    continue;
                }
                var framer = lane.Framer;
                int received = lane.Socket.Receive(framer.FreeSpace(), SocketFlags.None, out var error);
                if (error == SocketError.WouldBlock)
                {
                    continue;
                }
                if (!IsBusy(run, lane))
                {
                    Retire(run, lane, epoll);   // the server closed (or wrote on) a connection with nothing in flight
                    continue;
                }
                Exchange exchange;
                if (error != SocketError.Success || received == 0)
                {
                    exchange = new Exchange(0, false, true);
                }
                else
                {
                    framer.Advance(received);
                    if (!framer.TryComplete(out exchange))
                    {
                        continue;
                    }
                }
                Complete(run, lane, epoll, exchange);
            }
            if (run.Broken.Count > 0)
            {
                Reconnect(run, epoll);
            }
        }
    }

    private static void Complete(Run run, Lane lane, int epoll, in Exchange exchange)
    {
        long now = Stopwatch.GetTimestamp();
        Interlocked.Decrement(ref run.Recorder.InFlight);
        if (now <= run.End)
        {
            run.Recorder.Record(lane.Start, now, exchange);   // finished after the end: not part of the run
        }
        if (exchange.Failed || lane.Framer.CloseRequested)
        {
            lock (run.Gate)
            {
                lane.Busy = false;
            }
            Retire(run, lane, epoll);
            lane.RetryAt = exchange.Failed ? now + FailureBackoff : now;
            return;
        }
        Reuse(run, lane);
    }

    private static bool IsBusy(Run run, Lane lane)
    {
        lock (run.Gate)
        {
            return lane.Busy;
        }
    }

    /// <summary>Closes a lane with nothing in flight and queues it to reconnect; it leaves the idle stack if it was
    /// there (rare: the server closed an idle keep-alive connection, so rebuilding the stack is fine).</summary>
    private static void Retire(Run run, Lane lane, int epoll)
    {
        lock (run.Gate)
        {
            if (run.Idle.Contains(lane))
            {
                var others = run.Idle.Where(l => l != lane).Reverse().ToArray();
                run.Idle.Clear();
                foreach (var other in others)
                {
                    run.Idle.Push(other);
                }
            }
        }
        Epoll.Remove(epoll, (int)lane.Socket!.Handle);
        lane.Socket.Dispose();
        lane.Socket = null;
        lane.RetryAt = Stopwatch.GetTimestamp();
        run.Broken.Add(lane);
    }

    /// <summary>A lane that is free again: the closed loop sends at once; the open loop takes a pending ticket or
    /// goes idle.</summary>
    private static void Reuse(Run run, Lane lane)
    {
        if (!run.Options.OpenLoop)
        {
            long now = Stopwatch.GetTimestamp();
            lane.Busy = now < run.End;
            if (lane.Busy)
            {
                Send(run, lane, now);
            }
            return;
        }
        long index;
        lock (run.Gate)
        {
            if (run.Pending == 0)
            {
                lane.Busy = false;
                run.Idle.Push(lane);
                return;
            }
            run.Pending--;
            lane.Busy = true;
            index = run.Taken++;
        }
        Send(run, lane, run.Origin + (long)(index * run.PeriodTicks));
    }

    private static void Reconnect(Run run, int epoll)
    {
        long now = Stopwatch.GetTimestamp();
        for (int i = run.Broken.Count - 1; i >= 0; i--)
        {
            var lane = run.Broken[i];
            if (now < lane.RetryAt)
            {
                continue;
            }
            if (!lane.TryConnect())
            {
                lane.RetryAt = now + FailureBackoff;
                continue;
            }
            run.Broken.RemoveAt(i);
            Epoll.Add(epoll, (int)lane.Socket!.Handle, (ulong)lane.Index);
            Reuse(run, lane);
        }
    }
}
