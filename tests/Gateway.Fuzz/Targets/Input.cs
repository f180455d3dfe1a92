using System.Text;

namespace Gateway.Fuzz.Targets;

/// <summary>Helpers that turn the fuzzer's bytes into the shapes the parsers take (text fields split on newlines).</summary>
internal static class Input
{
    /// <summary>Text as ASP.NET Core would hand it on (invalid UTF-8 becomes U+FFFD, as the route and query decoders do).</summary>
    public static string Text(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    /// <summary>Splits at the first '\n': (first line, the rest); the rest is empty when there is no newline.</summary>
    public static (ReadOnlyMemory<byte> Line, ReadOnlyMemory<byte> After) SplitLine(ReadOnlyMemory<byte> bytes)
    {
        int newline = bytes.Span.IndexOf((byte)'\n');
        return newline < 0 ? (bytes, ReadOnlyMemory<byte>.Empty) : (bytes[..newline], bytes[(newline + 1)..]);
    }

    /// <summary>
    /// A header value as Kestrel delivers it: visible ASCII, space and tab (Kestrel refuses control characters and,
    /// by default, non-ASCII bytes in request headers with 400 before any endpoint runs).
    /// </summary>
    public static string HeaderValue(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        int n = 0;
        foreach (byte b in bytes)
        {
            if (b is (byte)'\t' or >= 0x20 and < 0x7F)
            {
                chars[n++] = (char)b;
            }
        }
        return new string(chars, 0, n);
    }

    /// <summary>A token (RFC 9110 tchar): what Kestrel accepts as a header name or method.</summary>
    public static string Token(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        int n = 0;
        foreach (byte b in bytes)
        {
            if (char.IsAsciiLetterOrDigit((char)b) || "!#$%&'*+-.^_`|~".Contains((char)b, StringComparison.Ordinal))
            {
                chars[n++] = (char)b;
            }
        }
        return new string(chars, 0, n);
    }
}
