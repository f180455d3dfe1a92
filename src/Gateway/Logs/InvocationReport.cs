using System.Text.Unicode;
using Gateway.Invocations;

namespace Gateway.Logs;

/// <summary>
/// The platform's lines in one environment's log stream and the accounting behind them: START when an invocation
/// begins, END and REPORT (Duration, Init Duration on the cold start only, Max Memory Used) when it ends, INIT_REPORT
/// when init fails or times out, and platform notices such as the timeout line.
/// </summary>
/// <remarks>
/// Lines go to <see cref="Log"/> once the environment has opened its stream; before that (a start that failed) there
/// is nothing to write to and only the completion and the metrics happen.
/// </remarks>
internal sealed class InvocationReport
{
    // Re-read /proc at most this often on a run of short invocations (it was ~10% of the gateway's CPU under load).
    private const double MemoryReadIntervalMs = 50;

    private readonly object _lock = new();
    private readonly TimeProvider _time;
    private readonly string _version;
    private readonly int _memorySizeMb;
    private readonly Metrics.FunctionMetrics _metrics;
    private readonly Func<int> _readPeakMemoryMb;
    private int _finishing;
    private TaskCompletionSource? _allFinished;
    private bool _initDurationDue;
    private long _deliveredTimestamp;
    private long _lastMemoryRead;
    private int _maxMemoryMb;

    /// <param name="version">The function version on START lines.</param>
    /// <param name="readPeakMemoryMb">The process's peak memory so far in MB (0 when unknown).</param>
    /// <param name="coldStart">An on-demand environment: its first invocation reports Init Duration.</param>
    public InvocationReport(TimeProvider time, string version, int memorySizeMb, Metrics.FunctionMetrics metrics, Func<int> readPeakMemoryMb, bool coldStart)
    {
        _time = time;
        _version = version;
        _memorySizeMb = memorySizeMb;
        _metrics = metrics;
        _readPeakMemoryMb = readPeakMemoryMb;
        _initDurationDue = coldStart;
    }

    public EnvironmentLog? Log { get; set; }

    /// <summary>Reads the peak memory now: at the end of init (a runtime that dies mid-invocation can no longer be
    /// measured) and before a timed-out process is killed. It does not count as the REPORT's read, which still happens.</summary>
    public void SamplePeakMemory() => RaiseMaxMemory(_readPeakMemoryMb());

    /// <summary>The largest resident set the exited process tree reached (<see cref="Native.ChildExit.MaxRssKb"/>): a
    /// runtime that grew after the last read and then died is measured after all. At most the memory size: on AWS the
    /// environment has no more, and here the cgroup's limit also leaves room for /tmp (a process that got past the
    /// size was killed by it, which <see cref="ReachedMemoryLimit"/> reports as the size).</summary>
    public void RaisePeakMemory(int mb) => RaiseMaxMemory(Math.Min(mb, _memorySizeMb));

    /// <summary>The init retry's process starts: the failed attempt's peak is not the retry's (Max Memory Used is a
    /// process's high-water mark; on AWS the retry runs in a reset sandbox).</summary>
    public void ResetPeakMemory()
    {
        lock (_lock)
        {
            _maxMemoryMb = 0;
            _lastMemoryRead = 0;
        }
    }

    /// <summary>The cgroup's OOM killer struck: Max Memory Used is the memory size from now on (what AWS reports; the
    /// killed process can no longer be measured).</summary>
    public void ReachedMemoryLimit() => RaiseMaxMemory(_memorySizeMb);

    /// <summary>START: the invocation's Duration counts from here (also for one that failed before it reached the runtime).</summary>
    public void Begin(Invocation invocation) => Begin(invocation, _time.GetTimestamp());

    /// <summary>START, with the invocation's Duration counted from <paramref name="startTimestamp"/>: the spawn, for the
    /// first invocation after an init in the invoke phase (that init is its time, as AWS bills and reports it).</summary>
    public void Begin(Invocation invocation, long startTimestamp)
    {
        lock (_lock)
        {
            _deliveredTimestamp = startTimestamp;
        }
        Log?.Begin(invocation.RequestId, _version, captureTail: invocation.WantsLogTail);
    }

