namespace Gateway.Streaming;

/// <summary>The Content-Types a runtime streams with (aws-lambda-ric's ResponseStream / HttpResponseStream).</summary>
internal static class StreamContentTypes
{
    public const string Default = "application/octet-stream";

    /// <summary>The body starts with a JSON prelude (statusCode, headers, cookies) and 8 NUL bytes, then the payload.</summary>
    public const string HttpIntegration = "application/vnd.awslambda.http-integration-response";
}
