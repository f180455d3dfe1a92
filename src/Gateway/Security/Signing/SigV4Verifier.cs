using Gateway.Hosting;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace Gateway.Security.Signing;

/// <summary>
/// Checks everything of a SigV4 signature that does not depend on the body, in the order AWS reports problems:
/// a signature at all, its parameters, the credential scope (region, service, terminator, date), the access key,
/// the clock (±<see cref="SkewWindow"/>, or a presigned URL's X-Amz-Expires), the session token. What remains is
/// a <see cref="SignedRequest"/> waiting for the payload's hash.
/// </summary>
internal sealed class SigV4Verifier(IReadOnlyDictionary<string, SigningCredential> credentials, string region, TimeProvider time)
{
    /// <summary>Lambda's window: its recorded refusals all say "(… - 5 min.)" (<see cref="SigningRefusal"/>); the
    /// 15 minutes of AWS's general CommonErrors page are other services' (STS, S3).</summary>
    public static readonly TimeSpan SkewWindow = TimeSpan.FromMinutes(5);

    /// <summary>The SHA-256 of an empty body, the payload hash of every GET and DELETE.</summary>
    public static ReadOnlySpan<byte> EmptySha256 =>
    [
        0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
        0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
    ];

    /// <summary>The feature's key, read from a field: a <c>typeof</c> in the hot path (also inside the generic
    /// <c>Fetch&lt;T&gt;</c>) is a runtime type lookup under native AOT (<c>LdTokenHelpers.GetRuntimeType</c>).</summary>
    private static readonly Type RequestFeatureType = typeof(IHttpRequestFeature);

