using System.Buffers;

namespace Gateway.FunctionUrls.Http;

/// <summary>
/// Whether a header a function returns can go out on the wire as it is: a name that is an HTTP token (RFC 9110 §5.1)
/// and a value of visible ASCII, spaces and tabs (§5.5). Kestrel refuses anything else when the header is set, and
/// the refusal used to surface as an empty 500 without the request id or the URL's CORS headers, after the function had
/// succeeded. A CR or LF in a value would be response splitting; a non-ASCII value (<c>filename="résumé.pdf"</c>) has
/// no one encoding a client agrees on. Either makes the response malformed: 502, as every other malformed response.
/// </summary>
internal static class SendableHeaders
{
    /// <summary>RFC 9110's tchar: letters, digits and <c>!#$%&amp;'*+-.^_`|~</c>.</summary>
    private static readonly SearchValues<char> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    /// <summary>Visible ASCII, space and tab.</summary>
    private static readonly SearchValues<char> ValueChars = SearchValues.Create(
        "\t !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    public static bool IsName(ReadOnlySpan<char> name) => !name.IsEmpty && !name.ContainsAnyExcept(TokenChars);

    public static bool IsValue(ReadOnlySpan<char> value) => !value.ContainsAnyExcept(ValueChars);
}
