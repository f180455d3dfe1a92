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
        // ' and + as they are, and a Content-Length (Json/ErrorBody.cs), as AWS sends its refusals.
        await Json.ErrorBody.SendAsync(response, shape == RefusalShape.AwsJson ? "application/x-amz-json-1.1" : "application/json", (refusal, shape),
            static (writer, body) =>
            {
                if (body.shape == RefusalShape.AwsJson)
                {
                    writer.WriteString("__type", body.refusal.ErrorType);
                }
                writer.WriteString("message", body.refusal.Message);
            }, context.RequestAborted).ConfigureAwait(false);
    }
}
