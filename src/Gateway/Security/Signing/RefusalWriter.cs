using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Gateway.Security.Signing;

/// <summary>How a refusal is answered: Lambda's restJson shape or CloudWatch Logs' awsJson shape.</summary>
internal enum RefusalShape
{
    /// <summary>Lambda (and the gateway's own endpoints): the status, <c>x-amzn-ErrorType</c>, <c>{"message":…}</c>
    /// (lowercase, as Lambda's InvalidSignature/UnrecognizedClient bodies have it; botocore reads either case).</summary>
    Lambda,

    /// <summary>CloudWatch Logs (awsJson 1.1): 400, <c>x-amzn-ErrorType</c> and <c>{"__type":…,"message":…}</c> — every
    /// awsJson service answers client errors with 400 (recorded: cognito-idp's UnrecognizedClientException, 400).</summary>
    AwsJson,
}

internal static class RefusalWriter
{
    /// <summary>AWS's bodies carry ' and + as they are (the default encoder would write \u0027 and \u002B).</summary>
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task WriteAsync(HttpContext context, SigningRefusal refusal, RefusalShape shape)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            context.Abort(); // nothing can be said any more; the client must not take a half answer for a success
            return;
        }
        response.StatusCode = shape == RefusalShape.AwsJson ? StatusCodes.Status400BadRequest : refusal.Status;
        response.Headers["x-amzn-ErrorType"] = refusal.ErrorType;
        response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        response.ContentType = shape == RefusalShape.AwsJson ? "application/x-amz-json-1.1" : "application/json";
        // Made whole first, so it goes out with a Content-Length as AWS's does (not chunked); it is small.
        var body = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(body, WriterOptions))
        {
            writer.WriteStartObject();
            if (shape == RefusalShape.AwsJson)
            {
                writer.WriteString("__type", refusal.ErrorType);
            }
            writer.WriteString("message", refusal.Message);
            writer.WriteEndObject();
        }
        response.ContentLength = body.WrittenCount;
        await response.Body.WriteAsync(body.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }
}
