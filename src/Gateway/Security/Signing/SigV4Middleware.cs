using Microsoft.AspNetCore.Http;

namespace Gateway.Security.Signing;

/// <summary>
/// <c>--auth sigv4</c>: every request that reaches routing — the Invoke and management APIs (service <c>lambda</c>),
/// the Logs API (<c>POST /</c> with a <c>Logs_20140328.*</c> target, service <c>logs</c>), <c>/metrics</c> and
/// <c>/_gateway/*</c> (service <c>lambda</c>; there is no unauthenticated health endpoint: a probe signs like any
/// client, or checks the TCP port) — is verified before its endpoint runs. Function URL requests never get here: the
/// front door ahead of routing serves them, and their AWS_IAM check is <see cref="SigV4FunctionUrlAuthorizer"/>.
/// Not registered at all when authentication is off, so that costs nothing.
/// </summary>
internal sealed class SigV4Middleware(RequestSigning signing)
{
    /// <summary>
    /// Not <c>async</c>: a request that verifies goes on to <paramref name="next"/>'s own task, so this layer adds no
    /// state machine. Nothing needs doing after the endpoint: a body whose signature fails is refused by the body
    /// reader itself, at the read that reaches its end (<see cref="HashingBodyReader"/>; a synchronous read leaves
    /// that read to the asynchronous one, which can write the refusal).
    /// </summary>
    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var (service, shape) = IsLogsRequest(context.Request) ? ("logs", RefusalShape.AwsJson) : ("lambda", RefusalShape.Lambda);
        var verifying = signing.VerifyAsync(context, service, shape);
        if (!verifying.IsCompletedSuccessfully)
        {
            return ThenAsync(verifying, context, next);
        }
        return verifying.Result is null ? Task.CompletedTask : next(context);
    }

    private static async Task ThenAsync(ValueTask<CallerIdentity?> verifying, HttpContext context, RequestDelegate next)
    {
        if (await verifying.ConfigureAwait(false) is not null)
        {
            await next(context).ConfigureAwait(false);
        }
    }

    /// <summary>CloudWatch Logs' awsJson requests (the same test as Logs/Api/LogsEndpoint's).</summary>
    private static bool IsLogsRequest(HttpRequest request)
        => request.Path.Value == "/" && request.Headers["X-Amz-Target"].ToString().StartsWith("Logs_20140328.", StringComparison.Ordinal);
}
