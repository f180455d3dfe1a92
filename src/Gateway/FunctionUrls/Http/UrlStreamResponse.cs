using System.Buffers;
using System.Text.Json;
using Gateway.Invocations;
using Gateway.Streaming;
using Microsoft.AspNetCore.Http;

namespace Gateway.FunctionUrls.Http;

/// <summary>
/// The HTTP response of a RESPONSE_STREAM function URL, written while the runtime streams. A runtime that streams with
/// <c>Content-Type: application/vnd.awslambda.http-integration-response</c> (aws-lambda-ric's
/// <c>awslambda.HttpResponseStream.from(stream, {statusCode, headers, cookies})</c>) begins its body with a JSON prelude
/// and 8 NUL bytes: the prelude sets the status, headers and Set-Cookie lines, and only the bytes after the NULs are the
/// body. Any other stream is the body itself, sent as 200 with the runtime's Content-Type (<c>responseStream.setContentType</c>),
/// <c>application/octet-stream</c> when it set none. A function that does not stream at all has its result sent as it
/// is, not taken apart as a BUFFERED URL's would be: LocalStack's AWS-validated
/// <c>test_lambda_url_echo_invoke[RESPONSE_STREAM]</c> reads <c>{"statusCode":200,"body":"…"}</c> back as the body.
/// </summary>
/// <remarks>
/// The prelude is the only part held back (at most <see cref="MaxPrelude"/> bytes, until its 8 NULs arrive); every body
/// byte is flushed as it comes. The runtime's connection writes the chunks; the URL request ends the response
/// (<see cref="CompleteAsync"/>); a gate orders the two, as in <see cref="EventStreamResponse"/>.
/// </remarks>
/// <param name="cors">The URL's CORS config: its headers are set again after a prelude's, so the configured ones win
/// over a function's own, as for a BUFFERED URL.</param>
internal sealed class UrlStreamResponse(HttpRequest request, HttpResponse response, Invocation invocation, FunctionUrlCors? cors) : IResponseStreamSink
{
    private const int MaxPrelude = 64 * 1024;
    private const int DelimiterLength = 8;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private ArrayBufferWriter<byte>? _prelude;
    private bool _started;
    private bool _ended;

