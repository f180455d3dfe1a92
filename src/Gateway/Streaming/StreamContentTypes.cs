namespace Gateway.Streaming;

/// <summary>The Content-Types a runtime streams with (aws-lambda-ric's ResponseStream / HttpResponseStream).</summary>
internal static class StreamContentTypes
{
    public const string Default = "application/octet-stream";

    /// <summary>
    /// The type of a /response posted without the streaming header and without a Content-Type, when the invocation
    /// streams anyway. AWS's Runtime API chooses the streamed path by how the function was invoked, not by the header
    /// (aws-lambda-runtime-interface-emulator, directinvoke.go: SendDirectInvokeResponse on InvokeResponseMode;
    /// "the header is optional"), and aws-lambda-go's lambdaurl, AWS's documented way to stream from Go, never sends
    /// it. Such a post is an ordinary handler's JSON result unless the runtime labelled it otherwise.
    /// </summary>
    public const string Json = "application/json";

    /// <summary>The body starts with a JSON prelude (statusCode, headers, cookies) and 8 NUL bytes, then the payload.</summary>
    public const string HttpIntegration = "application/vnd.awslambda.http-integration-response";
}
