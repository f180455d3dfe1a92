using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using Gateway.Invocations;

namespace Gateway.FunctionUrls.Http;

/// <summary>How a function's result becomes the URL's HTTP response.</summary>
internal enum UrlResponseKind
{
    /// <summary>A 200 <c>application/json</c> whose body is the function's output as it is (JSON without statusCode and
    /// without whitespace between its tokens: nothing to compact, as <c>JSON.stringify</c> writes it).</summary>
    Output,

    /// <summary>The same with whitespace between its tokens (Python's <c>json.dumps</c>): the body, compacted, is written.</summary>
    CompactedOutput,

    /// <summary>A JSON string result: 200 <c>application/json</c>, the body is the string's text (quotes removed).</summary>
    StringValue,

    /// <summary>A response object (statusCode, headers, cookies, body, isBase64Encoded).</summary>
    Mapped,

    /// <summary>Malformed: the caller gets 502.</summary>
    Malformed,
}

/// <summary>The head of a mapped response; reused per request (its lists keep their capacity).</summary>
internal sealed class UrlResponseHead
{
    public int StatusCode { get; set; } = 200;
    public List<KeyValuePair<string, string>> Headers { get; } = new(4);
    public List<string> Cookies { get; } = new(2);
    public bool HasContentType { get; set; }

    /// <summary>A header or cookie that cannot be sent (<see cref="SendableHeaders"/>): the response is malformed.</summary>
    public bool Unsendable { get; set; }

    public void Clear()
    {
        StatusCode = 200;
        Headers.Clear();
        Cookies.Clear();
        HasContentType = false;
        Unsendable = false;
    }
}

