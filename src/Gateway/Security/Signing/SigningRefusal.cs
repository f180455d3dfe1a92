using System.Globalization;

namespace Gateway.Security.Signing;

/// <summary>
/// Why a request's signature was not accepted, with AWS's exception name and message. Sources for the texts:
/// <list type="bullet">
/// <item>InvalidSignatureException "The request signature we calculated does not match…": AWS's answer to a wrong secret
/// (botocore <c>ClientError</c> text recorded in many issues, e.g. aws/aws-cli#6676's neighbours; the smithy
/// <c>aws.auth#sigv4</c> trait models it as a 403 client error).</item>
/// <item>"Signature expired: X is now earlier than Y (Z - 5 min.)": Lambda's recorded text, 403 (serverless/serverless#27,
/// statusCode 403; pulumi/pulumi-aws#55; re:Post knowledge-center/lambda-sdk-signature: "An API request must reach AWS
/// within 5 minutes of the timestamp"). "Signature not yet current: X is still later than Y (Z + 5 min.)" is the
/// other side's recorded text (e.g. Elastic Beanstalk, same front end).</item>
/// <item>UnrecognizedClientException "The security token included in the request is invalid.": Lambda, 403
/// (iann0036/iamlive#58: "StatusCode: 403 … UnrecognizedClientException").</item>
/// <item>MissingAuthenticationTokenException "Missing Authentication Token", 403; IncompleteSignatureException with the
/// "Authorization header requires 'Credential' parameter. …" list, 403 (API Gateway's recorded texts; Lambda's front end
/// answers alike).</item>
/// <item>"Credential should be scoped to a valid region, not 'x'. " / "to correct service: 'lambda'. " / "with a valid
/// terminator: 'aws4_request', not 'x'. " / "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of
/// date from HTTP: …": InvalidSignatureException (recorded DynamoDB/SageMaker/Bedrock answers, same front end).</item>
/// </list>
/// </summary>
internal sealed record SigningRefusal(int Status, string ErrorType, string Message)
{
    public const string MismatchMessage = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

    public static readonly SigningRefusal Mismatch = new(403, "InvalidSignatureException", MismatchMessage);

    public static readonly SigningRefusal UnknownKey = new(403, "UnrecognizedClientException", "The security token included in the request is invalid.");

    public static readonly SigningRefusal Missing = new(403, "MissingAuthenticationTokenException", "Missing Authentication Token");

    public static SigningRefusal IncompleteSignature(string message) => new(403, "IncompleteSignatureException", message);

    public static SigningRefusal InvalidSignature(string message) => new(403, "InvalidSignatureException", message);

    /// <summary>The clock-skew refusals, in AWS's format (basic ISO-8601 times, the window in minutes).</summary>
    public static SigningRefusal Expired(DateTimeOffset signedAt, DateTimeOffset now, TimeSpan window)
        => InvalidSignature($"Signature expired: {Basic(signedAt)} is now earlier than {Basic(now - window)} ({Basic(now)} - {Minutes(window)} min.)");

    public static SigningRefusal NotYetCurrent(DateTimeOffset signedAt, DateTimeOffset now, TimeSpan window)
        => InvalidSignature($"Signature not yet current: {Basic(signedAt)} is still later than {Basic(now + window)} ({Basic(now)} + {Minutes(window)} min.)");

    private static string Basic(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    private static string Minutes(TimeSpan window) => ((int)window.TotalMinutes).ToString(CultureInfo.InvariantCulture);
}
