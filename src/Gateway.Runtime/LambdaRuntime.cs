using Gateway.Runtime.Transport;

namespace Gateway.Runtime;

/// <summary>
/// Runs a function against the Lambda Runtime API. A whole <c>Main</c>:
/// <code>return await LambdaRuntime.RunAsync((context, response) => { /* … */ return default; });</code>
/// The endpoint comes from <c>GATEWAY_RUNTIME_API_SOCKET</c> (a Unix socket: the gateway's fast path) or
/// else <c>AWS_LAMBDA_RUNTIME_API</c> (<c>host:port</c>, as on Lambda). Each result is posted together with the
/// next <c>/next</c> (HTTP/1.1 pipelining); <c>GATEWAY_RUNTIME_PIPELINING=0</c> sends them one after the other.
/// </summary>
/// <remarks>
/// The loop performs blocking socket I/O on the thread that runs it (one request is ever in flight, so
/// blocking is the shortest path); call it from <c>Main</c>, or from <c>Task.Run</c> when hosting it
/// inside another process. The returned task completes only when the runtime must stop, with one of
/// <see cref="RuntimeExitCodes"/>; a handler that throws does not stop it.
/// </remarks>
public static class LambdaRuntime
{
    /// <summary>Runs <paramref name="handler"/> for every invocation until the Runtime API goes away.</summary>
    public static Task<int> RunAsync(LambdaHandler handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return RunAsync(() => handler, cancellationToken);
    }

    /// <summary>Calls <paramref name="createHandler"/> once (the init phase: an exception is posted to
    /// <c>/init/error</c> and the task completes with <see cref="RuntimeExitCodes.InitError"/>), then runs
    /// the handler it returned for every invocation.</summary>
    public static Task<int> RunAsync(Func<LambdaHandler> createHandler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(createHandler);
        RuntimeApiEndpoint endpoint;
        try
        {
            endpoint = RuntimeApiEndpoint.FromEnvironment();
        }
        catch (InvalidOperationException exception)
        {
            RuntimeLog.Error(exception.Message);
            return Task.FromResult(RuntimeExitCodes.RuntimeApiFailure);
        }

        return RunAsync(endpoint, createHandler, cancellationToken);
    }

    /// <summary>Runs against an explicit endpoint (tests host the runtime in-process this way).</summary>
    /// <summary>Runs a streaming handler (response streaming: InvokeWithResponseStream, RESPONSE_STREAM URLs) until
    /// the Runtime API goes away; returns the process exit code.</summary>
    public static async Task<int> RunStreamingAsync(LambdaStreamingHandler handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        RuntimeApiEndpoint endpoint;
        try
        {
            endpoint = RuntimeApiEndpoint.FromEnvironment();
        }
        catch (InvalidOperationException exception)
        {
            RuntimeLog.Error(exception.Message);
            return RuntimeExitCodes.RuntimeApiFailure;
        }
        using var loop = new RuntimeLoop(new RuntimeApiClient(endpoint, pipelined: false));
        return await loop.RunStreamingAsync(endpoint, handler, cancellationToken).ConfigureAwait(false);
    }

    internal static async Task<int> RunAsync(
        RuntimeApiEndpoint endpoint, Func<LambdaHandler> createHandler, CancellationToken cancellationToken)
    {
        // GATEWAY_RUNTIME_PIPELINING=0 turns pipelining off: for measuring what it gains, and for a Runtime API
        // server that cannot take a second request before it has answered the first.
        bool pipelined = Environment.GetEnvironmentVariable("GATEWAY_RUNTIME_PIPELINING") != "0";
        using var loop = new RuntimeLoop(new RuntimeApiClient(endpoint, pipelined));
        return await loop.RunAsync(createHandler, cancellationToken).ConfigureAwait(false);
    }
}
