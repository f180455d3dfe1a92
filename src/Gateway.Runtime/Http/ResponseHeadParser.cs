using System.Buffers;
using System.Text;

namespace Gateway.Runtime.Http;

/// <summary>
/// Parses an HTTP/1.x response head (status line + header lines + blank line) straight from bytes.
/// Returns <c>false</c> while the head is incomplete, so the caller can receive more and call again;
/// throws <see cref="RuntimeApiProtocolException"/> (out of line) only for bytes that can never become a valid
/// head. The caller bounds the input (<see cref="HttpLimits.MaxHeadBytes"/>) before calling, so a
/// server that never ends its head cannot make this scan more than that.
/// </summary>
internal static class ResponseHeadParser
{
    // Control characters are never legal in a field value (RFC 9110 §5.5) except HTAB; refusing them
    // also keeps CR/LF/NUL out of every string the runtime hands to user code.
    private static readonly SearchValues<byte> InvalidValueBytes = SearchValues.Create(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 127]);

    // tchar (RFC 9110 §5.6.2): what a header name may consist of.
    private static readonly SearchValues<byte> TokenBytes = SearchValues.Create(
        "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    public static bool TryParse(ReadOnlySpan<byte> input, out ResponseHead head)
    {
        head = default;

        int lineEnd = input.IndexOf((byte)'\n');
        if (lineEnd < 0)
        {
            return false;
        }

        ParseStatusLine(TrimCr(input[..lineEnd]), ref head);
        int position = lineEnd + 1;
        long contentLength = -1;
        bool chunked = false;

        while (true)
        {
            lineEnd = input[position..].IndexOf((byte)'\n');
            if (lineEnd < 0)
            {
                return false;
            }

            ReadOnlySpan<byte> line = TrimCr(input.Slice(position, lineEnd));
            int lineStart = position;
            position += lineEnd + 1;

            if (line.IsEmpty)
            {
                break;
            }

            ParseHeaderLine(line, lineStart, ref head, ref contentLength, ref chunked);
        }

        head.HeadLength = position;
        ChooseFraming(ref head, contentLength, chunked);
        return true;
    }

    private static void ParseStatusLine(ReadOnlySpan<byte> line, ref ResponseHead head)
    {
        // "HTTP/1.1 200 OK" — the reason phrase is optional and ignored.
        if (line.Length < 12 || !line.StartsWith("HTTP/1."u8) || line[8] != (byte)' ' ||
            (line.Length > 12 && line[12] != (byte)' '))
        {
            RuntimeApiProtocolException.Throw("Malformed status line.");
        }

        head.KeepAlive = line[7] switch
        {
            (byte)'1' => true,
            (byte)'0' => false, // HTTP/1.0 closes unless it says keep-alive.
            _ => ThrowBool("Unsupported HTTP version."),
        };

        int status = 0;
        foreach (byte b in line.Slice(9, 3))
        {
            if (!char.IsAsciiDigit((char)b))
            {
                RuntimeApiProtocolException.Throw("Malformed status code.");
            }

            status = (status * 10) + (b - '0');
        }

        if (status < 100)
        {
            RuntimeApiProtocolException.Throw("Malformed status code.");
        }

        head.StatusCode = status;
    }

    private static void ParseHeaderLine(
        ReadOnlySpan<byte> line, int lineStart, ref ResponseHead head, ref long contentLength, ref bool chunked)
    {
        int colon = line.IndexOf((byte)':');

        // A leading space is obsolete line folding (RFC 9112 §5.2); a name with anything but tchars
        // (including whitespace before the colon) is request-smuggling material. Refuse both.
        if (colon <= 0 || line[..colon].ContainsAnyExcept(TokenBytes))
        {
            RuntimeApiProtocolException.Throw("Malformed header line.");
        }

        ReadOnlySpan<byte> name = line[..colon];
        int valueStart = colon + 1;
        int valueEnd = line.Length;
        while (valueStart < valueEnd && IsOptionalWhitespace(line[valueStart]))
        {
            valueStart++;
        }

        while (valueEnd > valueStart && IsOptionalWhitespace(line[valueEnd - 1]))
        {
            valueEnd--;
        }

        ReadOnlySpan<byte> value = line[valueStart..valueEnd];
        if (value.ContainsAny(InvalidValueBytes))
        {
            RuntimeApiProtocolException.Throw("Control character in a header value.");
        }

        var range = new HeaderRange(lineStart + valueStart, value.Length);

        // Switch on the length first: one integer compare rules out almost every name.
        switch (name.Length)
        {
            case 10 when Ascii.EqualsIgnoreCase(name, "Connection"u8):
                ApplyConnection(value, ref head);
                break;
            case 14 when Ascii.EqualsIgnoreCase(name, "Content-Length"u8):
                long parsed = ParseContentLength(value);
                if (contentLength >= 0 && contentLength != parsed)
                {
                    RuntimeApiProtocolException.Throw("Conflicting Content-Length headers.");
                }

                contentLength = parsed;
                break;
            case 17 when Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8):
                // Only "chunked" as the final coding can be framed; anything else has no defined end.
                int lastComma = value.LastIndexOf((byte)',');
                ReadOnlySpan<byte> lastCoding = lastComma < 0 ? value : value[(lastComma + 1)..].Trim((byte)' ');
                if (!Ascii.EqualsIgnoreCase(lastCoding, "chunked"u8))
                {
                    RuntimeApiProtocolException.Throw("Unsupported Transfer-Encoding.");
                }

                chunked = true;
                break;
            case 23 when Ascii.EqualsIgnoreCase(name, "Lambda-Runtime-Trace-Id"u8):
                head.TraceId = range;
                break;
            case 26 when Ascii.EqualsIgnoreCase(name, "Lambda-Runtime-Deadline-Ms"u8):
                head.DeadlineMs = range;
                break;
            case 29 when Ascii.EqualsIgnoreCase(name, "Lambda-Runtime-Aws-Request-Id"u8):
                head.RequestId = range;
                break;
            case 29 when Ascii.EqualsIgnoreCase(name, "Lambda-Runtime-Client-Context"u8):
                head.ClientContext = range;
                break;
            case 31 when Ascii.EqualsIgnoreCase(name, "Lambda-Runtime-Cognito-Identity"u8):
                head.CognitoIdentity = range;
                break;
            case 35 when Ascii.EqualsIgnoreCase(name, "Lambda-Runtime-Invoked-Function-Arn"u8):
                head.InvokedFunctionArn = range;
                break;
        }
    }

    private static void ChooseFraming(ref ResponseHead head, long contentLength, bool chunked)
    {
        if (head.StatusCode is < 200 or 204 or 304)
        {
            head.Framing = BodyFraming.None;
        }
        else if (chunked)
        {
            // RFC 9112 §6.1: with both headers, Transfer-Encoding wins and the connection must close
            // afterwards, because the sender disagreed with itself about the framing.
            head.Framing = BodyFraming.Chunked;
            head.KeepAlive &= contentLength < 0;
        }
        else if (contentLength >= 0)
        {
            head.Framing = BodyFraming.ContentLength;
            head.ContentLength = contentLength;
        }
        else
        {
            head.Framing = BodyFraming.UntilClose;
            head.KeepAlive = false;
        }
    }

    private static void ApplyConnection(ReadOnlySpan<byte> value, ref ResponseHead head)
    {
        foreach (Range part in value.Split((byte)','))
        {
            ReadOnlySpan<byte> option = value[part].Trim((byte)' ');
            if (Ascii.EqualsIgnoreCase(option, "close"u8))
            {
                head.KeepAlive = false;
                return;
            }

            if (Ascii.EqualsIgnoreCase(option, "keep-alive"u8))
            {
                head.KeepAlive = true;
            }
        }
    }

    private static long ParseContentLength(ReadOnlySpan<byte> value)
    {
        // Digits only: no sign, no spaces, no list ("5, 5" is legal but nobody sends it to a runtime).
        // 18 digits cannot overflow a long; the body limit is checked by the caller.
        if (value.IsEmpty || value.Length > 18)
        {
            RuntimeApiProtocolException.Throw("Malformed Content-Length.");
        }

        long result = 0;
        foreach (byte b in value)
        {
            if (!char.IsAsciiDigit((char)b))
            {
                RuntimeApiProtocolException.Throw("Malformed Content-Length.");
            }

            result = (result * 10) + (b - '0');
        }

        return result;
    }

    // A single LF ends a line too (RFC 9112 §2.2 lets a recipient accept it).
    private static ReadOnlySpan<byte> TrimCr(ReadOnlySpan<byte> line) =>
        !line.IsEmpty && line[^1] == (byte)'\r' ? line[..^1] : line;

    private static bool IsOptionalWhitespace(byte b) => b is (byte)' ' or (byte)'\t';

    private static bool ThrowBool(string message)
    {
        RuntimeApiProtocolException.Throw(message);
        return false;
    }
}
