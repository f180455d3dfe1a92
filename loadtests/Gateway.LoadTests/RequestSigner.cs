using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.LoadTests;

/// <summary>
/// <c>--sign KEY:SECRET</c>: signs the one request the load generator repeats (SigV4, service lambda, us-east-1), once at
/// start. A gateway under <c>--auth sigv4</c> accepts it for 5 minutes (its clock-skew window): enough for any run here,
/// and every repetition costs the gateway a full verification, as a fresh signature would.
/// </summary>
internal static class RequestSigner
{
    /// <returns>The Authorization and X-Amz-Date header lines to add.</returns>
    public static string Headers(string credentials, string host, string path, string? invocationType, ReadOnlySpan<byte> payload, string region = "us-east-1")
    {
        int colon = credentials.IndexOf(':');
        string key = credentials[..colon], secret = credentials[(colon + 1)..];
        var now = DateTime.UtcNow;
        string amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        string date = amzDate[..8];
        // Header names sorted, as SigV4 wants them; the path is already encoded, so it is encoded once more.
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["content-type"] = "application/json",
            ["host"] = host,
            ["x-amz-date"] = amzDate,
        };
        if (!string.IsNullOrEmpty(invocationType))
        {
            headers["x-amz-invocation-type"] = invocationType;
        }
        string signedHeaders = string.Join(';', headers.Keys);
        string canonical = "POST\n" + path.Replace("%", "%25", StringComparison.Ordinal) + "\n\n"
            + string.Concat(headers.Select(h => h.Key + ":" + h.Value + "\n")) + "\n" + signedHeaders + "\n" + Convert.ToHexStringLower(SHA256.HashData(payload));
        string scope = $"{date}/{region}/lambda/aws4_request";
        string stringToSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        byte[] signingKey = Encoding.UTF8.GetBytes("AWS4" + secret);
        foreach (var part in new[] { date, region, "lambda", "aws4_request" })
        {
            signingKey = HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(part));
        }
        string signature = Convert.ToHexStringLower(HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(stringToSign)));
        return $"X-Amz-Date: {amzDate}\r\nAuthorization: AWS4-HMAC-SHA256 Credential={key}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}\r\n";
    }
}
