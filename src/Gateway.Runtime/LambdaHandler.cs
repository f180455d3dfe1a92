using System.Buffers;

namespace Gateway.Runtime;

/// <summary>
/// A function: reads <see cref="InvocationContext.Payload"/> and writes its response into
/// <paramref name="response"/>. Return a completed <see cref="ValueTask"/> from synchronous code (no
/// allocation); throw to report a function error through the Runtime API's <c>/error</c>.
/// </summary>
/// <param name="context">This invocation. The object and its payload are reused by the runtime and are
/// valid only until the returned task completes.</param>
/// <param name="response">Where the response bytes go. Whatever was written is discarded if the handler throws.</param>
public delegate ValueTask LambdaHandler(InvocationContext context, IBufferWriter<byte> response);
