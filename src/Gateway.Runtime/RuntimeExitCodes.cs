namespace Gateway.Runtime;

/// <summary>The exit codes <see cref="LambdaRuntime.RunAsync(LambdaHandler, CancellationToken)"/>
/// returns. Whatever the code, the gateway reports an exit mid-invocation as <c>Runtime.ExitError</c>;
/// distinct codes only make its log line say which side gave up.</summary>
public static class RuntimeExitCodes
{
    /// <summary>Creating the handler threw; the error was posted to <c>/init/error</c>.</summary>
    public const int InitError = 1;

    /// <summary>The Runtime API is gone (connect refused), told the runtime to exit (5xx, non-200
    /// <c>/next</c>), broke the protocol, or was never configured.</summary>
    public const int RuntimeApiFailure = 2;
}
