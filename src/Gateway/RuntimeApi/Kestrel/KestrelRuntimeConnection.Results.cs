using System.IO.Pipelines;
using Gateway.Streaming;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;

namespace Gateway.RuntimeApi.Kestrel;

// /response, /error and /init/error through Kestrel: the same checks, limits and replies as the hand-written server's
// HandleResultAsync and HandleStreamedResponseAsync, with Kestrel de-chunking the body (and parsing its trailers).
internal sealed partial class KestrelRuntimeConnection
{
    private const string ErrorTypeHeader = "Lambda-Runtime-Function-Error-Type";
    private const string ErrorBodyTrailer = "Lambda-Runtime-Function-Error-Body";
    private const string ResponseModeHeader = "Lambda-Runtime-Function-Response-Mode";

    /// <param name="idLength">Bytes of the request id in the id buffer; -1 when the path's id cannot be valid.</param>
    private async Task HandleResultAsync(HttpContext context, RuntimeRoute route, int idLength)
    {
        var request = context.Request;
        var response = context.Response;
        bool isError = route == RuntimeRoute.Error;
        var id = _id.AsMemory(0, Math.Max(idLength, 0));

        // Refuse early, before reading the body, when the id or the state is wrong (Kestrel then drains the body, or
        // closes when it was never sent after Expect: 100-continue).
        bool streams = false;
        var early = route == RuntimeRoute.InitError ? _environment.CheckInitError()
            : idLength < 0 ? RuntimeReplies.InvalidRequestId
            : _environment.CheckResult(id.Span, isError, out streams);
        if (early is not null)
        {
            KestrelReplies.Write(response, early);
            return;
        }
        var headers = request.Headers;
        string? errorType = NullIfEmpty(headers[ErrorTypeHeader]);
        if (route == RuntimeRoute.Response && NullIfEmpty(headers[ResponseModeHeader]) is { } mode)
        {
            if (mode == "streaming")
            {
                await HandleStreamedResponseAsync(context, id, StreamContentTypes.Default).ConfigureAwait(false);
            }
            else
            {
                await RefuseResponseModeAsync(context, id).ConfigureAwait(false);
            }
            return;
        }
        if (route == RuntimeRoute.Response && streams)
        {
            // Invoked through a streaming API: streamed whether or not the runtime said so (StreamContentTypes.Json).
            await HandleStreamedResponseAsync(context, id, StreamContentTypes.Json).ConfigureAwait(false);
            return;
        }

        int limit = _environment.ResponseLimit;
        try
        {
            _scratch.Reset();
            long? declared = request.ContentLength;
            if (declared is > 0 && declared <= limit)
            {
                _scratch.Reserve((int)declared.Value);
            }
            var body = declared > limit ? BodyStatus.TooLarge : await ReadBodyAsync(request.BodyReader, limit).ConfigureAwait(false);
            if (body == BodyStatus.Truncated)
            {
                KestrelReplies.Write(response, RuntimeReplies.TruncatedRequest);
                return;
            }
            byte[] reply;
            if (route == RuntimeRoute.InitError)
            {
                reply = await _environment.OnInitErrorAsync(this, errorType, _swapScratch).ConfigureAwait(false);
                if (ReferenceEquals(reply, RuntimeReplies.Accepted))
                {
                    try
                    {
                        KestrelReplies.Write(response, reply);
                        await response.CompleteAsync().ConfigureAwait(false); // the 202 is out before the environment stops
                    }
                    finally
                    {
                        _environment.StopAfterInitError();
                    }
                    return;
                }
            }
            else if (body == BodyStatus.TooLarge)
            {
                // An /error too large ends the invocation too (see RuntimeApiConnection).
                reply = await _environment.OnResponseTooLargeAsync(id, route == RuntimeRoute.Error).ConfigureAwait(false);
                // Connection: close (in the reply): the rest of the body is never read.
                KestrelReplies.Write(response, ReferenceEquals(reply, RuntimeReplies.Accepted) ? RuntimeReplies.PayloadTooLarge(limit) : reply);
                return;
            }
            else
            {
                reply = await _environment.OnResultAsync(id, isError, errorType, _swapScratch).ConfigureAwait(false);
            }
            KestrelReplies.Write(response, reply);
        }
        finally
        {
            _scratch.Reset(); // after a swap, the invocation's emptied payload; else a refused body's bytes
        }
    }

    /// <summary>Reads the whole body into the scratch payload, stopping as soon as it would pass <paramref name="limit"/>.</summary>
    private async ValueTask<BodyStatus> ReadBodyAsync(PipeReader reader, long limit)
    {
        long total = 0;
        try
        {
            while (true)
            {
                var read = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = read.Buffer;
                if (buffer.Length > limit - total)
                {
                    reader.AdvanceTo(buffer.End);
                    return BodyStatus.TooLarge;
                }
                total += buffer.Length;
                _scratch.Write(buffer);
                reader.AdvanceTo(buffer.End);
                if (read.IsCompleted)
                {
                    return BodyStatus.Complete;
                }
            }
        }
        catch (Exception ex) when (IsTruncation(ex))
        {
            return BodyStatus.Truncated;
        }
    }

