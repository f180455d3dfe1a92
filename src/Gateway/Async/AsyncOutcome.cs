namespace Gateway.Async;

/// <summary>Why an Event invocation's record goes to a destination (AWS's <c>requestContext.condition</c>).</summary>
internal enum OutcomeCondition
{
    Success,
    RetriesExhausted,
    EventAgeExceeded,
    /// <summary>Not run because the function's reserved concurrency is 0 (AWS's record, approximateInvokeCount 0).</summary>
    ZeroReservedConcurrency,
}

/// <summary>
/// The final outcome of one Event invocation: everything a destination record (or a dead-letter message) is
/// built from. Payloads are borrowed: valid only until the delivery call that receives them returns.
/// </summary>
/// <param name="RequestId">The invocation's request id (the idempotency key a destination should use).</param>
/// <param name="FunctionArn">Qualified ARN, e.g. <c>arn:aws:lambda:us-east-1:000000000000:function:echo:$LATEST</c>.</param>
/// <param name="ApproximateInvokeCount">Attempts that ran the function (0 when it never ran, e.g. aged out while throttled).</param>
/// <param name="StatusCode">The last attempt's status code (200 when the function ran, even if it failed); null when it never ran.</param>
/// <param name="FunctionError">"Unhandled" when the last attempt failed, else null.</param>
/// <param name="ResponsePayload">The function's response, or its error document; empty when it never ran.</param>
/// <param name="ErrorType">The error type (e.g. Runtime.ExitError, Sandbox.Timedout) for dead-letter messages; null on success.</param>
/// <param name="ErrorMessage">A short error message for dead-letter messages; null on success.</param>
internal readonly record struct AsyncOutcome(
    string RequestId,
    string FunctionName,
    string FunctionArn,
    OutcomeCondition Condition,
    int ApproximateInvokeCount,
    DateTimeOffset Timestamp,
    ReadOnlyMemory<byte> RequestPayload,
    int? StatusCode,
    string? FunctionError,
    ReadOnlyMemory<byte> ResponsePayload,
    string? ErrorType,
    string? ErrorMessage);
