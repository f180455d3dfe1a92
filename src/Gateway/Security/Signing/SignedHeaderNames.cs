using Microsoft.Net.Http.Headers;

namespace Gateway.Security.Signing;

/// <summary>
/// The header names the AWS SDKs and CLIs sign for Lambda and CloudWatch Logs, as constants: a <c>SignedHeaders</c>
/// entry becomes a header lookup without a new string. The standard ones are ASP.NET Core's own <see cref="HeaderNames"/>
/// instances, which Kestrel's request headers match by reference before comparing text. A name not listed here is
/// made into a string (a client signing an unusual header pays ~40 bytes for it; the answer is the same).
/// </summary>
internal static class SignedHeaderNames
{
    public static string Of(ReadOnlySpan<char> lowercaseName) => lowercaseName switch
    {
        "host" => HeaderNames.Host,
        "content-type" => HeaderNames.ContentType,
        "content-length" => HeaderNames.ContentLength,
        "content-md5" => HeaderNames.ContentMD5,
        "content-encoding" => HeaderNames.ContentEncoding,
        "user-agent" => HeaderNames.UserAgent,
        "date" => HeaderNames.Date,
        "x-amz-date" => "x-amz-date",
        "x-amz-content-sha256" => "x-amz-content-sha256",
        "x-amz-security-token" => "x-amz-security-token",
        "x-amz-invocation-type" => "x-amz-invocation-type",
        "x-amz-log-type" => "x-amz-log-type",
        "x-amz-client-context" => "x-amz-client-context",
        "x-amz-target" => "x-amz-target",
        "x-amz-user-agent" => "x-amz-user-agent",
        "amz-sdk-invocation-id" => "amz-sdk-invocation-id",
        "amz-sdk-request" => "amz-sdk-request",
        _ => lowercaseName.ToString(),
    };
}