    /// <param name="untypedContentType">The type of a body the runtime sent without a Content-Type.</param>
    private async Task HandleStreamedResponseAsync(HttpContext context, ReadOnlyMemory<byte> id, string untypedContentType)
    {
        var request = context.Request;
        var options = _environment.Options;
        var sink = _environment.CurrentStream();
        // A caller of Invoke (not the streaming API) gets the body buffered, within the ordinary response limit.
        long limit = sink is null ? _environment.ResponseLimit : options.StreamResponseLimit;
        string contentType = string.Equals(request.ContentType, StreamContentTypes.HttpIntegration, StringComparison.OrdinalIgnoreCase)
            ? StreamContentTypes.HttpIntegration : request.ContentType ?? untypedContentType;
        var pacer = new StreamPacer(options.StreamUncappedBytes, options.StreamBytesPerSecond, TimeProvider.System);
        bool forwarding = sink is not null;
        var reader = request.BodyReader;
        long total = 0;
        BodyStatus status = BodyStatus.Complete;
        try
        {
            _scratch.Reset();
            if (request.ContentLength > limit)
            {
                status = BodyStatus.TooLarge;
            }
            else
            {
                try
                {
                    while (true)
                    {
                        // Each piece is forwarded as soon as Kestrel has de-chunked it: nothing is held back.
                        var read = await reader.ReadAsync().ConfigureAwait(false);
                        var buffer = read.Buffer;
                        if (buffer.Length > limit - total)
                        {
                            reader.AdvanceTo(buffer.End);
                            status = BodyStatus.TooLarge;
                            break;
                        }
                        if (!buffer.IsEmpty)
                        {
                            total += buffer.Length;
                            if (sink is null)
                            {
                                _scratch.Write(buffer);
                            }
                            else
                            {
                                if (forwarding)
                                {
                                    forwarding = await sink.WriteAsync(buffer, contentType).ConfigureAwait(false); // before AdvanceTo
                                }
                                await pacer.PaceAsync(buffer.Length).ConfigureAwait(false);
                            }
                        }
                        reader.AdvanceTo(buffer.End);
                        if (read.IsCompleted)
                        {
                            break;
                        }
                    }
                }
                catch (Exception ex) when (IsTruncation(ex))
                {
                    status = BodyStatus.Truncated;
                }
            }

            if (status == BodyStatus.Truncated)
            {
                KestrelReplies.Write(context.Response, RuntimeReplies.TruncatedRequest);
                return; // the process's exit (or the deadline) ends the invocation
            }
            if (status == BodyStatus.TooLarge)
            {
                int shownLimit = (int)Math.Min(limit, int.MaxValue);
                await _environment.OnResponseTooLargeAsync(id, shownLimit).ConfigureAwait(false);
                KestrelReplies.Write(context.Response, RuntimeReplies.PayloadTooLarge(shownLimit));
                return;
            }

            // A mid-stream failure arrives in the chunked body's trailers (Kestrel parses them).
            string? errorType = null;
            string? errorBody = null;
            if (request.SupportsTrailers() && request.CheckTrailersAvailable())
            {
                errorType = NullIfEmpty(request.GetTrailer(ErrorTypeHeader));
                errorBody = NullIfEmpty(request.GetTrailer(ErrorBodyTrailer));
            }
            bool isError = errorType is not null;
            if (isError)
            {
                // The trailers' error document (base64) becomes the error the caller sees, in place of any partial body.
                _scratch.Reset();
                _scratch.Write(RuntimeApiConnection.DecodeErrorBody(errorType!, errorBody));
            }
            var reply = await _environment.OnResultAsync(id, isError, errorType, _swapScratch).ConfigureAwait(false);
            KestrelReplies.Write(context.Response, reply);
        }
        finally
        {
            _scratch.Reset();
        }
    }

    /// <summary>A mode other than "streaming": 400 InvalidFunctionResponseMode to the runtime, Runtime.InvalidResponseModeHeader
    /// to the caller, as the hand-written server (and AWS's emulator) answer.</summary>
    private async Task RefuseResponseModeAsync(HttpContext context, ReadOnlyMemory<byte> id)
    {
        var reader = context.Request.BodyReader;
        try
        {
            while (true)
            {
                var read = await reader.ReadAsync().ConfigureAwait(false);
                reader.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (IsTruncation(ex))
        {
            KestrelReplies.Write(context.Response, RuntimeReplies.InvalidResponseMode);
            return;
        }
        try
        {
            _scratch.Reset();
            _scratch.Write("""{"errorType":"Runtime.InvalidResponseModeHeader","errorMessage":"Invalid function response mode"}"""u8);
            var reply = await _environment.OnResultAsync(id, true, "Runtime.InvalidResponseModeHeader", _swapScratch).ConfigureAwait(false);
            KestrelReplies.Write(context.Response, ReferenceEquals(reply, RuntimeReplies.Accepted) ? RuntimeReplies.InvalidResponseMode : reply);
        }
        finally
        {
            _scratch.Reset();
        }
    }

    /// <summary>The runtime hung up or sent a malformed body mid-request (Kestrel's BadHttpRequestException).</summary>
    private static bool IsTruncation(Exception ex)
        => ex is BadHttpRequestException or ConnectionResetException or ConnectionAbortedException or IOException or OperationCanceledException;

    private static string? NullIfEmpty(Microsoft.Extensions.Primitives.StringValues values)
        => values.Count == 0 || string.IsNullOrEmpty(values[0]) ? null : values[0];
}
