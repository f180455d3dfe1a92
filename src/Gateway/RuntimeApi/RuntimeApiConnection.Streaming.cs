using System.Buffers;
using Gateway.Streaming;

namespace Gateway.RuntimeApi;

// Streamed /response posts: those with Lambda-Runtime-Function-Response-Mode: streaming, and any /response of an
// invocation made through a streaming API (InvokeWithResponseStream, a RESPONSE_STREAM function URL). Kept apart from
// the buffered path, which stays as it was: a streamed response is forwarded piece by piece to the invocation's sink,
// never held whole.
internal sealed partial class RuntimeApiConnection
{
    /// <param name="untypedContentType">The type of a body the runtime sent without a Content-Type.</param>
    private async ValueTask<bool> HandleStreamedResponseAsync(RuntimeRequestHead head, ReadOnlyMemory<byte> id, string untypedContentType)
    {
        var options = _environment.Options;
        var sink = _environment.CurrentStream();
        // A caller of Invoke (not the streaming API) gets the body buffered, within the ordinary response limit.
        long limit = sink is null ? _environment.ResponseLimit : options.StreamResponseLimit;
        if (head.ExpectContinue && (head.Chunked || head.ContentLength <= limit))
        {
            // Not for a body declared over the limit: its 413 comes at once, and a 100 would ask for it first.
            await SendAsync(RuntimeReplies.Continue).ConfigureAwait(false);
        }
        _scratch.Reset();
        var pacer = new StreamPacer(options.StreamUncappedBytes, options.StreamBytesPerSecond, TimeProvider.System);
        bool forwarding = sink is not null;
        string contentType = head.ContentType ?? untypedContentType; // the parser gives HttpIntegration as its constant
        var body = await StreamedBodyReader.ReadAsync(_reader, head, limit, async chunk =>
        {
            if (sink is null)
            {
                _scratch.Write(chunk);
                return;
            }
            if (forwarding)
            {
                forwarding = await sink.WriteAsync(chunk, contentType).ConfigureAwait(false);
            }
            await pacer.PaceAsync(chunk.Length).ConfigureAwait(false);
        }).ConfigureAwait(false);

        if (body.Status == BodyStatus.Truncated)
        {
            await SendAsync(RuntimeReplies.TruncatedRequest).ConfigureAwait(false);
            return false; // the process's exit (or the deadline) ends the invocation
        }
        if (body.Status == BodyStatus.TooLarge)
        {
            int shownLimit = (int)Math.Min(limit, int.MaxValue);
            await _environment.OnResponseTooLargeAsync(id, shownLimit).ConfigureAwait(false);
            await SendAsync(RuntimeReplies.PayloadTooLarge(shownLimit)).ConfigureAwait(false);
            return false; // the rest of the body was never read
        }

        bool isError = body.ErrorType is not null;
        if (isError)
        {
            // The trailers' error document (base64) becomes the error the caller sees, in place of any partial body.
            _scratch.Reset();
            _scratch.Write(DecodeErrorBody(body.ErrorType!, body.ErrorBodyBase64));
        }
        var reply = await _environment.OnResultAsync(id, isError, body.ErrorType, _swapScratch).ConfigureAwait(false);
        if (reply == RuntimeReplies.Accepted)
        {
            // Sent with this connection's next write, as for a buffered response (or, when the post asked to close,
            // with Connection: close just before the close: RunAsync).
            _owesAccepted = true;
            return true;
        }
        await SendAsync(reply).ConfigureAwait(false);
        return !head.ConnectionClose;
    }

    /// <summary>A mode other than "streaming": the runtime gets 400 InvalidFunctionResponseMode and the caller a
    /// Runtime.InvalidResponseModeHeader error, as AWS's emulator does.</summary>
    private async ValueTask<bool> RefuseResponseModeAsync(RuntimeRequestHead head, ReadOnlyMemory<byte> id)
    {
        if (head.ContentLength > 0 || head.Chunked)
        {
            var status = await BodyReader.ReadAsync(_reader, head, null, int.MaxValue).ConfigureAwait(false);
            if (status != BodyStatus.Complete)
            {
                await SendAsync(RuntimeReplies.InvalidResponseMode).ConfigureAwait(false);
                return false;
            }
        }
        _scratch.Reset();
        _scratch.Write("""{"errorType":"Runtime.InvalidResponseModeHeader","errorMessage":"Invalid function response mode"}"""u8);
        var reply = await _environment.OnResultAsync(id, true, "Runtime.InvalidResponseModeHeader", _swapScratch).ConfigureAwait(false);
        await SendAsync(reply == RuntimeReplies.Accepted ? RuntimeReplies.InvalidResponseMode : reply).ConfigureAwait(false);
        return !head.ConnectionClose;
    }

    internal static byte[] DecodeErrorBody(string errorType, string? base64)
    {
        if (base64 is not null)
        {
            try
            {
                return Convert.FromBase64String(base64);
            }
            catch (FormatException)
            {
                // not base64: fall through to a document made from the type alone
            }
        }
        var escaped = System.Text.Json.JsonEncodedText.Encode(errorType).ToString();
        return System.Text.Encoding.UTF8.GetBytes($$"""{"errorType":"{{escaped}}","errorMessage":""}""");
    }
}
