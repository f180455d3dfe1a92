namespace Gateway.Runtime;

/// <summary>
/// The runtime's only output: one Error-level record on stderr when something goes wrong (a function or init error,
/// a refused post, a lost Runtime API), shaped as AWS's .NET runtime client writes it (<see cref="LogRecord"/>).
/// Successful invocations print nothing, as with AWS's runtimes; the gateway wraps function output in START/END/REPORT
/// lines itself. The function's own Console output is not touched (no per-line cost on the fast path).
/// </summary>
internal static class RuntimeLog
{
    /// <summary>The runtime's own complaint; <paramref name="requestId"/> names the invocation it concerns, if any.</summary>
    public static void Error(string message, string? requestId = null) => Write(requestId, traceId: null, message, exception: null);

    /// <summary>The exception a handler threw (or its creation threw, without a request id): the whole of it,
    /// <see cref="Exception.ToString"/> with its inner exceptions, as RuntimeSupport's WriteUnhandledExceptionToLog.</summary>
    public static void FunctionError(Exception exception, string? requestId, string? traceId) =>
        Write(requestId, traceId, message: null, exception);

    private static void Write(string? requestId, string? traceId, string? message, Exception? exception)
    {
        // Read on each record (they are rare), so an in-process host sees the variable as it is now.
        LogFormat format = LogRecord.FormatFrom(Environment.GetEnvironmentVariable);
        Console.Error.WriteLine(LogRecord.Format(format, DateTime.UtcNow, requestId, traceId, message, exception));
    }
}
