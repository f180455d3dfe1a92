using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Security.Signing;

/// <summary>
/// The one entry for verifying a request (the middleware's and the AWS_IAM function URL authorizer's): returns the
/// verified caller — also set as <see cref="ICallerIdentityFeature"/> — or null when the refusal has been written.
/// <para>
/// A request with no body is verified completely here. A request with a body is verified up to its payload here, and
/// its body is hashed while the endpoint reads it: the read that reaches the end fails if the signature does not match
/// (<see cref="HashingBodyReader"/>), before the endpoint can act on it. A GET, HEAD, DELETE or OPTIONS with a body
/// (no Lambda operation reads one) has it read and dropped here, so an endpoint that never reads a body is covered too.
/// When the client signed an <c>x-amz-content-sha256</c> (the JS SDK v3 does), the signature is checked here against
/// it, and the body must then hash to it.
/// </para>
/// </summary>
internal sealed class RequestSigning(SigV4Verifier verifier)
{
    public SigV4Verifier Verifier => verifier;

    public async ValueTask<CallerIdentity?> VerifyAsync(HttpContext context, string service, RefusalShape shape)
    {
        var request = context.Request;
        var refusal = verifier.Begin(request, service, out var pending);
        if (refusal is not null)
        {
            await RefusalWriter.WriteAsync(context, refusal, shape).ConfigureAwait(false);
            return null;
        }
        var signed = pending!;
        var caller = signed.Credential.Caller;
        bool hasBody = request.ContentLength is long length
            ? length > 0
            : context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? false;
        byte[]? claimed = null;
        if (request.Headers["x-amz-content-sha256"].ToString() is { Length: > 0 } contentSha256)
        {
            bool unsigned = contentSha256 == SignedRequest.UnsignedPayload;
            if (!unsigned && (contentSha256.Length != 64 || !TryHex(contentSha256, out claimed)))
            {
                signed.Dispose();
                await RefusalWriter.WriteAsync(context, SigningRefusal.Mismatch, shape).ConfigureAwait(false);
                return null;
            }
            bool matches = signed.MatchesLiteral(contentSha256);
            if (!matches || unsigned || !hasBody)
            {
                signed.Dispose();
                if (!matches || (!unsigned && !claimed.AsSpan().SequenceEqual(SigV4Verifier.EmptySha256)))
                {
                    await RefusalWriter.WriteAsync(context, SigningRefusal.Mismatch, shape).ConfigureAwait(false);
                    return null;
                }
                return Accept(context, caller);
            }
        }
        else if (!hasBody)
        {
            bool matches = signed.Matches(SigV4Verifier.EmptySha256) || (signed.Presigned && signed.MatchesLiteral(SignedRequest.UnsignedPayload));
            signed.Dispose();
            if (!matches)
            {
                await RefusalWriter.WriteAsync(context, SigningRefusal.Mismatch, shape).ConfigureAwait(false);
                return null;
            }
            return Accept(context, caller);
        }

        var reader = new HashingBodyReader(context, request.BodyReader, signed, shape, claimed);
        context.Response.RegisterForDispose(reader);
        context.Features.Set<IRequestBodyPipeFeature>(reader);
        request.Body = reader.AsStream();
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsDelete(request.Method) || HttpMethods.IsOptions(request.Method))
        {
            try
            {
                if (!await reader.DrainAsync(context.RequestAborted).ConfigureAwait(false))
                {
                    return null;
                }
            }
            catch (Exception ex) when (ex is BadHttpRequestException or IOException or OperationCanceledException)
            {
                context.Abort(); // the client went away mid-body
                return null;
            }
        }
        return Accept(context, caller);
    }

    private static CallerIdentity Accept(HttpContext context, CallerIdentity caller)
    {
        context.Features.Set<ICallerIdentityFeature>(new CallerIdentityFeature(caller));
        return caller;
    }

    private static bool TryHex(string text, out byte[]? bytes)
    {
        bytes = new byte[32];
        if (Convert.FromHexString(text, bytes, out _, out int written) == System.Buffers.OperationStatus.Done && written == 32)
        {
            return true;
        }
        bytes = null;
        return false;
    }
}
