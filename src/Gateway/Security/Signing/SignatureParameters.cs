using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Gateway.Security.Signing;

/// <summary>
/// What a request says about its signature, from the <c>Authorization</c> header
/// (<c>AWS4-HMAC-SHA256 Credential=AKID/yyyymmdd/region/service/aws4_request, SignedHeaders=a;b, Signature=hex</c>)
/// or from the presigned query (<c>X-Amz-Algorithm</c>, <c>X-Amz-Credential</c>, <c>X-Amz-Date</c>,
/// <c>X-Amz-Expires</c>, <c>X-Amz-SignedHeaders</c>, <c>X-Amz-Signature</c>, <c>X-Amz-Security-Token</c>).
/// <para>
/// A <c>ref struct</c> of spans into the header strings the server already holds: a signed request is parsed without
/// a substring, an array or an object (the parts are only read while the request is checked, synchronously). Only a
/// refusal's message, the presigned query and a <c>Date</c> header instead of <c>X-Amz-Date</c> (no SDK sends that
/// for Lambda) make strings.
/// </para>
/// </summary>
internal ref struct SignatureParameters
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    public ReadOnlySpan<char> AccessKeyId;
    public ReadOnlySpan<char> ScopeDate;
    public ReadOnlySpan<char> Region;
    public ReadOnlySpan<char> Service;
    public ReadOnlySpan<char> Terminator;
    /// <summary><c>yyyymmdd/region/service/aws4_request</c>, as the string to sign has it.</summary>
    public ReadOnlySpan<char> Scope;
    public ReadOnlySpan<char> SignedHeaders;
    public ReadOnlySpan<char> Signature;
    /// <summary>The signing time as the string to sign has it (<c>yyyyMMddTHHmmssZ</c>).</summary>
    public ReadOnlySpan<char> AmzDate;
    public DateTimeOffset SignedAt;
    /// <summary>Presigned only: how long the URL is valid.</summary>
    public int? ExpiresSeconds;
    /// <summary>The <c>X-Amz-Security-Token</c>; null when absent or empty.</summary>
    public string? SecurityToken;
    public bool Presigned;
    /// <summary>The Authorization header, trimmed (header form only).</summary>
    public ReadOnlySpan<char> HeaderValue;
    /// <summary>The Credential parameter as sent (<c>AKID/scope</c>).</summary>
    public ReadOnlySpan<char> CredentialText;
    /// <summary>The X-Amz-Date header as read (header form only): the canonical request's x-amz-date line reuses it.</summary>
    public StringValues AmzDateValues;
    /// <summary>Set when the header's constant part was found in the cache (<see cref="SignaturePrefix"/>); the
    /// <see cref="Signature"/> is then already decoded (into the span given to <see cref="Read"/>).</summary>
    public SignaturePrefix? Prefix;

    /// <summary>No signature at all: neither an Authorization header nor a presigned query.</summary>
    /// <remarks>The typed <c>Authorization</c> (Kestrel's own field) rather than a lookup by name: a header the client
    /// sent always has a value there, even an empty one.</remarks>
    public static bool IsUnsigned(HttpRequest request) => IsUnsigned(request, request.Headers.Authorization);

    /// <summary>The same, with the Authorization header already read (<paramref name="authorization"/>).</summary>
    public static bool IsUnsigned(HttpRequest request, StringValues authorization)
        => authorization.Count == 0 && !request.Query.ContainsKey("X-Amz-Signature") && !request.Query.ContainsKey("X-Amz-Algorithm");

    /// <summary>Reads the signature's parameters; the refusal when they are incomplete.</summary>
    /// <param name="cache">Headers whose constant part was seen before (<see cref="SignaturePrefix"/>): found there, the
    /// header is not parsed again.</param>
    /// <param name="service">The endpoint's signing name (an entry is only good for the service it was checked for).</param>
    /// <param name="signature">32 bytes: the signature decoded, when the header was found in the cache (<see cref="Prefix"/> set).</param>
    /// <param name="headers">The request's headers, read once by the caller (each <c>request.Headers</c> is a virtual
    /// call, a feature-cache check and an interface call).</param>
    /// <param name="authorization">The Authorization header as the caller read it.</param>
    public static SigningRefusal? Read(HttpRequest request, IHeaderDictionary headers, StringValues authorization, SignaturePrefixCache? cache, string service,
        Span<byte> signature, out SignatureParameters parameters)
    {
        parameters = default;
        // One header value is the server's own string (no copy); several are joined as before (a client that sends
        // Authorization twice gets the same answer it always got).
        switch (authorization.Count)
        {
            case 0:
                return parameters.ReadQuery(request);
            case 1:
                string header = authorization[0] ?? "";
                var trimmed = Trim(header); // once, for the lookup and the entry's reading
                if (cache?.Find(trimmed, service, signature) is { } prefix)
                {
                    return parameters.ReadHeaderAfter(prefix, header, trimmed, headers);
                }
                return parameters.ReadHeader(header, headers);
            default:
                return parameters.ReadHeader(authorization.ToString(), headers);
        }
    }

    /// <summary><c>Trim()</c>'s answer, without its Unicode whitespace table when both ends are visible ASCII (every
    /// header an SDK sends): that table's first touch per request showed in a profile under load.</summary>
    private static ReadOnlySpan<char> Trim(string header)
        => header.Length > 0 && header[0] is > ' ' and < '\u007f' && header[^1] is > ' ' and < '\u007f' ? header : header.AsSpan().Trim();

    /// <summary>A header whose constant part is <paramref name="prefix"/>: its parts are the entry's, the signature is
    /// the 64 digits after it; what depends on the request (the date, the token) is read as <see cref="ReadHeader"/>
    /// reads it, with the same answers.</summary>
    private SigningRefusal? ReadHeaderAfter(SignaturePrefix prefix, string authorization, ReadOnlySpan<char> value, IHeaderDictionary headers)
    {
        Prefix = prefix;
        HeaderValue = value;
        var (date, httpDate) = ReadDateHeaders(headers);
        if (date is null && httpDate is null)
        {
            return SigningRefusal.IncompleteSignature("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=" + authorization);
        }
        SignedHeaders = prefix.SignedHeaders;
        Signature = value[prefix.Text.Length..];
        SecurityToken = headers["X-Amz-Security-Token"].ToString() is { Length: > 0 } token ? token : null;
        CredentialText = prefix.CredentialText;
        AccessKeyId = prefix.Credential.AccessKeyId;
        ScopeDate = prefix.ScopeDate;
        Region = prefix.Region;
        Service = prefix.ScopeService;
        Terminator = prefix.Terminator;
        Scope = prefix.Scope;
        return ReadDate(date, httpDate);
    }

    /// <summary>The header form's date: X-Amz-Date (kept in <see cref="AmzDateValues"/> for the canonical request), else
    /// the HTTP Date header; each null when absent or empty.</summary>
    private (string? Date, string? HttpDate) ReadDateHeaders(IHeaderDictionary headers)
    {
        AmzDateValues = headers["X-Amz-Date"];
        string? date = AmzDateValues.ToString() is { Length: > 0 } amzDate ? amzDate : null;
        string? httpDate = date is null && headers.Date.ToString() is { Length: > 0 } d ? d : null;
        return (date, httpDate);
    }

    private SigningRefusal? ReadHeader(string authorization, IHeaderDictionary headers)
    {
        ReadOnlySpan<char> credential = default, signedHeaders = default, signature = default;
        bool hasCredential = false, hasSignedHeaders = false, hasSignature = false;
        var value = authorization.AsSpan().Trim();
        HeaderValue = value;
        if (!value.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            int space = value.IndexOf(' ');
            var algorithm = space < 0 ? value : value[..space];
            // A known other scheme (AWS3, SigV4a) or a bearer token: AWS answers with the incomplete-signature list
            // when the parameters are missing (API Gateway's recorded text, as for "Authorization=mock").
            if (algorithm.StartsWith("AWS4-", StringComparison.Ordinal) && space > 0)
            {
                return SigningRefusal.IncompleteSignature($"Unsupported AWS 'algorithm': '{algorithm}'");
            }
        }
        else
        {
            var rest = value[(Algorithm.Length + 1)..];
            foreach (var range in rest.Split(','))
            {
                var part = rest[range].Trim();
                int equals = part.IndexOf('=');
                if (equals <= 0)
                {
                    continue;
                }
                var name = part[..equals];
                var text = part[(equals + 1)..];
                // The last of a repeated name wins, as it always did.
                if (name is "Credential") { credential = text; hasCredential = true; }
                else if (name is "SignedHeaders") { signedHeaders = text; hasSignedHeaders = true; }
                else if (name is "Signature") { signature = text; hasSignature = true; }
            }
        }
        var (date, httpDate) = ReadDateHeaders(headers);
        if (!hasCredential || !hasSignedHeaders || !hasSignature || (date is null && httpDate is null))
        {
            // AWS lists every missing piece, then echoes the header (recorded API Gateway / Lambda front-end text).
            var message = new System.Text.StringBuilder();
            if (!hasCredential) message.Append("Authorization header requires 'Credential' parameter. ");
            if (!hasSignature) message.Append("Authorization header requires 'Signature' parameter. ");
            if (!hasSignedHeaders) message.Append("Authorization header requires 'SignedHeaders' parameter. ");
            if (date is null && httpDate is null) message.Append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ");
            message.Append("Authorization=").Append(authorization);
            return SigningRefusal.IncompleteSignature(message.ToString());
        }
        SignedHeaders = signedHeaders;
        Signature = signature;
        SecurityToken = headers["X-Amz-Security-Token"].ToString() is { Length: > 0 } token ? token : null;
        return ReadCredential(credential) ?? ReadDate(date, httpDate);
    }

    /// <summary>The presigned form (function URLs opened from a browser, <c>generate_presigned_url</c>): rare, so it
    /// keeps its strings.</summary>
    private SigningRefusal? ReadQuery(HttpRequest request)
    {
        var query = request.Query;
        Presigned = true;
        string algorithm = query["X-Amz-Algorithm"].ToString();
        string credential = query["X-Amz-Credential"].ToString();
        string signedHeaders = query["X-Amz-SignedHeaders"].ToString();
        string signature = query["X-Amz-Signature"].ToString();
        string date = query["X-Amz-Date"].ToString();
        var missing = new List<string>();
        if (algorithm.Length == 0) missing.Add("X-Amz-Algorithm");
        if (credential.Length == 0) missing.Add("X-Amz-Credential");
        if (signature.Length == 0) missing.Add("X-Amz-Signature");
        if (signedHeaders.Length == 0) missing.Add("X-Amz-SignedHeaders");
        if (date.Length == 0) missing.Add("X-Amz-Date");
        if (missing.Count > 0)
        {
            return SigningRefusal.IncompleteSignature("AWS query-string parameters must include " + string.Join(", ", missing.Select(m => $"'{m}'"))
                + ". Re-examine the query-string parameters.");
        }
        if (algorithm != Algorithm)
        {
            return SigningRefusal.IncompleteSignature($"Unsupported AWS 'algorithm': '{algorithm}'");
        }
        SignedHeaders = signedHeaders;
        Signature = signature;
        SecurityToken = query["X-Amz-Security-Token"].ToString() is { Length: > 0 } token ? token : null;
        if (query["X-Amz-Expires"].ToString() is { Length: > 0 } expires)
        {
            if (!int.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out int seconds))
            {
                return SigningRefusal.IncompleteSignature($"X-Amz-Expires must be a number of seconds, not '{expires}'.");
            }
            ExpiresSeconds = seconds;
        }
        return ReadCredential(credential) ?? ReadDate(date, null);
    }

    /// <summary><c>keyid/date/region/service/term</c>: exactly five parts, a key id, none over 128 characters.</summary>
    private SigningRefusal? ReadCredential(ReadOnlySpan<char> credential)
    {
        Span<Range> parts = stackalloc Range[6];
        int count = credential.Split(parts, '/');
        bool tooLong = false;
        for (int i = 0; i < count; i++)
        {
            tooLong |= credential[parts[i]].Length > 128;
        }
        if (count != 5 || credential[parts[0]].IsEmpty || tooLong)
        {
            return SigningRefusal.IncompleteSignature($"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'");
        }
        CredentialText = credential;
        AccessKeyId = credential[parts[0]];
        ScopeDate = credential[parts[1]];
        Region = credential[parts[2]];
        Service = credential[parts[3]];
        Terminator = credential[parts[4]];
        Scope = credential[(AccessKeyId.Length + 1)..];
        return null;
    }

    private SigningRefusal? ReadDate(string? amzDate, string? httpDate)
    {
        if (amzDate is not null)
        {
            if (!AmzDates.TryParse(amzDate, out var at))
            {
                return SigningRefusal.IncompleteSignature($"Date must be in ISO-8601 'basic format'. Got '{amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601");
            }
            AmzDate = amzDate;
            SignedAt = at;
            return null;
        }
        // A Date header instead (botocore, given one, signs with it: auth.py _set_necessary_date_headers): its time, in
        // the basic format, is what the string to sign has.
        if (httpDate is null || !DateHeader.TryParse(httpDate, out var date))
        {
            return SigningRefusal.IncompleteSignature($"Date must be in ISO-8601 'basic format'. Got '{httpDate}'. See http://en.wikipedia.org/wiki/ISO_8601");
        }
        SignedAt = date;
        AmzDate = date.UtcDateTime.ToString(AmzDates.Format, CultureInfo.InvariantCulture);
        return null;
    }
}