/// <summary>
/// Reads a function's result as AWS's function URL (payload format 2.0) does.
/// </summary>
/// <remarks>
/// Rules (AWS docs, "Response payload format", and responses recorded against AWS in LocalStack's
/// <c>test_lambda_url_invocation[*]</c> and <c>test_lambda_url_headers_and_status</c> snapshots):
/// <list type="bullet">
/// <item>Valid JSON without <c>statusCode</c> (an object, array, number, boolean) → 200, <c>content-type: application/json</c>,
/// body = the function's output without the whitespace between its tokens: recorded, Python's <c>{"hello": "world"}</c>
/// arrives as <c>{"hello":"world"}</c> (Content-Length 17) and <c>["hello", 3, true]</c> as <c>["hello",3,true]</c>
/// (LocalStack's <c>test_lambda_url_invocation[dict]</c>, <c>[list-mixed]</c>, recorded against AWS 2025-11).</item>
/// <item>A JSON string → 200 <c>application/json</c> and the string's text <b>without</b> the quotes: AWS's docs show
/// the quotes kept, the recorded AWS response (<c>"hello"</c> → body <c>hello</c>, Content-Length 5) does not. Observed wins.</item>
/// <item>An object with <c>statusCode</c> (a number, or a string of digits — recorded: <c>"418"</c> works): <c>headers</c>
/// (values as text), <c>cookies</c> (one Set-Cookie each), <c>body</c> (a string; base64-decoded when
/// <c>isBase64Encoded</c>; any other JSON value is written as JSON), content-type application/json unless the
/// function set one. <c>multiValueHeaders</c> is a format-1.0 member that format 2.0 ignores; so does this.</item>
/// <item>Anything else (not JSON, a statusCode that is not an integer 200–599, a body that is not valid base64 when
/// isBase64Encoded, a header that cannot be sent: <see cref="SendableHeaders"/>) → 502 <c>Internal Server Error</c>.
/// A 1xx is not a final status: sent, it left the client waiting for one that never came.</item>
/// </list>
/// </remarks>
internal static class UrlResponseMapper
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };

    /// <summary>Maps <paramref name="output"/>. For <see cref="UrlResponseKind.Mapped"/>, <see cref="UrlResponseKind.StringValue"/>
    /// and <see cref="UrlResponseKind.CompactedOutput"/> the body is written to <paramref name="body"/> (empty on entry);
    /// for <see cref="UrlResponseKind.Output"/> it is the output itself.</summary>
    public static UrlResponseKind Map(ReadOnlySpan<byte> output, UrlResponseHead head, PooledPayload body)
    {
        head.Clear();
        try
        {
            var reader = new Utf8JsonReader(output, ReaderOptions);
            if (!reader.Read())
            {
                return UrlResponseKind.Malformed;
            }
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    WriteString(ref reader, body);
                    return EndsCleanly(ref reader) ? UrlResponseKind.StringValue : UrlResponseKind.Malformed;
                case JsonTokenType.StartObject:
                    return MapObject(ref reader, output, head, body);
                default:
                    reader.Skip();
                    return EndsCleanly(ref reader) ? WriteCompacted(output, body) : UrlResponseKind.Malformed;
            }
        }
        catch (JsonException)
        {
            return UrlResponseKind.Malformed;
        }
        catch (InvalidOperationException)
        {
            // A string token that is not text (an escaped lone surrogate, bytes that are not UTF-8): the reader accepts
            // the token, GetString/CopyString refuse it. Found by fuzzing (docs/fuzzing.md); the function's output is
            // malformed like any other, not a 500 from the gateway.
            return UrlResponseKind.Malformed;
        }
    }

    private static bool EndsCleanly(ref Utf8JsonReader reader) => !reader.Read(); // throws on trailing garbage

    private static UrlResponseKind MapObject(ref Utf8JsonReader reader, ReadOnlySpan<byte> output, UrlResponseHead head, PooledPayload body)
    {
        bool hasStatus = false, statusValid = false, base64 = false;
        int statusCode = 200;
        int bodyStart = -1, bodyEnd = -1;
        bool bodyIsString = false, bodyEscaped = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("statusCode"u8))
            {
                reader.Read();
                hasStatus = true;
                statusValid = reader.TokenType switch
                {
                    JsonTokenType.Number => reader.TryGetInt32(out statusCode),
                    JsonTokenType.String => int.TryParse(reader.GetString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out statusCode),
                    _ => false,
                };
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("headers"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadHeaders(ref reader, head);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("cookies"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType == JsonTokenType.String)
                        {
                            var cookie = reader.GetString()!;
                            head.Unsendable |= !SendableHeaders.IsValue(cookie);
                            head.Cookies.Add(cookie);
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("body"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    bodyIsString = true;
                    bodyEscaped = reader.ValueIsEscaped;
                    bodyStart = (int)reader.TokenStartIndex + 1; // inside the quotes
                    bodyEnd = bodyStart + reader.ValueSpan.Length;
                }
                else if (reader.TokenType == JsonTokenType.Null)
                {
                    bodyStart = bodyEnd = -1;
                }
                else
                {
                    bodyIsString = false;
                    bodyStart = (int)reader.TokenStartIndex;
                    reader.Skip();
                    bodyEnd = (int)reader.BytesConsumed;
                }
            }
            else if (reader.ValueTextEquals("isBase64Encoded"u8))
            {
                reader.Read();
                base64 = reader.TokenType == JsonTokenType.True;
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip(); // no-op on a primitive
            }
        }
        if (!EndsCleanly(ref reader))
        {
            return UrlResponseKind.Malformed;
        }
        if (!hasStatus)
        {
            head.Clear(); // "valid JSON without statusCode": all of it is the body
            return WriteCompacted(output, body);
        }
        if (!statusValid || statusCode is < 200 or > 599 || head.Unsendable)
        {
            return UrlResponseKind.Malformed;
        }
        head.StatusCode = statusCode;
        if (bodyStart < 0)
        {
            return UrlResponseKind.Mapped;
        }
        var raw = output[bodyStart..bodyEnd];
        if (!bodyIsString)
        {
            body.Write(raw);
            return UrlResponseKind.Mapped;
        }
        if (!bodyEscaped && !base64)
        {
            body.Write(raw);
            return UrlResponseKind.Mapped;
        }
        byte[] rented = ArrayPool<byte>.Shared.Rent(raw.Length);
        try
        {
            int length = raw.Length;
            if (bodyEscaped)
            {
                // Re-read the one string value to unescape it (rare: a body with \n, \" or \u escapes).
                var again = new Utf8JsonReader(output[(bodyStart - 1)..(bodyEnd + 1)]);
                again.Read();
                length = again.CopyString(rented);
            }
            else
            {
                raw.CopyTo(rented);
            }
            if (!base64)
            {
                body.Write(rented.AsSpan(0, length));
                return UrlResponseKind.Mapped;
            }
            var encoded = rented.AsSpan(0, length);
            if (Base64.DecodeFromUtf8InPlace(encoded, out int decoded) != OperationStatus.Done)
            {
                return UrlResponseKind.Malformed;
            }
            body.Write(encoded[..decoded]);
            return UrlResponseKind.Mapped;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static void ReadHeaders(ref Utf8JsonReader reader, UrlResponseHead head)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string name = reader.GetString()!;
            reader.Read();
            string? value = reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString(),
                JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
                JsonTokenType.True => "true",
                JsonTokenType.False => "false",
                _ => null,
            };
            if (value is null)
            {
                reader.Skip();
                continue;
            }
            head.HasContentType |= name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase);
            head.Unsendable |= !SendableHeaders.IsName(name) || !SendableHeaders.IsValue(value);
            head.Headers.Add(new(name, value));
        }
    }

    /// <summary>Bytes that end a run outside a string (whitespace, a string's start) and inside one (its end, an escape).</summary>
    private static readonly SearchValues<byte> OutsideStops = SearchValues.Create(" \t\r\n\""u8);
    private static readonly SearchValues<byte> InsideStops = SearchValues.Create("\"\\"u8);
    private static readonly SearchValues<byte> Whitespace = SearchValues.Create(" \t\r\n"u8);

    /// <summary>The whole output (valid JSON) as the body, without the whitespace between its tokens; strings are
    /// copied as they are, escapes and all. Output without any whitespace byte is sent as it is (no copy).</summary>
    private static UrlResponseKind WriteCompacted(ReadOnlySpan<byte> output, PooledPayload body)
    {
        if (!output.ContainsAny(Whitespace))
        {
            return UrlResponseKind.Output;
        }
        int start = 0, i = 0;
        bool inString = false;
        while (i < output.Length)
        {
            int next = output[i..].IndexOfAny(inString ? InsideStops : OutsideStops);
            if (next < 0)
            {
                break;
            }
            i += next;
            byte b = output[i];
            if (inString)
            {
                inString = b != (byte)'"';
                i += b == (byte)'\\' ? 2 : 1; // an escape: the escaped character too, whatever it is
                continue;
            }
            if (b == (byte)'"')
            {
                inString = true;
                i++;
                continue;
            }
            if (i > start)
            {
                body.Write(output[start..i]);
            }
            start = ++i;
        }
        if (start < output.Length)
        {
            body.Write(output[start..]);
        }
        return UrlResponseKind.CompactedOutput;
    }

    private static void WriteString(ref Utf8JsonReader reader, PooledPayload body)
    {
        if (!reader.ValueIsEscaped)
        {
            body.Write(reader.ValueSpan);
            return;
        }
        byte[] rented = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length);
        try
        {
            int n = reader.CopyString(rented);
            body.Write(rented.AsSpan(0, n));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
