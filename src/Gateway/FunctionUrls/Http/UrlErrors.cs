using Microsoft.AspNetCore.Http;

namespace Gateway.FunctionUrls.Http;

/// <summary>
/// The answers a function URL gives when it does not hand back the function's response. Function URLs answer in
/// their own shape, not the Invoke API's: <c>{"Message":…}</c> with capital M and an <c>x-amzn-ErrorType</c> (recorded
/// against AWS: the 403 of a URL whose alias was deleted), and a bare <c>Internal Server Error</c> for a failed or
/// malformed function response (recorded: <c>test_lambda_url_invocation_exception</c>). With <c>--auth sigv4</c>, an
/// answer given before an AWS_IAM URL's body was read waits for its signature (<see cref="Security.Signing.UnreadBody"/>):
/// a wrong secret gets the 403 InvalidSignatureException, not a hint of what the URL's function is.
/// </summary>
internal static class UrlErrors
{
    private static readonly byte[] InternalServerError = "Internal Server Error"u8.ToArray();

    /// <summary>The 502's body, for a streamed answer that fails before its first byte (<see cref="UrlStreamResponse"/>).</summary>
    public static ReadOnlyMemory<byte> InternalServerErrorBody => InternalServerError;

    /// <summary>502: the function failed (error, timeout, crash, response over the limit) or its response is malformed.</summary>
    public static async Task BadGatewayAsync(HttpResponse response)
    {
        if (!await Security.Signing.UnreadBody.DecideAsync(response.HttpContext).ConfigureAwait(false))
        {
            return;
        }
        response.StatusCode = StatusCodes.Status502BadGateway;
        response.ContentType = "application/json";
        response.ContentLength = InternalServerError.Length;
        await response.BodyWriter.WriteAsync(InternalServerError).ConfigureAwait(false);
    }

    /// <summary>The function (or alias) behind the URL no longer exists: recorded 403 AccessDeniedException.</summary>
    public static Task ForbiddenAsync(HttpResponse response) => MessageAsync(response, StatusCodes.Status403Forbidden, "AccessDeniedException",
        "Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html");

    /// <summary>Throttled: 429 as a synchronous invoke is (AWS scaling docs); the URL's body shape.</summary>
    public static Task TooManyRequestsAsync(HttpResponse response) => MessageAsync(response, StatusCodes.Status429TooManyRequests, "TooManyRequestsException", "Rate Exceeded.");

    /// <summary>A request (as the event) over the synchronous payload limit: 413, and the connection closes since the
    /// rest of the body is not read.</summary>
    public static Task TooLargeAsync(HttpResponse response, long limit)
    {
        response.Headers.Connection = "close";
        return MessageAsync(response, StatusCodes.Status413PayloadTooLarge, "RequestEntityTooLargeException",
            $"Request must be smaller than {limit} bytes for the InvokeFunction operation");
    }

    private static async Task MessageAsync(HttpResponse response, int status, string errorType, string message)
    {
        if (!await Security.Signing.UnreadBody.DecideAsync(response.HttpContext).ConfigureAwait(false))
        {
            return;
        }
        response.StatusCode = status;
        response.Headers["x-amzn-ErrorType"] = errorType;
        response.ContentType = "application/json";
        using (var writer = new System.Text.Json.Utf8JsonWriter(response.BodyWriter))
        {
            writer.WriteStartObject();
            writer.WriteString("Message", message);
            writer.WriteEndObject();
            await writer.FlushAsync().ConfigureAwait(false);
        }
    }

}
