using System.Globalization;
using System.Text;
using Gateway.Functions;
using Gateway.Invocations;
using Gateway.Logs;
using Gateway.Native;

namespace Gateway.Environments;

/// <summary>
/// Carries out the ending the state machine chose for an invocation of one environment: puts the caller's answer in
/// place (the runtime's body, or the platform's error document in AWS's wording for timeouts, runtime exits and
/// oversized responses), writes the platform's log lines, and completes the invocation through the report.
/// </summary>
/// <remarks>
/// Only ever given an invocation the state machine has claimed, so each runs at most once per invocation. The
/// <c>initDurationMs</c> arguments are the environment's, read under its lock: a cold start's first REPORT carries it.
/// Endings that come from a timer or the exit watch are not awaited; the report tracks them for the cleanup.
/// </remarks>
internal sealed class InvocationEndings
{
    private static readonly CompositeFormat TimedOutMessage = CompositeFormat.Parse("RequestId: {0} Error: Task timed out after {1:F2} seconds");

    private const string TimedOutType = "Sandbox.Timedout";
    private const string ExitErrorType = "Runtime.ExitError";
    private const string OutOfMemoryType = "Runtime.OutOfMemory";
    private const string ResponseTooLargeType = "Function.ResponseSizeTooLarge";
    private const string UnknownApplicationError = "Unknown application error occurred";

    private readonly InvocationReport _report;
    private readonly FunctionDefinition _function;
    private readonly TimeProvider _time;
    private readonly double _initTimeoutSeconds;

    public InvocationEndings(InvocationReport report, FunctionDefinition function, TimeProvider time, double initTimeoutSeconds)
    {
        _report = report;
        _function = function;
        _time = time;
        _initTimeoutSeconds = initTimeoutSeconds;
    }

    /// <summary>/response or /error: the caller gets the runtime's body (an error without one gets <c>{"errorType":…}</c>).</summary>
    public Task AnsweredAsync(Invocation invocation, PooledPayload body, bool isError, string? errorType, double? initDurationMs)
    {
        TakeAnswer(invocation, body, isError, errorType);
        return _report.FinishAsync(invocation, initDurationMs, null, null);
    }

    /// <summary>/response or /error while extensions still work on the invocation: the caller gets the runtime's body now,
    /// END and REPORT come when the extensions are done (<see cref="InvocationReport.FinishAfterExtensions"/>).</summary>
    public InvocationReport.DeferredReport AnsweredBeforeExtensions(Invocation invocation, PooledPayload body, bool isError, string? errorType, double? initDurationMs)
    {
        TakeAnswer(invocation, body, isError, errorType);
        return _report.Answer(invocation, initDurationMs);
    }

    /// <summary>The runtime's body becomes the caller's answer (an /error's, with the function error it names).</summary>
    private static void TakeAnswer(Invocation invocation, PooledPayload body, bool isError, string? errorType)
    {
        invocation.ReplaceResponse(body);
        if (isError)
        {
            SetRuntimeError(invocation, body, errorType);
        }
    }

    /// <summary>A /response over the limit: Function.ResponseSizeTooLarge (errorMessage first, as AWS writes it).</summary>
    public Task ResponseTooLargeAsync(Invocation invocation, int limit, double? initDurationMs)
    {
        Fail(invocation, ResponseTooLargeType,
            string.Create(CultureInfo.InvariantCulture, $"Response payload size exceeded maximum allowed payload size ({limit} bytes)."), typeFirst: false);
        return _report.FinishAsync(invocation, initDurationMs, null, "error");
    }

    /// <summary>/init/error: INIT_REPORT, and the invocation waiting for init (if any) gets the runtime's error document
    /// verbatim; its REPORT names the error after its status, as AWS's does ("Status: error  Error Type:
    /// Runtime.ImportModuleError", recorded CloudWatch output).</summary>
    /// <param name="initStart">The timestamp the init in the invoke phase began at (the retry's spawn): the invocation's
    /// Duration counts from there, as AWS's REPORT after a failed retry does.</param>
    /// <param name="initReported">Its INIT_REPORT is written already (an init retry decided, then called off by a stop).</param>
    public Task InitFailedAsync(Invocation? waiting, Func<PooledPayload, PooledPayload> takeBody, string? errorType, double initReportMs, double? initDurationMs, InitPhase phase,
        long? initStart = null, bool initReported = false)
    {
        var type = ErrorTypes.Sanitize(errorType);
        if (waiting is not null)
        {
            var body = takeBody(waiting.Response);
            waiting.ReplaceResponse(body);
            SetRuntimeError(waiting, body, type);
        }
        // Under the invocation's START, as AWS logs an invocation whose init the runtime reported failed (recorded
        // console output of a Runtime.ImportModuleError after the retry, and sam logs of a Runtime.Unknown):
        // "Unknown application error occurred" and the type.
        return EndAfterFailedInit(waiting, initReportMs, "error", type, phase, initDurationMs,
            waiting is null ? null : $"{UnknownApplicationError}\n{type}", initStart, initReported);
    }

