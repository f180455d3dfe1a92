using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Gateway.Security.Signing;

/// <summary>
/// What a request says about its signature, from the <c>Authorization</c> header
/// (<c>AWS4-HMAC-SHA256 Credential=AKID/yyyymmdd/region/service/aws4_request, SignedHeaders=a;b, Signature=hex</c>)
/// or from the presigned query (<c>X-Amz-Algorithm</c>, <c>X-Amz-Credential</c>, <c>X-Amz-Date</c>,
/// <c>X-Amz-Expires</c>, <c>X-Amz-SignedHeaders</c>, <c>X-Amz-Signature</c>, <c>X-Amz-Security-Token</c>).
/// </summary>
internal sealed class SignatureParameters
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    public string AccessKeyId { get; private set; } = "";
    public string ScopeDate { get; private set; } = "";
    public string Region { get; private set; } = "";
    public string Service { get; private set; } = "";
    public string Terminator { get; private set; } = "";
    /// <summary><c>yyyymmdd/region/service/aws4_request</c>, as the string to sign has it.</summary>
    public string Scope { get; private set; } = "";
    public string SignedHeaders { get; private set; } = "";
    public string Signature { get; private set; } = "";
    /// <summary>The signing time as the string to sign has it (<c>yyyyMMddTHHmmssZ</c>).</summary>
    public string AmzDate { get; private set; } = "";
    public DateTimeOffset SignedAt { get; private set; }
    /// <summary>Presigned only: how long the URL is valid.</summary>
    public int? ExpiresSeconds { get; private set; }
    public string? SecurityToken { get; private set; }
    public bool Presigned { get; private set; }

    /// <summary>No signature at all: neither an Authorization header nor a presigned query.</summary>
    public static bool IsUnsigned(HttpRequest request)
        => !request.Headers.ContainsKey("Authorization") && !request.Query.ContainsKey("X-Amz-Signature") && !request.Query.ContainsKey("X-Amz-Algorithm");

    /// <summary>Reads the signature's parameters; null with <paramref name="refusal"/> when they are incomplete.</summary>
    public static SignatureParameters? Read(HttpRequest request, out SigningRefusal? refusal)
    {
        var parameters = new SignatureParameters();
        refusal = request.Headers.Authorization is { Count: > 0 } authorization
            ? parameters.ReadHeader(authorization.ToString(), request)
            : parameters.ReadQuery(request);
        return refusal is null ? parameters : null;
    }

    private SigningRefusal? ReadHeader(string authorization, HttpRequest request)
    {
        string? credential = null, signedHeaders = null, signature = null;
        var value = authorization.AsSpan().Trim();
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
            foreach (var range in value[(Algorithm.Length + 1)..].Split(','))
            {
                var part = value[(Algorithm.Length + 1)..][range].Trim();
                int equals = part.IndexOf('=');
                if (equals <= 0)
                {
                    continue;
                }
                var name = part[..equals];
                var text = part[(equals + 1)..].ToString();
                if (name is "Credential") credential = text;
                else if (name is "SignedHeaders") signedHeaders = text;
                else if (name is "Signature") signature = text;
            }
        }
        string? date = request.Headers["X-Amz-Date"].ToString() is { Length: > 0 } amzDate ? amzDate : null;
        string? httpDate = date is null && request.Headers.Date.ToString() is { Length: > 0 } d ? d : null;
        if (credential is null || signedHeaders is null || signature is null || (date is null && httpDate is null))
        {
            // AWS lists every missing piece, then echoes the header (recorded API Gateway / Lambda front-end text).
            var message = new System.Text.StringBuilder();
            if (credential is null) message.Append("Authorization header requires 'Credential' parameter. ");
            if (signature is null) message.Append("Authorization header requires 'Signature' parameter. ");
            if (signedHeaders is null) message.Append("Authorization header requires 'SignedHeaders' parameter. ");
            if (date is null && httpDate is null) message.Append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ");
            message.Append("Authorization=").Append(authorization);
            return SigningRefusal.IncompleteSignature(message.ToString());
        }
        SignedHeaders = signedHeaders;
        Signature = signature;
        SecurityToken = request.Headers["X-Amz-Security-Token"].ToString() is { Length: > 0 } token ? token : null;
        return ReadCredential(credential) ?? ReadDate(date, httpDate);
    }

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

    private SigningRefusal? ReadCredential(string credential)
    {
        var parts = credential.Split('/');
        if (parts.Length != 5 || parts[0].Length == 0 || parts.Any(p => p.Length > 128))
        {
            return SigningRefusal.IncompleteSignature($"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'");
        }
        AccessKeyId = parts[0];
        ScopeDate = parts[1];
        Region = parts[2];
        Service = parts[3];
        Terminator = parts[4];
        Scope = credential[(parts[0].Length + 1)..];
        return null;
    }

    private SigningRefusal? ReadDate(string? amzDate, string? httpDate)
    {
        if (amzDate is not null)
        {
            if (!DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                return SigningRefusal.IncompleteSignature($"Date must be in ISO-8601 'basic format'. Got '{amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601");
            }
            AmzDate = amzDate;
            SignedAt = at;
            return null;
        }
        // botocore, given a Date header, signs with it (auth.py _set_necessary_date_headers): its time, in the basic format.
        if (!DateTimeOffset.TryParseExact(httpDate, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            return SigningRefusal.IncompleteSignature($"Date must be in ISO-8601 'basic format'. Got '{httpDate}'. See http://en.wikipedia.org/wiki/ISO_8601");
        }
        SignedAt = date;
        AmzDate = date.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        return null;
    }
}