    public async ValueTask<bool> WriteAsync(ReadOnlySequence<byte> chunk, string? contentType)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_ended)
            {
                return false;
            }
            if (!_started)
            {
                if (contentType == StreamContentTypes.HttpIntegration)
                {
                    _prelude ??= new ArrayBufferWriter<byte>(512);
                    foreach (var segment in chunk)
                    {
                        _prelude.Write(segment.Span);
                    }
                    int end = _prelude.WrittenSpan.IndexOf(stackalloc byte[DelimiterLength]);
                    if (end < 0)
                    {
                        if (_prelude.WrittenCount > MaxPrelude)
                        {
                            StartPlain(StatusCodes.Status502BadGateway);
                            _ended = true;
                            return false;
                        }
                        return true; // the prelude is not complete yet
                    }
                    StartFromPrelude(_prelude.WrittenSpan[..end]);
                    var rest = _prelude.WrittenMemory[(end + DelimiterLength)..];
                    if (!rest.IsEmpty)
                    {
                        await response.Body.WriteAsync(rest).ConfigureAwait(false);
                    }
                    _prelude = null;
                    return await FlushAsync().ConfigureAwait(false);
                }
                StartPlain(StatusCodes.Status200OK, contentType);
            }
            foreach (var segment in chunk)
            {
                response.BodyWriter.Write(segment.Span);
            }
            return await FlushAsync().ConfigureAwait(false);
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

    /// <summary>Ends the response once the invocation is complete. A failure before any byte was sent is a 502
    /// (as a buffered URL answers it); after that the status is out, and the body just ends. A function that did not
    /// stream (an ordinary /response) has its result sent now, whole, as the body.</summary>
    public async ValueTask CompleteAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_ended)
            {
                return;
            }
            _ended = true;
            if (!_started)
            {
                if (invocation.FunctionError is not null || _prelude is not null)
                {
                    StartPlain(StatusCodes.Status502BadGateway, "application/json");
                    await response.Body.WriteAsync(UrlErrors.InternalServerErrorBody).ConfigureAwait(false);
                    return;
                }
                // Did not stream: the result as it is (a runtime's buffered /response is JSON).
                StartPlain(StatusCodes.Status200OK, "application/json");
                foreach (var segment in invocation.Response.Segments)
                {
                    response.BodyWriter.Write(segment);
                }
            }
            await response.BodyWriter.FlushAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException)
        {
            // The caller left: nothing more to send.
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask<bool> FlushAsync()
    {
        var flushed = await response.BodyWriter.FlushAsync().ConfigureAwait(false);
        if (flushed.IsCanceled || flushed.IsCompleted)
        {
            _ended = true;
        }
        return !_ended;
    }

    private void StartPlain(int status, string? contentType = null)
    {
        _started = true;
        response.StatusCode = status;
        response.ContentType = string.IsNullOrEmpty(contentType) ? StreamContentTypes.Default : contentType;
    }

    /// <summary>Status, headers and cookies from the prelude <c>{"statusCode":…,"headers":{…},"cookies":[…]}</c>;
    /// a prelude that is not that JSON object is a 502, as a malformed buffered response is.</summary>
    private void StartFromPrelude(ReadOnlySpan<byte> json)
    {
        _started = true;
        try
        {
            var reader = new Utf8JsonReader(json);
            using var prelude = JsonDocument.ParseValue(ref reader);
            var root = prelude.RootElement;
            if (!IsSendable(root))
            {
                throw new JsonException("unsendable prelude"); // a malformed prelude: the 502 below
            }
            response.StatusCode = root.TryGetProperty("statusCode", out var status) && status.TryGetInt32(out int code) && code is >= 200 and <= 599
                ? code
                : StatusCodes.Status200OK;
            if (root.TryGetProperty("headers", out var headers) && headers.ValueKind == JsonValueKind.Object)
            {
                foreach (var header in headers.EnumerateObject())
                {
                    string? value = HeaderText(header.Value);
                    if (FramingHeaders.Contains(header.Name))
                    {
                        // The gateway frames the stream (chunked). A function's Content-Length, sent on, would cut the
                        // body short; AWS passes it on renamed (cargo-lambda#862: "the header becomes x-amzn-remapped-…").
                        if (header.Name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                        {
                            response.Headers["x-amzn-Remapped-Content-Length"] = value;
                        }
                        continue;
                    }
                    response.Headers[header.Name] = value;
                }
            }
            if (root.TryGetProperty("cookies", out var cookies) && cookies.ValueKind == JsonValueKind.Array)
            {
                foreach (var cookie in cookies.EnumerateArray())
                {
                    if (cookie.ValueKind == JsonValueKind.String)
                    {
                        response.Headers.Append("Set-Cookie", cookie.GetString());
                    }
                }
            }
            if (!response.Headers.ContainsKey("Content-Type"))
            {
                response.ContentType = StreamContentTypes.Default;
            }
            UrlCors.AddToResponse(request, response, cors);
        }
        catch (JsonException)
        {
            response.Headers.Clear();
            StartPlain(StatusCodes.Status502BadGateway);
        }
    }

    /// <summary>No 1xx status (not a final one: the client would wait for another) and only headers and cookies that can
    /// go out as they are (<see cref="SendableHeaders"/>), as for a buffered response.</summary>
    private static bool IsSendable(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return false; // a prelude is an object (TryGetProperty would throw on anything else)
        }
        if (root.TryGetProperty("statusCode", out var status) && status.TryGetInt32(out int code) && code is >= 100 and < 200)
        {
            return false;
        }
        if (root.TryGetProperty("headers", out var headers) && headers.ValueKind == JsonValueKind.Object)
        {
            foreach (var header in headers.EnumerateObject())
            {
                if (!SendableHeaders.IsName(header.Name) || !SendableHeaders.IsValue(HeaderText(header.Value)))
                {
                    return false;
                }
            }
        }
        if (root.TryGetProperty("cookies", out var cookies) && cookies.ValueKind == JsonValueKind.Array)
        {
            foreach (var cookie in cookies.EnumerateArray())
            {
                if (cookie.ValueKind == JsonValueKind.String && !SendableHeaders.IsValue(cookie.GetString()))
                {
                    return false;
                }
            }
        }
        return true;
    }

    private static string HeaderText(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
}
