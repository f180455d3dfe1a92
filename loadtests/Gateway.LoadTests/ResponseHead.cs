using System.Buffers.Text;
using System.Text;

namespace Gateway.LoadTests;

/// <summary>What a response's head says about the response: its status and how its body is framed.</summary>
internal readonly record struct ResponseHead(int Status, long ContentLength, bool Chunked, bool Close, bool FunctionError, int RetryAfter)
{
    /// <summary>Parses a head (the status line and header lines, without the final CRLFCRLF); false when it is not
    /// an HTTP/1.x response this harness can frame.</summary>
    public static bool TryParse(ReadOnlySpan<byte> head, out ResponseHead parsed)
    {
        parsed = default;
        // "HTTP/1.1 200 OK"
        if (head.Length < 12 || !Utf8Parser.TryParse(head.Slice(9, 3), out int status, out _))
        {
            return false;
        }
        long contentLength = -1;
        bool chunked = false, close = false, functionError = false;
        int retryAfter = -1;
        foreach (var range in head.Split("\r\n"u8))
        {
            var line = head[range];
            int colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                continue;
            }
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim((byte)' ');
            if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                if (!Utf8Parser.TryParse(value, out contentLength, out _))
                {
                    return false;
                }
            }
            else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
            {
                chunked = value.IndexOf("chunked"u8) >= 0;
            }
            else if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
            {
                close = Ascii.EqualsIgnoreCase(value, "close"u8);
            }
            else if (Ascii.EqualsIgnoreCase(name, "X-Amz-Function-Error"u8))
            {
                functionError = true;
            }
            else if (Ascii.EqualsIgnoreCase(name, "Retry-After"u8) && Utf8Parser.TryParse(value, out int seconds, out _))
            {
                retryAfter = seconds;
            }
        }
        parsed = new ResponseHead(status, contentLength, chunked, close, functionError, retryAfter);
        return true;
    }

    /// <summary>True when the response has no body whatever its headers say (RFC 9112 §6.3).</summary>
    public bool Bodiless => Status is 204 or 304 || (Status >= 100 && Status < 200);

    /// <summary>The value of "Reason" in a 429 body such as {"Reason":"…","Type":"User","message":"Rate Exceeded."},
    /// or "(none)".</summary>
    public static string ThrottleReason(ReadOnlySpan<byte> body)
    {
        int at = body.IndexOf("\"Reason\""u8);
        if (at >= 0)
        {
            var rest = body[(at + 8)..];
            int open = rest.IndexOf((byte)'"');
            if (open >= 0)
            {
                int close = rest[(open + 1)..].IndexOf((byte)'"');
                if (close >= 0)
                {
                    return Encoding.ASCII.GetString(rest.Slice(open + 1, close));
                }
            }
        }
        return "(none)";
    }
}
