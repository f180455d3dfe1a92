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
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var (service, shape) = IsLogsRequest(context.Request) ? ("logs", RefusalShape.AwsJson) : ("lambda", RefusalShape.Lambda);
        if (await signing.VerifyAsync(context, service, shape).ConfigureAwait(false) is null)
        {
            return;
        }
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (SignatureMismatchException)
        {
            // A synchronous TryRead met the mismatch at the body's end and the endpoint let it through.
            await RefusalWriter.WriteAsync(context, SigningRefusal.Mismatch, shape).ConfigureAwait(false);
        }
    }

    /// <summary>CloudWatch Logs' awsJson requests (the same test as Logs/Api/LogsEndpoint's).</summary>
    private static bool IsLogsRequest(HttpRequest request)
        => request.Path.Value == "/" && request.Headers["X-Amz-Target"].ToString().StartsWith("Logs_20140328.", StringComparison.Ordinal);
}
