using System.Buffers;
using System.Text.Json;
using Gateway.Invocations;
using Microsoft.AspNetCore.Http;

namespace Gateway.Streaming;

/// <summary>
/// The HTTP response of one InvokeWithResponseStream: 200, <c>Content-Type: application/vnd.amazon.eventstream</c>,
/// <c>X-Amz-Executed-Version</c>, then a <c>PayloadChunk</c> event per piece of the runtime's body, each flushed as it
/// arrives, and one <c>InvokeComplete</c> event at the end (errors included: once the stream has begun, the HTTP status
/// is 200 and a failure is told in <c>ErrorCode</c> ("Unhandled") and <c>ErrorDetails</c> (the error document)).
/// A function that does not stream (its runtime posts an ordinary /response) is invoked all the same, as on AWS: its
/// whole response goes out as PayloadChunk events just before InvokeComplete.
/// </summary>
/// <remarks>
/// Two parties write: the runtime's connection (chunks) and the invoke request (the end, which may come from a timeout
/// or an exit while the runtime is still sending). A gate orders them, and after the end no chunk is written.
/// </remarks>
internal sealed class EventStreamResponse(HttpResponse response, Invocation invocation) : IResponseStreamSink
{
    public const string ContentType = "application/vnd.amazon.eventstream";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _started;
    private bool _ended;
    private bool _chunked; // a chunk was streamed: the buffered response is not this invocation's body

    public async ValueTask<bool> WriteAsync(ReadOnlySequence<byte> chunk, string? contentType)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_ended)
            {
                return false;
            }
            Start();
            _chunked = true;
            EventStreamMessage.Write(response.BodyWriter, EventStreamMessage.PayloadChunkHeaders, chunk);
            var flushed = await response.BodyWriter.FlushAsync().ConfigureAwait(false);
            if (flushed.IsCanceled || flushed.IsCompleted)
            {
                _ended = true; // the caller hung up
            }
            return !_ended;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException)
        {
            _ended = true;
            return false;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Ends the stream with InvokeComplete, from the invocation's outcome; no chunk is written after it.</summary>
    public async ValueTask CompleteAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_ended && _started)
            {
                return; // the caller is gone
            }
            _ended = true;
            Start();
            if (!_chunked && invocation.FunctionError is null && !await WriteBufferedResponseAsync().ConfigureAwait(false))
            {
                return; // the caller left while the response went out: no one to tell it is complete
            }
            var payload = new ArrayBufferWriter<byte>(256);
            using (var json = new Utf8JsonWriter(payload))
            {
                json.WriteStartObject();
                if (invocation.FunctionError is { } functionError)
                {
                    // As X-Amz-Function-Error on Invoke ("Unhandled"); the error document (errorType, errorMessage)
                    // is the details. AWS's exact values are not in its docs; SDK users' code expects "Unhandled".
                    json.WriteString("ErrorCode", functionError);
                    json.WriteString("ErrorDetails", System.Text.Encoding.UTF8.GetString(invocation.Response.ToArray()));
                }
                if (invocation.LogTail is { } logTail)
                {
                    json.WriteString("LogResult", logTail);
                }
                json.WriteEndObject();
            }
            EventStreamMessage.Write(response.BodyWriter, EventStreamMessage.InvokeCompleteHeaders, new ReadOnlySequence<byte>(payload.WrittenMemory));
            await response.BodyWriter.FlushAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException)
        {
            // the caller hung up
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>An ordinary /response (a handler that does not stream): its body as PayloadChunk events, one per pooled
    /// piece, each flushed before the next is framed (a 6 MB response is neither one 6 MB event message nor a second
    /// 6 MB copy in the server's pipe). False when the caller has gone.</summary>
    private async ValueTask<bool> WriteBufferedResponseAsync()
    {
        var body = invocation.Response;
        for (int i = 0; i < body.ChunkCount; i++)
        {
            EventStreamMessage.Write(response.BodyWriter, EventStreamMessage.PayloadChunkHeaders, new ReadOnlySequence<byte>(body.Chunk(i)));
            var flushed = await response.BodyWriter.FlushAsync().ConfigureAwait(false);
            if (flushed.IsCanceled || flushed.IsCompleted)
            {
                return false;
            }
        }
        return true;
    }

    private void Start()
    {
        if (_started)
        {
            return;
        }
        _started = true;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        response.Headers["X-Amz-Executed-Version"] = invocation.ExecutedVersion;
    }
}
