using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Gateway.Security.Signing;

/// <summary>
/// Writes SigV4's canonical request as botocore and the AWS SDKs build it for Lambda (botocore <c>auth.py</c>
/// <c>SigV4Auth.canonical_request</c>; AWS General Reference "Create a canonical request"):
/// <code>
/// METHOD \n canonical URI \n canonical query \n name:value lines \n \n signed;headers \n payload hash
/// </code>
/// everything but the payload hash, which is known only once the body has streamed in (<see cref="SignedRequest"/>).
/// </summary>
internal static class CanonicalRequest
{
    /// <summary>The parts before the payload hash, ending with the signed-headers line and its newline.</summary>
    /// <param name="rawTarget">The request target as the client sent it (still percent-encoded), path and query.</param>
    /// <param name="skipQueryParameter">A query parameter left out (the presigned form's <c>X-Amz-Signature</c>).</param>
    public static void WriteWithoutPayload<THeaders>(ref ByteBuilder output, string method, string rawTarget, THeaders headers, ReadOnlySpan<char> signedHeaders, string? skipQueryParameter)
        where THeaders : IHeaderLookup
    {
        WriteTarget(ref output, method, rawTarget, skipQueryParameter);
        foreach (var range in signedHeaders.Split(';'))
        {
            var name = signedHeaders[range];
            output.Append(name);
            output.Append((byte)':');
            WriteHeaderValue(ref output, headers.Get(name));
            output.Append((byte)'\n');
        }
        output.Append((byte)'\n');
        output.Append(signedHeaders);
        output.Append((byte)'\n');
    }

    /// <summary>The same, for a request whose Authorization prefix is cached: the signed headers' names, their
    /// <c>name:</c> bytes and the signed-headers line come from <paramref name="prefix"/>, and the x-amz-date line
    /// reuses the value already read (<paramref name="amzDate"/>) instead of a second lookup.</summary>
    public static void WriteWithoutPayload(ref ByteBuilder output, string method, string rawTarget, IHeaderDictionary headers, SignaturePrefix prefix, StringValues amzDate)
    {
        WriteTarget(ref output, method, rawTarget, skipQueryParameter: null);
        var names = prefix.LookupNames;
        var lines = prefix.HeaderLines;
        int amzDateIndex = prefix.AmzDateIndex;
        for (int i = 0; i < names.Length; i++)
        {
            output.Append(lines[i]);
            WriteHeaderValue(ref output, i == amzDateIndex ? amzDate : headers[names[i]]);
            output.Append((byte)'\n');
        }
        output.Append(prefix.SignedHeadersLine);
    }

    /// <summary>The first three lines, each ending in a newline: the method, the canonical URI and the canonical query.</summary>
    private static void WriteTarget(ref ByteBuilder output, string method, string rawTarget, string? skipQueryParameter)
    {
        output.Append(method);
        output.Append((byte)'\n');
        int queryStart = rawTarget.IndexOf('?');
        WriteUri(ref output, queryStart < 0 ? rawTarget.AsSpan() : rawTarget.AsSpan(0, queryStart));
        output.Append((byte)'\n');
        WriteQuery(ref output, queryStart < 0 ? ReadOnlySpan<char>.Empty : rawTarget.AsSpan(queryStart + 1), skipQueryParameter);
        output.Append((byte)'\n');
    }

