using Microsoft.AspNetCore.Http;

namespace Gateway.Invoke;

/// <summary>
/// A request body Kestrel could not read to its end, while the client is still there: a chunked body whose framing is
/// broken, or an upload slower than Kestrel's minimum data rate (<c>BadHttpRequestException</c>, 400 or 408). The
/// body's readers take every failure to read as "the client hung up" and answer nothing, which Kestrel then sent as a
/// <c>200 OK</c> with an empty body: an SDK saw a successful Invoke (or CreateFunction) that never ran. An
/// undeterminable body is a 400 and the end of the connection (RFC 9112 §6.3); the framing cannot be trusted after it.
/// </summary>
internal static class UnreadableBody
{
    /// <summary>Sets the answer for <paramref name="failure"/>, the exception a body read threw, unless the client is
    /// gone (then nobody reads an answer) or it is not Kestrel's refusal of the body.</summary>
    public static void Answer(HttpContext context, Exception failure)
    {
        if (failure is BadHttpRequestException bad && !context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted)
        {
            context.Response.StatusCode = bad.StatusCode;
            if (!LambdaErrors.IsHttp2OrLater(context))
            {
                context.Response.Headers.Connection = "close";
            }
        }
    }
}
