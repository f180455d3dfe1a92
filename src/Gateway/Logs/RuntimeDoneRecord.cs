namespace Gateway.Logs;

/// <summary>
/// What <c>platform.runtimeDone</c> says of an invocation (Telemetry API event schema reference): the runtime's status,
/// its <c>errorType</c> ("If the status is either failure or error, then the Status object also contains an errorType
/// field"), and <c>metrics</c> — <c>durationMs</c>, the runtime's own time (from the event's delivery to its answer; the
/// REPORT's Duration also counts the extensions' post-invoke work), and <c>producedBytes</c>, the response's size.
/// RAPID fills both for every invocation (rapid/handlers.go, telemetry/events_api.go GetRuntimeDoneInvokeMetrics: 0
/// bytes when the runtime never posted a /response).
/// </summary>
/// <param name="DurationMs">Null: the same as the REPORT's Duration (the runtime's answer ended the invocation), filled in
/// when the REPORT is measured.</param>
/// <param name="ProducedBytes">Null: not known (a streamed response goes to its caller as it arrives, uncounted), and left out.</param>
internal readonly record struct RuntimeDoneRecord(string Status, string? ErrorType, double? DurationMs, long? ProducedBytes)
{
    /// <summary>The record of an invocation that ended: <paramref name="status"/> is the REPORT's (timeout, error) or,
    /// when it has none, the function's own outcome ("error" for a runtime's /error, else "success").</summary>
    public static RuntimeDoneRecord Of(Invocations.Invocation invocation, string? status, string? errorType, double? durationMs)
    {
        bool functionError = invocation.FunctionError is not null;
        string runtimeStatus = status ?? (functionError ? "error" : "success");
        // The schema's errorType goes with failure and error only (a timeout has none, as RAPID's handleReset sends it).
        string? type = runtimeStatus is "error" or "failure" ? errorType ?? invocation.ErrorType : null;
        long? bytes = invocation.Stream is not null ? null : status is null && !functionError ? invocation.Response.Length : 0;
        return new RuntimeDoneRecord(runtimeStatus, type, durationMs, bytes);
    }
}
