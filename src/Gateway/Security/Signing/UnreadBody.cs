using Gateway.Invoke;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Security.Signing;

/// <summary>
/// An answer given before the request's body is read — a missing function, alias or version, a bad
/// <c>X-Amz-Invocation-Type</c>, a DryRun, an unserved route — waits until the body's signature is decided. AWS
/// recomputes the signature from the whole request and refuses a mismatch whatever the request names (IAM User Guide,
/// "AWS Signature Version 4 for API requests": the signatures must match or the request is denied), so a caller holding
/// only an access key id learns nothing of the account's functions, and a mistyped secret reads as a signature error,
/// not "Function not found".
/// <para>
/// Only a body still being hashed (<see cref="HashingBodyReader"/>) is read here: headers-only refusals (unknown key,
/// expired signature) were answered before the endpoint ran, and a body decided up front (<see cref="BufferedBody"/>)
/// or absent has nothing left to decide. The successful path never comes here: only error answers call this. The rest
/// of the body is read through the hashing reader and dropped as it comes (bounded memory), up to the request's body
/// limit (Kestrel's backstop, just above the largest invoke payload; AWS's 70 MB on code uploads): a longer body gets
/// the 413 instead, which says nothing about the request's target.
/// </para>
/// </summary>
internal static class UnreadBody
{
    /// <summary>True: the signature is decided and matches (or was never pending), so the planned answer goes out.
    /// False: answered already — 403 InvalidSignatureException, or 413 — or the client went away (aborted).</summary>
    public static ValueTask<bool> DecideAsync(HttpContext context)
    {
        if (context.Features.Get<IRequestBodyPipeFeature>() is not HashingBodyReader { Pending: true } reader)
        {
            return new ValueTask<bool>(true);
        }
        return ReadAsync(context, reader);
    }

    private static async ValueTask<bool> ReadAsync(HttpContext context, HashingBodyReader reader)
    {
        long limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? Listening.KestrelLimits.BackstopBodyBytes;
        var decision = context.Request.ContentLength > limit
            ? BodyDecision.TooLarge
            : await reader.DecideAsync(limit, context.RequestAborted).ConfigureAwait(false);
        switch (decision)
        {
            case BodyDecision.Matches:
                return true;
            case BodyDecision.Refused:
                return false; // the hashing reader wrote the 403
            case BodyDecision.TooLarge:
                // The same text whatever the request names (the body limit of the server, not of the operation).
                await LambdaErrors.WriteDecidedAsync(context, LambdaError.RequestEntityTooLarge($"Request must be smaller than {limit} bytes for this operation")).ConfigureAwait(false);
                return false;
            default:
                context.Abort(); // nobody to answer, and nothing decided to answer with
                return false;
        }
    }
}
