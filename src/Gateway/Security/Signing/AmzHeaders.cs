using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Gateway.Security.Signing;

/// <summary>
/// The three <c>x-amz-*</c> request headers every header-signed request has checked — <c>X-Amz-Date</c>,
/// <c>X-Amz-Security-Token</c> (usually absent: it must then be absent for real) and <c>x-amz-content-sha256</c> (also
/// usually absent) — found in one pass over the request's headers instead of three lookups by name.
/// <para>
/// Why: Kestrel keeps names it does not know in a case-insensitive dictionary, and a lookup by name first compares the
/// name, ignoring case, with every known header name of the same length (five for <c>X-Amz-Date</c>'s ten characters:
/// <c>:authority</c>, <c>Connection</c>, <c>Keep-Alive</c>, <c>User-Agent</c>, <c>tracestate</c>), then hashes it for
/// the dictionary. In a profile of the signed invoke under load those three lookups were ~0.9 µs per request, the
/// verifier's largest item after the body's read. One walk over a request's handful of headers compares each name's
/// length and first letter, and only a candidate in full.
/// </para>
/// <para>
/// Why the answers are the same: the walk yields every header the request has, once per name (a name sent twice, in
/// any case, is one entry with both values, as a lookup returns it), with the values a lookup returns; a name matches
/// here exactly when Kestrel's case-insensitive lookup would match it.
/// </para>
/// </summary>
internal struct AmzHeaders
{
    public StringValues Date;
    public StringValues SecurityToken;
    public StringValues ContentSha256;

    public static AmzHeaders Read(IHeaderDictionary headers)
    {
        AmzHeaders found = default;
        foreach (var header in headers)
        {
            string name = header.Key;
            if (name.Length is not (10 or 20) || (name[0] | 0x20) != 'x')
            {
                continue;
            }
            if (name.Length == 10)
            {
                if (name.Equals("X-Amz-Date", StringComparison.OrdinalIgnoreCase))
                {
                    found.Date = header.Value;
                }
            }
            else if (name.Equals("X-Amz-Security-Token", StringComparison.OrdinalIgnoreCase))
            {
                found.SecurityToken = header.Value;
            }
            else if (name.Equals("x-amz-content-sha256", StringComparison.OrdinalIgnoreCase))
            {
                found.ContentSha256 = header.Value;
            }
        }
        return found;
    }
}
