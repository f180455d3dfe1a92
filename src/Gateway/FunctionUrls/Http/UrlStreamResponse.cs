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
                    if (!StartFromPrelude(_prelude.WrittenSpan[..end]))
                    {
                        // A 502, whole: the function's body that follows a malformed prelude is not sent under it.
                        await response.Body.WriteAsync(UrlErrors.InternalServerErrorBody).ConfigureAwait(false);
                        _ended = true;
                        return false;
                    }
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

    /// <summary>Status, headers and cookies from the prelude <c>{"statusCode":…,"headers":{…},"cookies":[…]}</c>, read as
    /// a buffered response is (<see cref="UrlResponseMapper"/>): a status that is a number or a string of digits, 200–599
    /// (a 1xx is not a final one: the client would wait for another), and only headers and cookies that can go out as
    /// they are (<see cref="SendableHeaders"/>). Anything else is a malformed prelude: a 502 (false).</summary>
    private bool StartFromPrelude(ReadOnlySpan<byte> json)
    {
        _started = true;
        try
        {
            var reader = new Utf8JsonReader(json);
            using var prelude = JsonDocument.ParseValue(ref reader);
            var root = prelude.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !TryReadStatus(root, out int status) || !TryReadHead(root, out var headers, out var cookies))
            {
                throw new JsonException("malformed prelude"); // the 502 below
            }
            response.StatusCode = status;
            foreach (var (name, value) in headers)
            {
                if (FramingHeaders.Contains(name))
                {
                    // The gateway frames the stream (chunked). A function's Content-Length, sent on, would cut the
                    // body short; AWS passes it on renamed (cargo-lambda#862: "the header becomes x-amzn-remapped-…").
                    if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                    {
                        response.Headers["x-amzn-Remapped-Content-Length"] = value;
                    }
                    continue;
                }
                response.Headers[name] = value;
            }
            foreach (var cookie in cookies)
            {
                response.Headers.Append("Set-Cookie", cookie);
            }
            if (!response.Headers.ContainsKey("Content-Type"))
            {
                response.ContentType = StreamContentTypes.Default;
            }
            UrlCors.AddToResponse(request, response, cors);
            return true;
        }
        catch (JsonException)
        {
            // Nothing of the prelude was set (it is checked whole first): the request id and the URL's CORS headers stay.
            StartPlain(StatusCodes.Status502BadGateway, "application/json");
            return false;
        }
    }

    /// <summary>The prelude's status: none is 200; a number or a string of digits (AWS accepts <c>"418"</c>) in 200–599.</summary>
    private static bool TryReadStatus(JsonElement root, out int status)
    {
        status = StatusCodes.Status200OK;
        if (!root.TryGetProperty("statusCode", out var value))
        {
            return true;
        }
        bool read = value.ValueKind switch
        {
            JsonValueKind.Number => value.TryGetInt32(out status),
            JsonValueKind.String => int.TryParse(value.GetString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out status),
            _ => false,
        };
        return read && status is >= 200 and <= 599;
    }

    /// <summary>The prelude's headers (string, number and boolean values as text; others left out, as a buffered
    /// response's are) and cookies; false when one cannot be sent.</summary>
    private static bool TryReadHead(JsonElement root, out List<(string Name, string Value)> headers, out List<string> cookies)
    {
        headers = [];
        cookies = [];
        if (root.TryGetProperty("headers", out var names) && names.ValueKind == JsonValueKind.Object)
        {
            foreach (var header in names.EnumerateObject())
            {
                string? value = header.Value.ValueKind switch
                {
                    JsonValueKind.String => header.Value.GetString(),
                    JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => header.Value.GetRawText(),
                    _ => null,
                };
                if (value is null)
                {
                    continue;
                }
                if (!SendableHeaders.IsName(header.Name) || !SendableHeaders.IsValue(value))
                {
                    return false;
                }
                headers.Add((header.Name, value));
            }
        }
        if (root.TryGetProperty("cookies", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var cookie in list.EnumerateArray())
            {
                if (cookie.ValueKind == JsonValueKind.String)
                {
                    var text = cookie.GetString()!;
                    if (!SendableHeaders.IsValue(text))
                    {
                        return false;
                    }
                    cookies.Add(text);
                }
            }
        }
        return true;
    }
}