    /// <summary>The keys by access key id, looked up with the span the Authorization header holds (no string).</summary>
    private readonly Dictionary<string, SigningCredential>.AlternateLookup<ReadOnlySpan<char>> _byAccessKey =
        new Dictionary<string, SigningCredential>(credentials, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The Authorization headers' constant parts already checked (<see cref="SignaturePrefix"/>).</summary>
    private readonly SignaturePrefixCache _prefixes = new();

    public string Region => region;

    /// <summary>Checks what can be checked before the body.</summary>
    /// <param name="service">The signing name this endpoint answers to: <c>lambda</c>, or <c>logs</c> for the Logs API.</param>
    /// <returns>Null with the pending request (rented: whoever holds it calls <see cref="SignedRequest.Release"/>),
    /// or the refusal.</returns>
    /// <param name="headers">The request's headers, read once by the caller and used for every lookup here.</param>
    public SigningRefusal? Begin(HttpRequest request, IHeaderDictionary headers, string service, out SignedRequest? pending)
    {
        pending = null;
        var authorization = headers.Authorization;
        if (SignatureParameters.IsUnsigned(request, authorization))
        {
            return SigningRefusal.Missing;
        }
        Span<byte> provided = stackalloc byte[32];
        if (SignatureParameters.Read(request, headers, authorization, _prefixes, service, provided, out var parameters) is { } refusal)
        {
            return refusal;
        }
        // Found in the cache, the prefix passed these checks when its entry was made (the scope's region, service and
        // terminator, the key id); the scope's date against this request's X-Amz-Date is this request's own and is
        // checked again here, with the same message.
        if (ScopeProblems(parameters, service) is { } scope)
        {
            return SigningRefusal.InvalidSignature(scope);
        }
        var prefix = parameters.Prefix;
        SigningCredential? credential = prefix?.Credential;
        if (credential is null && !_byAccessKey.TryGetValue(parameters.AccessKeyId, out credential))
        {
            return SigningRefusal.UnknownKey;
        }
        // Compared in UTC ticks, as DateTimeOffset's operators compare, without their validating constructors.
        var now = time.GetUtcNow();
        long nowTicks = now.UtcTicks, signedTicks = parameters.SignedAt.UtcTicks;
        if (signedTicks > nowTicks + SkewWindow.Ticks)
        {
            return SigningRefusal.NotYetCurrent(parameters.SignedAt, now, SkewWindow);
        }
        long validTicks = parameters.ExpiresSeconds is int expires ? expires * TimeSpan.TicksPerSecond : SkewWindow.Ticks;
        if (signedTicks < nowTicks - validTicks)
        {
            return SigningRefusal.Expired(parameters.SignedAt, now, TimeSpan.FromTicks(validTicks));
        }
        if (!string.Equals(parameters.SecurityToken, credential.SessionToken, StringComparison.Ordinal))
        {
            return SigningRefusal.UnknownKey; // a session token that is not this key's, or one missing (AWS: same answer)
        }
        // A cached prefix's header decoded its signature while it was matched (64 hex digits, so it decodes).
        if (parameters.Prefix is null && !Hex.TryDecode(parameters.Signature, provided))
        {
            return SigningRefusal.Mismatch;
        }
        var key = prefix?.Key;
        if (key is null)
        {
            key = credential.Keys.Get(parameters.ScopeDate, parameters.Region, parameters.Service);
            if (!parameters.Presigned && !parameters.HeaderValue.IsEmpty)
            {
                // Every check the prefix alone decides has passed: later requests with this prefix skip them.
                if (SignaturePrefix.TryCreate(parameters.HeaderValue, parameters.Signature, parameters.CredentialText, parameters.SignedHeaders, service, credential, key) is { } made)
                {
                    _prefixes.Add(made);
                }
            }
        }
        var signed = SignedRequest.Rent();
        ref var text = ref signed.Text;
        text.Append("AWS4-HMAC-SHA256\n"u8);
        text.Append(parameters.AmzDate);
        if (prefix is not null)
        {
            text.Append(prefix.StringToSignScope);
        }
        else
        {
            text.Append((byte)'\n');
            text.Append(parameters.Scope);
            text.Append((byte)'\n');
        }
        int canonicalStart = text.Length;
        string method = request.Method;
        string rawTarget = (request.HttpContext.Features[RequestFeatureType] as IHttpRequestFeature)?.RawTarget is { Length: > 0 } raw && raw[0] == '/'
            ? raw
            : request.PathBase.Add(request.Path).ToUriComponent() + request.QueryString.ToUriComponent();
        if (prefix is not null)
        {
            CanonicalRequest.WriteWithoutPayload(ref text, method, rawTarget, headers, prefix, parameters.AmzDateValues);
        }
        else
        {
            CanonicalRequest.WriteWithoutPayload(ref text, method, rawTarget, new RequestHeaders(headers), parameters.SignedHeaders,
                parameters.Presigned ? "X-Amz-Signature" : null);
        }
        signed.Start(credential, key, canonicalStart, provided, parameters.Presigned);
        pending = signed;
        return null;
    }

    /// <summary>For the tests: the Authorization prefixes held now.</summary>
    internal SignaturePrefixCache Prefixes => _prefixes;

    private string? ScopeProblems(in SignatureParameters parameters, string service)
    {
        // A cached prefix's region, service and terminator passed these very checks when its entry was made (for this
        // verifier's region and this service, which its lookup compares): only the date is this request's own.
        bool fromPrefix = parameters.Prefix is not null;
        bool regionWrong = !fromPrefix && !parameters.Region.SequenceEqual(region);
        bool serviceWrong = !fromPrefix && !parameters.Service.SequenceEqual(service);
        bool terminatorWrong = !fromPrefix && !parameters.Terminator.SequenceEqual("aws4_request");
        bool dateWrong = !parameters.AmzDate.StartsWith(parameters.ScopeDate) || parameters.ScopeDate.Length != 8;
        if (!regionWrong && !serviceWrong && !terminatorWrong && !dateWrong)
        {
            return null;
        }
        string problems = "";
        if (regionWrong)
        {
            problems += $"Credential should be scoped to a valid region, not '{parameters.Region}'. ";
        }
        if (serviceWrong)
        {
            problems += $"Credential should be scoped to correct service: '{service}'. ";
        }
        if (terminatorWrong)
        {
            problems += $"Credential should be scoped with a valid terminator: 'aws4_request', not '{parameters.Terminator}'. ";
        }
        if (dateWrong)
        {
            problems += $"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{parameters.ScopeDate}' != '{parameters.AmzDate[..Math.Min(8, parameters.AmzDate.Length)]}', from '{parameters.AmzDate}'.";
        }
        return problems.TrimEnd();
    }

    /// <summary>The request's headers for the canonical request; <c>host</c> from the Host header (HTTP/2's :authority).
    /// A signed header's name is looked up as a constant when it is one the SDKs sign (<see cref="SignedHeaderNames"/>),
    /// so a request makes no string per signed header.</summary>
    private readonly struct RequestHeaders(IHeaderDictionary headers) : IHeaderLookup
    {
        public StringValues Get(ReadOnlySpan<char> lowercaseName) => headers[SignedHeaderNames.Of(lowercaseName)];
    }
}
