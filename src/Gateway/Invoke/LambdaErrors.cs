using Microsoft.AspNetCore.Http;

namespace Gateway.Invoke;

/// <summary>
/// Error responses in Lambda's exact shape: the status, <c>x-amzn-ErrorType</c> (which SDKs read for the
/// exception name), and a JSON body whose message member is <c>message</c> or <c>Message</c> as AWS spells it
/// for that exception (LAMBDA.md §1.5). With <c>--auth sigv4</c>, an error answered before the body was read waits
/// for the body's signature first (<see cref="Security.Signing.UnreadBody"/>): a mismatch is answered 403 instead.
/// </summary>
internal static class LambdaErrors
{
    public static Task ResourceNotFound(HttpContext context, string message)
        => WriteAsync(context, 404, "ResourceNotFoundException", message, capitalMessage: true, type: "User");

    public static Task InvalidParameterValue(HttpContext context, string message)
        => WriteAsync(context, 400, "InvalidParameterValueException", message, capitalMessage: false, type: "User");

    public static Task InvalidRequestContent(HttpContext context, string message)
        => WriteAsync(context, 400, "InvalidRequestContentException", message, capitalMessage: false, type: "User");

    /// <summary>AWS sends only <c>{"message":…}</c> for validation errors.</summary>
    public static Task Validation(HttpContext context, string message)
        => WriteAsync(context, 400, "ValidationException", message, capitalMessage: false, type: null);

    /// <summary>413; the request body was not read to its end, so an HTTP/1.x connection is closed afterwards. HTTP/2
    /// forbids the Connection header (curl calls the response malformed); Kestrel resets just that stream instead.</summary>
    public static Task RequestEntityTooLarge(HttpContext context, string message)
    {
        if (!IsHttp2OrLater(context))
        {
            context.Response.Headers.Connection = "close";
        }
        return WriteAsync(context, 413, "RequestEntityTooLargeException", message, capitalMessage: true, type: null);
    }

    public static Task AccessDenied(HttpContext context, string message)
        => WriteAsync(context, 403, "AccessDeniedException", message, capitalMessage: true, type: null);

    public static Task ServiceException(HttpContext context, string message)
        => WriteAsync(context, 500, "ServiceException", message, capitalMessage: true, type: "Service");

    /// <summary>
    /// 503 <c>ServiceUnavailable</c>, Lambda's common error for "a temporary failure of the server" (API reference,
    /// Common Errors): an Event invoke whose cluster queue (Redis) cannot be reached. Not in Invoke's modelled errors
    /// (none of them is a 503); SDKs retry it as a transient error (botocore: any 503). Shaped like ServiceException.
    /// </summary>
    public static Task ServiceUnavailable(HttpContext context, string message)
        => WriteAsync(context, 503, "ServiceUnavailable", message, capitalMessage: true, type: "Service");

    public static Task UnknownOperation(HttpContext context)
        => WriteAsync(context, 404, "UnknownOperationException", "Unknown operation " + context.Request.Method + " " + context.Request.Path, capitalMessage: false, type: null);

    /// <summary>429 TooManyRequestsException with the throttle's Reason and, when <paramref name="retryAfterSeconds"/> is
    /// positive, a Retry-After in seconds (0: none, <c>--throttle-retry-after false</c>).</summary>
    public static async Task TooManyRequests(HttpContext context, string reason, int retryAfterSeconds)
    {
        if (!await Security.Signing.UnreadBody.DecideAsync(context).ConfigureAwait(false))
        {
            return;
        }
        var response = context.Response;
        response.StatusCode = 429;
        response.Headers["x-amzn-ErrorType"] = "TooManyRequestsException";
        if (retryAfterSeconds > 0)
        {
            response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        // Lambda's text for its own reasons; the gateway's cap says what it is, so nobody takes it for a Lambda limit.
        string message = reason == "GatewayEnvironmentLimitExceeded"
            ? "Rate Exceeded. This gateway's machine-wide limit on execution environments (Gateway:MaxEnvironments) is reached: no new environment can start until one stops. This is a limit of this machine, not a Lambda limit."
            : "Rate Exceeded.";
        await Json.ErrorBody.SendAsync(response, "application/json", (reason, message), static (writer, body) =>
        {
            writer.WriteString("Reason", body.reason);
            writer.WriteString("Type", "User");
            writer.WriteString("message", body.message);
        }).ConfigureAwait(false);
    }

    /// <summary>Writes a refusal value (status, exception name, body).</summary>
    public static Task WriteAsync(HttpContext context, LambdaError error)
    {
        if (error.Status == 413 && !IsHttp2OrLater(context))
        {
            context.Response.Headers.Connection = "close"; // the body was not read to its end (HTTP/2: see above)
        }
        return WriteAsync(context, error.Status, error.ErrorType, error.Message, error.CapitalMessage, error.Type);
    }

    /// <summary>HTTP/2 or 3: no <c>Connection</c> header (Kestrel strips it and warns); a stream is reset instead.</summary>
    internal static bool IsHttp2OrLater(HttpContext context)
        => HttpProtocol.IsHttp2(context.Request.Protocol) || HttpProtocol.IsHttp3(context.Request.Protocol);

    /// <summary>Writes a refusal without deciding the body's signature first: for <see cref="Security.Signing.UnreadBody"/>
    /// itself, which has decided (or found the body too long to decide) when it answers.</summary>
    internal static Task WriteDecidedAsync(HttpContext context, LambdaError error)
    {
        if (error.Status == 413 && !IsHttp2OrLater(context))
        {
            context.Response.Headers.Connection = "close";
        }
        return WriteDecidedAsync(context, error.Status, error.ErrorType, error.Message, error.CapitalMessage, error.Type);
    }

    private static async Task WriteAsync(HttpContext context, int status, string errorType, string message, bool capitalMessage, string? type)
    {
        // --auth sigv4: a body whose signature is still undecided is read first, a 413 too: whether a request is too
        // large is decided after its function is looked up, so a 413 that came at once would tell a function exists.
        if (!await Security.Signing.UnreadBody.DecideAsync(context).ConfigureAwait(false))
        {
            return;
        }
        await WriteDecidedAsync(context, status, errorType, message, capitalMessage, type).ConfigureAwait(false);
    }

    private static async Task WriteDecidedAsync(HttpContext context, int status, string errorType, string message, bool capitalMessage, string? type)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.Headers["x-amzn-ErrorType"] = errorType;
        await Json.ErrorBody.SendAsync(response, "application/json", (type, name: capitalMessage ? "Message" : "message", message), static (writer, body) =>
        {
            if (body.type is not null)
            {
                writer.WriteString("Type", body.type);
            }
            writer.WriteString(body.name, body.message);
        }).ConfigureAwait(false);
    }
}
