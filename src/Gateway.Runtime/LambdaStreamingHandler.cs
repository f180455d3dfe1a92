namespace Gateway.Runtime;

/// <summary>
/// A function that streams its response (Lambda's response streaming): whatever it writes to
/// <paramref name="response"/> goes to the caller as it is written (InvokeWithResponseStream, RESPONSE_STREAM function
/// URLs). Throwing after something was written ends the stream with the error in HTTP trailers; throwing before
/// reports it through <c>/error</c> as a buffered handler does.
/// </summary>
public delegate ValueTask LambdaStreamingHandler(InvocationContext context, LambdaResponseStream response);
