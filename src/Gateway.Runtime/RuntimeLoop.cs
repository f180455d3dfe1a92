using Gateway.Runtime.Http;
using Gateway.Runtime.Transport;

namespace Gateway.Runtime;

/// <summary>
/// The runtime's life: create the handler (init), then forever take the next event, run the handler,
/// and post its response or error. One invocation at a time, on one connection, reusing one context,
/// one response buffer and one receive buffer — a warm invocation allocates only the header strings.
/// </summary>
internal sealed class RuntimeLoop : IDisposable
{
    private const string TraceIdVariable = "_X_AMZN_TRACE_ID";

    private readonly RuntimeApiClient _client;
    private readonly InvocationContext _context = new();
    private readonly ResponseBuffer _response = new();
    private readonly ErrorBody _errorBody = new();

    public RuntimeLoop(RuntimeApiClient client) => _client = client;

    public async Task<int> RunAsync(Func<LambdaHandler> createHandler, CancellationToken cancellationToken)
    {
        // The loop blocks in socket calls, which a token cannot interrupt; closing the socket can.
        using CancellationTokenRegistration registration =
            cancellationToken.UnsafeRegister(static state => ((RuntimeApiClient)state!).Dispose(), _client);
        try
        {
            if (!TryCreateHandler(createHandler, out LambdaHandler? handler))
            {
                return RuntimeExitCodes.InitError;
            }

            bool haveEvent = _client.Next(_context);
            while (haveEvent)
            {
                // AWS runtimes publish the trace header this way for X-Ray SDKs; removed when absent so
                // a previous invocation's trace never leaks into the next.
                Environment.SetEnvironmentVariable(TraceIdVariable, _context.TraceId);
                _response.Clear();

                Exception? failure = null;
                try
                {
                    await handler(_context, _response).ConfigureAwait(false);
                }
                catch (Exception exception)
                {
                    failure = exception;
                }

                string requestId = _context.RequestId;
                _context.Payload = default; // the receive buffer is about to be reused

                haveEvent = failure is null
                    ? _client.PostResponseThenNext(requestId, _response, _context)
                    : PostErrorThenNext(requestId, failure);
            }

            return RuntimeExitCodes.RuntimeApiFailure;
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (RuntimeApiProtocolException exception)
        {
            RuntimeLog.Error($"The Runtime API broke the protocol: {exception.Message}");
            return RuntimeExitCodes.RuntimeApiFailure;
        }
    }

    /// <summary>The loop for a streaming handler: each invocation's response goes out on its own chunked post
    /// (<see cref="LambdaResponseStream"/>) while the handler writes; the next event is then fetched with /next.</summary>
    public async Task<int> RunStreamingAsync(RuntimeApiEndpoint endpoint, LambdaStreamingHandler handler, CancellationToken cancellationToken)
    {
        using CancellationTokenRegistration registration =
            cancellationToken.UnsafeRegister(static state => ((RuntimeApiClient)state!).Dispose(), _client);
        try
        {
            bool haveEvent = _client.Next(_context);
            while (haveEvent)
            {
                Environment.SetEnvironmentVariable(TraceIdVariable, _context.TraceId);
                var stream = new LambdaResponseStream(endpoint, _context.RequestId);
                Exception? failure = null;
                try
                {
                    await handler(_context, stream).ConfigureAwait(false);
                }
                catch (Exception exception)
                {
                    failure = exception;
                }
                string requestId = _context.RequestId;
                _context.Payload = default;

                if (failure is not null && !stream.Started)
                {
                    haveEvent = PostErrorThenNext(requestId, failure); // nothing streamed yet: an ordinary /error
                    continue;
                }
                string? errorType = null;
                byte[]? errorDocument = null;
                if (failure is not null)
                {
                    errorType = ErrorBody.ErrorTypeOf(failure);
                    RuntimeLog.FunctionError(failure, requestId, _context.TraceId);
                    _errorBody.Write(_response, errorType, failure);
                    errorDocument = _response.WrittenSpan.ToArray();
                }
                try
                {
                    if (!await stream.EndAsync(errorType, errorDocument).ConfigureAwait(false))
                    {
                        RuntimeLog.Error("The Runtime API refused the streamed response.", requestId);
                    }
                }
                catch (System.Net.Sockets.SocketException exception)
                {
                    RuntimeLog.Error($"The streamed response could not be sent: {exception.Message}", requestId);
                }
                haveEvent = _client.Next(_context);
            }
            return RuntimeExitCodes.RuntimeApiFailure;
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (RuntimeApiProtocolException exception)
        {
            RuntimeLog.Error($"The Runtime API broke the protocol: {exception.Message}");
            return RuntimeExitCodes.RuntimeApiFailure;
        }
    }

    public void Dispose() => _client.Dispose();

    private bool TryCreateHandler(Func<LambdaHandler> createHandler, out LambdaHandler handler)
    {
        try
        {
            handler = createHandler();
            return true;
        }
        catch (Exception exception)
        {
            // Init errors go to /init/error and end the process (the runtime contract: "report the
            // error and exit"). The gateway serves this body to the first invoke.
            string errorType = ErrorBody.ErrorTypeOf(exception);
            RuntimeLog.FunctionError(exception, requestId: null, traceId: null);
            _errorBody.Write(_response, errorType, exception);
            _client.PostInitError(errorType, _response);
            handler = null!;
            return false;
        }
    }

    private bool PostErrorThenNext(string requestId, Exception exception)
    {
        string errorType = ErrorBody.ErrorTypeOf(exception);
        RuntimeLog.FunctionError(exception, requestId, _context.TraceId); // the context still holds this invocation's
        _errorBody.Write(_response, errorType, exception);
        return _client.PostErrorThenNext(requestId, errorType, _response, _context);
    }
}
