using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Gateway.Security.Signing;

/// <summary>
/// Links the gateway hands out in an answer (GetFunction's <c>Code.Location</c>, a layer's <c>Content.Location</c>)
/// that must open with a plain GET, as AWS's do ("A presigned URL that you can use to download the deployment
/// package", valid for 10 minutes). With <c>--auth sigv4</c> every request needs a signature, so such a link carries
/// one in its query — SigV4's presigned form, signed with the key that signed the request asking for it, scoped to
/// the gateway's region (the only one the verifier accepts) — and the gateway's own verifier accepts it like any
/// presigned request (no other way in).
/// </summary>
internal static class PresignedLinks
{
    /// <summary>AWS's links last 10 minutes (botocore's LayerVersionContentOutput.Location).</summary>
    public const int ExpiresSeconds = 600;

    /// <summary><paramref name="url"/> (this gateway's, path without a query) presigned for the verified caller of
    /// <paramref name="request"/>, or as it is when the request was not verified (authentication off).</summary>
    public static string For(HttpRequest request, string url, string path, string region, DateTimeOffset now)
        => request.HttpContext.Features.Get<ICallerIdentityFeature>()?.Credential is { } credential
            ? url + "?" + Query(credential, region, request.Host.Value ?? "", path, now)
            : url;

    /// <summary>The query (its parameters sorted, as the canonical request has them), signature last.</summary>
    internal static string Query(SigningCredential credential, string region, string host, string path, DateTimeOffset now)
    {
        var utc = now.UtcDateTime;
        string date = utc.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        string stamp = utc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        string scope = $"{date}/{region}/lambda/aws4_request";
        var query = new StringBuilder()
            .Append("X-Amz-Algorithm=AWS4-HMAC-SHA256")
            .Append("&X-Amz-Credential=").Append(Uri.EscapeDataString(credential.AccessKeyId + "/" + scope))
            .Append("&X-Amz-Date=").Append(stamp)
            .Append("&X-Amz-Expires=").Append(ExpiresSeconds.ToString(CultureInfo.InvariantCulture));
        if (credential.SessionToken is { } token)
        {
            query.Append("&X-Amz-Security-Token=").Append(Uri.EscapeDataString(token));
        }
        query.Append("&X-Amz-SignedHeaders=host");

        // A path of unreserved characters and slashes is its own canonical URI (lambda's double encoding changes nothing).
        string canonical = $"GET\n{path}\n{query}\nhost:{host}\n\nhost\nUNSIGNED-PAYLOAD";
        string toSign = $"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        Span<byte> signature = stackalloc byte[32];
        credential.Keys.Get(date, region, "lambda").Sign(Encoding.UTF8.GetBytes(toSign), signature);
        return query.Append("&X-Amz-Signature=").Append(Convert.ToHexStringLower(signature)).ToString();
    }
}