    /// <summary>
    /// The canonical URI: the path as sent, with empty and <c>.</c> segments removed and <c>..</c> applied
    /// (botocore <c>utils.remove_dot_segments</c>: "AWS services require consecutive slashes to be removed"), then
    /// percent-encoded once more byte by byte — every byte but the unreserved ones and <c>/</c>. The path arrives
    /// already encoded, so <c>%3A</c> becomes <c>%253A</c>: the double encoding every service but S3 signs.
    /// </summary>
    [SkipLocalsInit] // the segment table is only read where written: no need to zero its 512 bytes per request
    public static void WriteUri(ref ByteBuilder output, ReadOnlySpan<char> path)
    {
        if (path.IsEmpty)
        {
            output.Append((byte)'/');
            return;
        }
        if (TryAppendPlainPath(ref output, path))
        {
            return;
        }
        // Segments kept, as (start, length) into path; a request path has few.
        Span<(int Start, int Length)> kept = stackalloc (int, int)[64];
        int count = 0;
        int position = 0;
        while (position <= path.Length)
        {
            int slash = path[position..].IndexOf('/');
            int end = slash < 0 ? path.Length : position + slash;
            var segment = path[position..end];
            if (segment.Length == 0 || segment is ".")
            {
                // dropped
            }
            else if (segment is "..")
            {
                count = Math.Max(0, count - 1);
            }
            else if (count < kept.Length)
            {
                kept[count++] = (position, end - position);
            }
            else
            {
                break; // more than 64 segments: the rest is not signed alike; the signature will not match
            }
            position = end + 1;
        }
        if (path[0] == '/')
        {
            output.Append((byte)'/');
        }
        for (int i = 0; i < count; i++)
        {
            if (i > 0)
            {
                output.Append((byte)'/');
            }
            Encode(ref output, path.Slice(kept[i].Start, kept[i].Length), keepSlash: false);
        }
        if (path[^1] == '/' && count > 0)
        {
            output.Append((byte)'/');
        }
    }

    /// <summary>
    /// A path that is already canonical — only unreserved characters and slashes, no empty segment but the ones a leading
    /// or trailing slash makes, no <c>.</c> or <c>..</c> segment: every Invoke API path an SDK sends — written as it is,
    /// checked and narrowed in one pass. Nothing is removed from such a path and nothing in it is encoded, so
    /// <see cref="WriteUri"/>'s segment walk would write the same bytes; in a profile under load that walk, with a
    /// search per segment, was ~0.25 µs per request. False, with nothing written, for any other path.
    /// </summary>
    private static bool TryAppendPlainPath(ref ByteBuilder output, ReadOnlySpan<char> path)
    {
        var destination = output.Reserve(path.Length);
        int segmentStart = 0;
        for (int i = 0; i < path.Length; i++)
        {
            char c = path[i];
            if (c == '/')
            {
                // The segment that ends here: empty only before a leading slash; never "." or "..".
                if (i > 0 && !IsPlainSegment(path[segmentStart..i]))
                {
                    return false;
                }
                segmentStart = i + 1;
            }
            else if (c >= 0x80 || !UnreservedAscii[c])
            {
                return false;
            }
            destination[i] = (byte)c;
        }
        // The last segment: empty after a trailing slash is kept as it is (WriteUri writes that slash back).
        if (segmentStart < path.Length && !IsPlainSegment(path[segmentStart..]))
        {
            return false;
        }
        output.Length += path.Length;
        return true;
    }

    private static bool IsPlainSegment(ReadOnlySpan<char> segment)
        => !segment.IsEmpty && segment is not "." and not "..";

    /// <summary>RFC 3986's unreserved characters, by ASCII code: letters, digits, <c>- _ . ~</c>.</summary>
    private static ReadOnlySpan<bool> UnreservedAscii =>
    [
        false, false, false, false, false, false, false, false, false, false, false, false, false, false, false, false,
        false, false, false, false, false, false, false, false, false, false, false, false, false, false, false, false,
        false, false, false, false, false, false, false, false, false, false, false, false, false, true, true, false,
        true, true, true, true, true, true, true, true, true, true, false, false, false, false, false, false,
        false, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true,
        true, true, true, true, true, true, true, true, true, true, true, false, false, false, false, true,
        false, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true,
        true, true, true, true, true, true, true, true, true, true, true, false, false, false, true, false,
    ];