    /// <summary>The init deadline passed: INIT_REPORT, and Sandbox.Timedout for the invocation waiting for init.</summary>
    /// <param name="phase">Invoke: an init that went on in the invoke phase ran out of the function's timeout: the caller
    /// is told that timeout ("Task timed out after 30.00 seconds", as LocalStack's AWS recording of an init that never
    /// finishes, <c>test_lambda_runtime_exit_segfault</c>, shows), and the log reads START, INIT_REPORT … Phase: invoke,
    /// END, REPORT.</param>
    /// <param name="initStart">In the invoke phase, where that init began (its spawn): the REPORT's Duration counts from
    /// there, so it is the timeout, as AWS's REPORT after a re-init that ran out of time reads ("Duration: 3000.00 ms").</param>
    public void InitTimedOut(Invocation? waiting, double initReportMs, double? initDurationMs, InitPhase phase, long? initStart = null)
    {
        if (waiting is not null)
        {
            Fail(waiting, TimedOutType, TimedOut(waiting.RequestId, phase == InitPhase.Invoke ? _function.TimeoutSeconds : _initTimeoutSeconds));
        }
        if (phase == InitPhase.Invoke && initStart is { } start)
        {
            // At most the timeout: an init that went past the init phase's limit began before its invocation came.
            long now = _time.GetTimestamp();
            initStart = Math.Max(start, now - (long)(_function.TimeoutSeconds * (double)_time.TimestampFrequency));
        }
        _ = EndAfterFailedInit(waiting, initReportMs, "timeout", null, phase, initDurationMs, initStart: initStart);
    }

    /// <summary>The invocation deadline passed: Sandbox.Timedout, and the platform's timeout line in the log.</summary>
    public void TimedOut(Invocation invocation, double? initDurationMs)
    {
        int seconds = _function.TimeoutSeconds;
        Fail(invocation, TimedOutType, TimedOut(invocation.RequestId, seconds));
        var line = string.Create(CultureInfo.InvariantCulture, $"{_time.GetUtcNow():yyyy-MM-ddTHH:mm:ss.fffZ} {invocation.RequestId} Task timed out after {seconds:F2} seconds");
        Finish(invocation, undelivered: false, initDurationMs, line, "timeout");
    }

    /// <summary>
    /// The process exited: Runtime.ExitError for the invocation it was running and the one waiting for it, or, when the
    /// environment's cgroup saw the OOM killer strike (<paramref name="outOfMemory"/>), Runtime.OutOfMemory with the same
    /// message ("Runtime exited with error: signal: killed") and Max Memory Used at the memory size. Either way the REPORT
    /// says <c>Status: error  Error Type: {type}</c>, as AWS's "Failures during the invoke phase" shows it
    /// (lambda-runtime-environment.html).
    /// </summary>
    /// <param name="extensionFailure">An extension's exit ended the environment (Extension.Crash, or the Extension.InitError
    /// or ExitError it reported first) and how it exited (<c>exit code 0</c>, <c>exit status 2</c>, as RAPID words it):
    /// that is the invocations' error instead of the runtime's.</param>
    /// <param name="initStart">The timestamp an init in the invoke phase began at (see <see cref="InitFailedAsync"/>).</param>
    /// <param name="initReported">The pending invocation's INIT_REPORT is written already (see <see cref="InitFailedAsync"/>).</param>
    public void Exited(ExitStep step, ChildExit exit, double initReportMs, double? initDurationMs, bool outOfMemory = false, InitPhase initPhase = InitPhase.Init,
        (string Type, string Reason)? extensionFailure = null, long? initStart = null, bool initReported = false)
    {
        var reason = exit is { Signaled: false, Code: 0 } ? "Runtime exited without providing a reason" : "Runtime exited with error: " + exit.Describe();
        var type = outOfMemory ? OutOfMemoryType : ExitErrorType;
        if (extensionFailure is { } failure && !outOfMemory)
        {
            (type, reason) = failure;
        }
        if (outOfMemory)
        {
            _report.ReachedMemoryLimit();
        }
        if (step.Pending is { } pending)
        {
            // The error under the waiting invocation's START, as for an exit mid-invocation: AWS's logs of a bootstrap
            // that exits during init show "RequestId: … Error: Runtime exited …" and the type there (recorded CloudWatch
            // output in cargo-lambda/cargo-lambda#572 and aws/aws-lambda-go#554), so filters on it find init crashes too.
            var message = $"RequestId: {pending.RequestId} Error: {reason}";
            Fail(pending, type, message);
            _ = EndAfterFailedInit(pending, initReportMs, "error", type, initPhase, initDurationMs, $"{message}\n{type}", initStart, initReported);
        }
        if (step.Current is { } current)
        {
            var message = $"RequestId: {current.RequestId} Error: {reason}";
            Fail(current, type, message);
            Finish(current, undelivered: false, initDurationMs, $"{message}\n{type}", "error", type);
        }
    }