/// <summary>SigV4's <c>yyyyMMddTHHmmssZ</c> times.</summary>
internal static class AmzDates
{
    public const string Format = "yyyyMMdd'T'HHmmss'Z'";

    /// <summary>
    /// The format read by hand when it is plainly well formed (sixteen characters, digits where digits go, every field
    /// in range): the same instant <c>DateTimeOffset.TryParseExact(text, Format, …, AssumeUniversal)</c> gives, without
    /// its format interpreter. Anything else goes to <c>TryParseExact</c> itself, so what is accepted or refused
    /// never changes.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out DateTimeOffset at)
    {
        if (text.Length == 16 && text[8] == 'T' && text[15] == 'Z'
            && Digits(text, 0, 4, out int year) && Digits(text, 4, 2, out int month) && Digits(text, 6, 2, out int day)
            && Digits(text, 9, 2, out int hour) && Digits(text, 11, 2, out int minute) && Digits(text, 13, 2, out int second)
            && year >= 1 && month is >= 1 and <= 12 && day >= 1 && hour <= 23 && minute <= 59 && second <= 59)
        {
            // The instant from the calendar directly, as DateTime counts it (days before the year, then before the month):
            // DateTime.DaysInMonth and the (year, …, second) constructor validate each field again and showed at ~0.15 µs
            // per request in a profile under load. A test compares this with TryParseExact over every day of many years.
            var daysToMonth = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? DaysToMonth366 : DaysToMonth365;
            if (day <= daysToMonth[month] - daysToMonth[month - 1])
            {
                int before = year - 1;
                long days = before * 365L + before / 4 - before / 100 + before / 400 + daysToMonth[month - 1] + day - 1;
                long seconds = days * 86_400 + hour * 3_600 + minute * 60 + second;
                at = new DateTimeOffset(seconds * TimeSpan.TicksPerSecond, TimeSpan.Zero);
                return true;
            }
        }
        return DateTimeOffset.TryParseExact(text, Format, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out at);
    }

    /// <summary>Days before each month (and the year's total), common and leap years.</summary>
    private static ReadOnlySpan<short> DaysToMonth365 => [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];

    private static ReadOnlySpan<short> DaysToMonth366 => [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366];

    private static bool Digits(ReadOnlySpan<char> text, int start, int length, out int value)
    {
        value = 0;
        for (int i = start; i < start + length; i++)
        {
            int digit = text[i] - '0';
            if ((uint)digit > 9)
            {
                return false;
            }
            value = value * 10 + digit;
        }
        return true;
    }
}
