namespace Gateway.Invoke;

/// <summary>The three operations that invoke a function: one endpoint (<see cref="InvokeEndpoint"/>) serves them all.</summary>
internal enum InvokeOperation
{
    /// <summary><c>POST /2015-03-31/functions/{FunctionName}/invocations</c>: the type from <c>X-Amz-Invocation-Type</c>.</summary>
    Invoke,

    /// <summary><c>POST /2021-11-15/functions/{FunctionName}/response-streaming-invocations</c>: RequestResponse or
    /// DryRun, the response forwarded as event-stream PayloadChunk events.</summary>
    InvokeWithResponseStream,

    /// <summary>
    /// <c>POST /2014-11-13/functions/{FunctionName}/invoke-async/</c>: the deprecated InvokeAsync, which the aws CLI
    /// (<c>aws lambda invoke-async</c>), botocore and the SDKs still ship. Always an Event invocation (it has no
    /// headers of its own), answered 202 with <c>{"Status":202}</c>.
    /// </summary>
    InvokeAsync,
}