    /// <summary>
    /// The bootstrap could not be started, with the log stream open: INIT_REPORT with the error, then the invocation's
    /// START, the error as the platform logs it (<c>RequestId: … Error: Couldn't find valid bootstrap(s): […]</c> and the
    /// type on the next line, as CloudWatch shows a Runtime.InvalidEntrypoint), END and REPORT, so the logs and a
    /// <c>LogType: Tail</c> caller see why.
    /// </summary>
    /// <param name="phase">Invoke: the init retry's bootstrap could not start either (<see cref="InitFailedAsync"/>'s
    /// <c>initStart</c> is then where the invocation's Duration starts).</param>
    public void FailedToStartLogged(Invocation pending, string errorType, string message, double initReportMs, InitPhase phase = InitPhase.Init, long? initStart = null,
        bool initReported = false)
    {
        var text = $"RequestId: {pending.RequestId} Error: {message}";
        Fail(pending, errorType, text);
        _ = EndAfterFailedInit(pending, initReportMs, "error", errorType, phase, null, $"{text}\n{errorType}", initStart, initReported);
    }

    /// <summary>The bootstrap could not be started before its log stream was open: the waiting invocation fails at once.</summary>
    public static void FailedToStart(Invocation pending, string errorType, string message)
    {
        Fail(pending, errorType, $"RequestId: {pending.RequestId} Error: {message}");
        pending.Complete();
    }

    /// <summary>
    /// The log of an init that failed (error, exit, timeout) and of the invocation that waited for it (already given its
    /// answer). An init that failed is reported first and the invocation then gets its START, also an init in the invoke
    /// phase (the retry: recorded CloudWatch logs read <c>INIT_REPORT … Phase: invoke Status: error</c>, then START, END,
    /// REPORT, whose Duration counts from that init's start, <paramref name="initStart"/>). An init in the invoke phase
    /// that ran out of the function's timeout reads START, INIT_REPORT … Phase: invoke Status: timeout, END, REPORT (as
    /// LocalStack's AWS recording of an init that never finishes shows it).
    /// </summary>
    private Task EndAfterFailedInit(Invocation? waiting, double initReportMs, string status, string? errorType, InitPhase phase, double? initDurationMs,
        string? platformLines = null, long? initStart = null, bool initReported = false)
    {
        if (waiting is null)
        {
            if (!initReported)
            {
                _report.WriteInitReport(initReportMs, status, errorType, phase);
            }
            return Task.CompletedTask;
        }
        if (phase == InitPhase.Invoke && status == "timeout")
        {
            _report.Begin(waiting, initStart ?? _time.GetTimestamp());
            _report.WriteInitReport(initReportMs, status, errorType, phase);
        }
        else
        {
            if (!initReported)
            {
                _report.WriteInitReport(initReportMs, status, errorType, phase);
            }
            // It never reached the runtime, but still gets its START line.
            if (phase == InitPhase.Invoke && initStart is { } start)
            {
                _report.Begin(waiting, start);
            }
            else
            {
                _report.Begin(waiting);
            }
        }
        return _report.FinishAsync(waiting, initDurationMs, platformLines, status, errorType);
    }

    private static string TimedOut(string requestId, double seconds) => string.Format(CultureInfo.InvariantCulture, TimedOutMessage, requestId, seconds);

    /// <summary>Replaces the response with <c>{"errorType":…,"errorMessage":…}</c> and marks the invocation failed.</summary>
    private static void Fail(Invocation invocation, string errorType, string message, bool typeFirst = true)
    {
        invocation.Response.Reset();
        PlatformError.Write(invocation.Response, errorType, message, typeFirst);
        invocation.SetError(errorType);
    }

    private static void SetRuntimeError(Invocation invocation, PooledPayload body, string? errorType)
    {
        var type = ErrorTypes.Sanitize(errorType);
        if (body.Length == 0)
        {
            PlatformError.Write(body, type, null);
        }
        invocation.SetError(type);
    }

    private void Finish(Invocation invocation, bool undelivered, double? initDurationMs, string? platformLines, string status, string? errorType = null)
    {
        if (undelivered)
        {
            _report.Begin(invocation); // it never reached the runtime, but still gets its START line
        }
        _ = _report.FinishAsync(invocation, initDurationMs, platformLines, status, errorType);
    }
}