    /// <summary>
    /// The canonical query: each <c>name=value</c> decoded and encoded again strictly (RFC 3986 unreserved kept,
    /// everything else <c>%XX</c>, a space <c>%20</c>), sorted by name then value, joined with <c>&amp;</c>.
    /// </summary>
    public static void WriteQuery(ref ByteBuilder output, ReadOnlySpan<char> query, string? skipParameter)
    {
        if (query.IsEmpty)
        {
            return;
        }
        var pairs = new List<(string Name, string Value)>();
        foreach (var range in query.Split('&'))
        {
            var pair = query[range];
            if (pair.IsEmpty)
            {
                continue;
            }
            int equals = pair.IndexOf('=');
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            if (skipParameter is not null && name == skipParameter)
            {
                continue;
            }
            var value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]);
            pairs.Add((Encoded(name), Encoded(value)));
        }
        pairs.Sort(static (a, b) =>
        {
            int byName = string.CompareOrdinal(a.Name, b.Name);
            return byName != 0 ? byName : string.CompareOrdinal(a.Value, b.Value);
        });
        for (int i = 0; i < pairs.Count; i++)
        {
            if (i > 0)
            {
                output.Append((byte)'&');
            }
            output.Append(pairs[i].Name);
            output.Append((byte)'=');
            output.Append(pairs[i].Value);
        }
    }

    /// <summary>Header values: several joined with commas, each trimmed, runs of spaces inside made one
    /// (botocore <c>_header_value</c>: <c>' '.join(value.split())</c>). Written straight from the header's string:
    /// a plain ASCII value with no tab and no double space (every value an SDK signs) is copied in one go.</summary>
    private static void WriteHeaderValue(ref ByteBuilder output, StringValues values)
    {
        for (int i = 0; i < values.Count; i++)
        {
            if (i > 0)
            {
                output.Append((byte)',');
            }
            var value = values[i].AsSpan().Trim();
            if (TryAppendPlain(ref output, value))
            {
                continue;
            }
            bool space = false;
            foreach (char c in value)
            {
                if (c is ' ' or '\t')
                {
                    space = true;
                    continue;
                }
                if (space)
                {
                    output.Append((byte)' ');
                    space = false;
                }
                if (c < 0x80)
                {
                    output.Append((byte)c);
                }
                else
                {
                    output.Append(new ReadOnlySpan<char>(in c));
                }
            }
        }
    }

    /// <summary>A plain value — ASCII, no tab, no two spaces in a row — copied as it is, checked and narrowed in one
    /// pass (three searches and an encoder call before); false, with nothing written, for any other.</summary>
    private static bool TryAppendPlain(ref ByteBuilder output, ReadOnlySpan<char> value)
    {
        var destination = output.Reserve(value.Length);
        char previous = '\0';
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c >= 0x80 || c == '\t' || (c == ' ' && previous == ' '))
            {
                return false;
            }
            destination[i] = (byte)c;
            previous = c;
        }
        output.Length += value.Length;
        return true;
    }

    private static readonly SearchValues<char> Unreserved = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~");

    private static readonly SearchValues<char> UnreservedOrSlash = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~/");

    private static string Encoded(string text)
    {
        if (!text.AsSpan().ContainsAnyExcept(Unreserved))
        {
            return text;
        }
        var builder = new ByteBuilder(text.Length * 3 + 8);
        try
        {
            Encode(ref builder, text, keepSlash: false);
            return Encoding.ASCII.GetString(builder.Written);
        }
        finally
        {
            builder.Dispose();
        }
    }

    /// <summary>Percent-encodes the UTF-8 bytes of <paramref name="text"/>: unreserved characters (and '/' when asked) as they are.</summary>
    public static void Encode(ref ByteBuilder output, ReadOnlySpan<char> text, bool keepSlash)
    {
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = 0; i < text.Length; i++)
        {
            // A run of characters that stay as they are (most of a path) is copied at once.
            int run = keepSlash ? text[i..].IndexOfAnyExcept(UnreservedOrSlash) : text[i..].IndexOfAnyExcept(Unreserved);
            if (run != 0)
            {
                int runLength = run < 0 ? text.Length - i : run;
                output.Append(text.Slice(i, runLength));
                i += runLength - 1;
                continue;
            }
            char c = text[i];
            int length;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                length = Encoding.UTF8.GetBytes(text.Slice(i, 2), utf8);
                i++;
            }
            else
            {
                length = Encoding.UTF8.GetBytes(new ReadOnlySpan<char>(in c), utf8);
            }
            for (int b = 0; b < length; b++)
            {
                output.Append((byte)'%');
                output.Append((byte)"0123456789ABCDEF"[utf8[b] >> 4]);
                output.Append((byte)"0123456789ABCDEF"[utf8[b] & 0xF]);
            }
        }
    }
}

/// <summary>The request's headers by lowercase name (an HTTP request's, or a test vector's).</summary>
internal interface IHeaderLookup
{
    StringValues Get(ReadOnlySpan<char> lowercaseName);
}
