using System.Buffers;

namespace Gateway.Streaming;

/// <summary>
/// Where a runtime's streamed response (<c>Lambda-Runtime-Function-Response-Mode: streaming</c>) goes while it arrives:
/// the caller of InvokeWithResponseStream or of a RESPONSE_STREAM function URL. The Runtime API connection calls it
/// from its own loop, chunk by chunk; the invoker's request ends the stream once the invocation is complete.
/// </summary>
internal interface IResponseStreamSink
{
    /// <summary>Forwards one piece of the body as it was read; false when the caller is gone or the stream was
    /// ended (timeout, exit), so the runtime's remaining bytes are read and dropped.</summary>
    ValueTask<bool> WriteAsync(ReadOnlySequence<byte> chunk, string? contentType);
}