    /// <summary><c>INIT_REPORT Init Duration: … Phase: {phase} Status: {status}[ Error Type: …]</c> (platform.initReport in
    /// JSON format). Phase <c>invoke</c>: an init that went past the init phase's limit and went on in the invoke phase.</summary>
    public void WriteInitReport(double initDurationMs, string status, string? errorType, InitPhase phase = InitPhase.Init)
    {
        Log?.WriteInitReport(initDurationMs, status, errorType, phase);
    }

    /// <summary>
    /// Writes END and REPORT (after the worker's own output, and after <paramref name="platformLines"/>) through to the
    /// file, fills the log tail, records the metrics, and completes the invocation, even when the log cannot be written.
    /// Everything happens before this returns (the returned task is complete): the caller's response waits for it.
    /// </summary>
    /// <param name="initDurationMs">The environment's init duration, if known; reported on the first REPORT of a cold start.</param>
    /// <param name="platformLines">Lines (separated by '\n') the platform writes before END, or null.</param>
    /// <param name="status">REPORT's Status ("timeout", "error"), or null.</param>
    /// <param name="errorType">REPORT's Error Type after the Status (Runtime.OutOfMemory), or null.</param>
    public Task FinishAsync(Invocation invocation, double? initDurationMs, string? platformLines, string? status, string? errorType = null)
    {
        try
        {
            // runtimeDone's duration is the REPORT's: the invocation ends as the runtime answers (or fails).
            var runtimeDone = RuntimeDoneRecord.Of(invocation, status, errorType, durationMs: null);
            invocation.LogTail = WriteEnd(invocation.RequestId, invocation.WantsLogTail, invocation.FunctionError is not null, initDurationMs, platformLines, status, errorType, runtimeDone);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The log could not be written (disk full, environment torn down): the caller still gets its answer.
            Console.Error.WriteLine($"[gateway] could not write the log of {invocation.RequestId}: {ex.Message}");
        }
        finally
        {
            invocation.Complete();
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// The runtime has answered while extensions still work on the invocation (Extensions/): the worker's output reaches
    /// the file and the caller gets the answer now; END and REPORT follow in <see cref="FinishAfterExtensions"/>, when
    /// the last extension is back in /event/next, with a Duration that counts the extensions' time (as AWS's does).
    /// </summary>
    public DeferredReport Answer(Invocation invocation, double? initDurationMs)
    {
        // The runtime's part ends now: runtimeDone's durationMs stops here, the REPORT's Duration goes on with the extensions.
        double runtimeMs;
        lock (_lock)
        {
            runtimeMs = _time.GetElapsedTime(_deliveredTimestamp).TotalMilliseconds;
        }
        var runtimeDone = RuntimeDoneRecord.Of(invocation, null, null, runtimeMs);
        var deferred = new DeferredReport(invocation.RequestId, invocation.FunctionError is not null, initDurationMs, runtimeDone);
        try
        {
            if (Log is { } log)
            {
                invocation.LogTail = log.Answered(invocation.WantsLogTail, invocation.RequestId, runtimeDone);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            Console.Error.WriteLine($"[gateway] could not write the log of {invocation.RequestId}: {ex.Message}");
        }
        finally
        {
            invocation.Complete();
        }
        return deferred;
    }

    /// <summary>END and REPORT of an invocation answered before its extensions were done (<see cref="Answer"/>).</summary>
    public void FinishAfterExtensions(DeferredReport deferred, string? status = null, string? errorType = null)
    {
        try
        {
            // runtimeDone stays what it was at the answer (the runtime was done then, whatever ends the extensions' part).
            WriteEnd(deferred.RequestId, wantTail: false, deferred.FunctionError, deferred.InitDurationMs, null, status, errorType, deferred.RuntimeDone);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            Console.Error.WriteLine($"[gateway] could not write the log of {deferred.RequestId}: {ex.Message}");
        }
    }

    /// <summary>What END and REPORT need of an invocation whose object went back to its pool with the answer.</summary>
    internal sealed record DeferredReport(string RequestId, bool FunctionError, double? InitDurationMs, RuntimeDoneRecord RuntimeDone);

    /// <summary>END and REPORT through to the file, and the metrics; the tail's base64 when <paramref name="wantTail"/>.</summary>
    private string? WriteEnd(string requestId, bool wantTail, bool functionError, double? initDurationMs, string? platformLines, string? status, string? errorType,
                             RuntimeDoneRecord runtimeDone)
    {
        string? tail = null;
        try
        {
            double duration;
            double? init = null;
            var log = Log;
            int maxMemoryMb = 0;
            bool readMemory = false;
            lock (_lock)
            {
                _finishing++;
                long now = _time.GetTimestamp();
                duration = _time.GetElapsedTime(_deliveredTimestamp, now).TotalMilliseconds;
                if (_initDurationDue && initDurationMs is not null)
                {
                    init = initDurationMs;
                    _initDurationDue = false;
                }
                if (log is not null)
                {
                    // Max Memory Used decided under the same lock and clock read (one lock per invocation, not two).
                    readMemory = IsMemoryReadDueLocked(duration, now);
                    maxMemoryMb = _maxMemoryMb;
                }
            }
            if (log is not null)
            {
                if (readMemory)
                {
                    maxMemoryMb = ReadPeakMemory();
                }
                var report = new ReportLine(requestId, duration, init, _memorySizeMb, maxMemoryMb, status, errorType);
                // The one call at the response point: the worker's pending output, END and REPORT reach the file before
                // the caller's Complete releases the response (or lets an Event be marked done).
                if (runtimeDone.DurationMs is null)
                {
                    runtimeDone = runtimeDone with { DurationMs = duration };
                }
                tail = log.End(report, runtimeDone, wantTail, platformLines);
            }
            _metrics.RecordInvocation(duration, functionError);
        }
        finally
        {
            lock (_lock)
            {
                if (--_finishing == 0 && _allFinished is { } waiter)
                {
                    _allFinished = null;
                    waiter.TrySetResult();
                }
            }
        }
        return tail;
    }

    /// <summary>Completes when every END/REPORT begun so far is written: the log stream must outlive them (an ending
    /// from a timer or the exit watch can run on another thread while the environment cleans up).</summary>
    public Task WhenFinished()
    {
        lock (_lock)
        {
            if (_finishing == 0)
            {
                return Task.CompletedTask;
            }
            _allFinished ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _allFinished.Task;
        }
    }

    /// <summary>
    /// Max Memory Used, without reading /proc on every invocation: re-read when <see cref="MemoryReadIntervalMs"/> have
    /// passed since the last read or the invocation itself ran that long (long enough to have grown). VmHWM is a
    /// high-water mark, so a later read still sees an earlier peak. A due read is claimed here (under the lock) and
    /// made by <see cref="ReadPeakMemory"/> outside it.
    /// </summary>
    private bool IsMemoryReadDueLocked(double invocationMs, long now)
    {
        if (_lastMemoryRead != 0 && invocationMs < MemoryReadIntervalMs && _time.GetElapsedTime(_lastMemoryRead, now).TotalMilliseconds < MemoryReadIntervalMs)
        {
            return false;
        }
        _lastMemoryRead = now;
        return true;
    }

    private int ReadPeakMemory() => RaiseMaxMemory(_readPeakMemoryMb());

    /// <summary>Max Memory Used is a high-water mark: every source (a /proc read, the exit's rusage, an OOM kill) only
    /// raises it. Returns the mark.</summary>
    private int RaiseMaxMemory(int mb)
    {
        lock (_lock)
        {
            return _maxMemoryMb = Math.Max(_maxMemoryMb, mb);
        }
    }
}
