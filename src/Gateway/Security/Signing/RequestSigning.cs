using Gateway.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Security.Signing;

/// <summary>
/// The one entry for verifying a request (the middleware's and the AWS_IAM function URL authorizer's): returns the
/// verified caller — also set as <see cref="ICallerIdentityFeature"/> — or null when the refusal has been written.
/// <para>
/// A request with no body is verified completely here. A request with a body is verified up to its payload here, and
/// its body is hashed while the endpoint reads it: the read that reaches the end fails if the signature does not match
/// (<see cref="HashingBodyReader"/>), before the endpoint can act on it; an endpoint that would answer without reading
/// it (a missing function, a bad header, a DryRun) has it read first (<see cref="UnreadBody"/>). A GET, HEAD, DELETE or OPTIONS with a body
/// (no Lambda operation reads one) has it read and dropped here, so an endpoint that never reads a body is covered too.
/// A small body that is already all in the server's buffer when the request arrives (a 64 B invoke, nearly every
/// management call) is hashed and decided here instead, without the wrapping reader (<see cref="BufferedBody"/>); when
/// it does not match, the wrapping reader is installed all the same and refuses at the body's end as it always did.
/// When the client signed an <c>x-amz-content-sha256</c> (the JS SDK v3 does), the signature is checked here against
/// it, and the body must then hash to it.
/// </para>
/// </summary>
internal sealed class RequestSigning(SigV4Verifier verifier)
{
    /// <summary>The feature's key, read from a field (a <c>typeof</c> per request is a runtime type lookup under native
    /// AOT, as in <see cref="SigV4Verifier"/>).</summary>
    private static readonly Type CallerFeatureType = typeof(ICallerIdentityFeature);

    public SigV4Verifier Verifier => verifier;

    /// <summary>Completes synchronously for a request that verifies (or waits for its body, which the endpoint reads);
    /// only a refusal, or a GET-like request with a body to drain, awaits.</summary>
    public ValueTask<CallerIdentity?> VerifyAsync(HttpContext context, string service, RefusalShape shape)
    {
        var request = context.Request;
        // Read once and passed on: each request.Headers is a virtual call, a feature-cache check and an interface call.
        var headers = request.Headers;
        var refusal = verifier.Begin(request, headers, service, out var pending);
        if (refusal is not null)
        {
            return RefuseAsync(context, refusal, shape);
        }
        var signed = pending!;
        var credential = signed.Credential;
        long? contentLength = headers.ContentLength;
        bool hasBody = contentLength is long length
            ? length > 0
            : context.Features.Fetch<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? false;
        Span<byte> claimed = stackalloc byte[32];
        bool hasClaimed = false;
        if (headers["x-amz-content-sha256"].ToString() is { Length: > 0 } contentSha256)
        {
            bool unsigned = contentSha256 == SignedRequest.UnsignedPayload;
            if (!unsigned)
            {
                if (!Hex.TryDecode(contentSha256, claimed))
                {
                    signed.Release();
                    return RefuseAsync(context, SigningRefusal.Mismatch, shape);
                }
                hasClaimed = true;
            }
            bool matches = signed.MatchesLiteral(contentSha256);
            if (!matches || unsigned || !hasBody)
            {
                signed.Release();
                if (!matches || (!unsigned && !claimed.SequenceEqual(SigV4Verifier.EmptySha256)))
                {
                    return RefuseAsync(context, SigningRefusal.Mismatch, shape);
                }
                return Accept(context, credential);
            }
        }
        else if (!hasBody)
        {
            bool matches = signed.Matches(SigV4Verifier.EmptySha256) || (signed.Presigned && signed.MatchesLiteral(SignedRequest.UnsignedPayload));
            signed.Release();
            if (!matches)
            {
                return RefuseAsync(context, SigningRefusal.Mismatch, shape);
            }
            return Accept(context, credential);
        }

        // POST first: Kestrel's method string is HttpMethods.Post itself, so that test is one reference compare; each of
        // the other four, for a POST, is a case-insensitive string compare through the comparer (~0.2 µs in all).
        string method = request.Method;
        bool getLike = !HttpMethods.IsPost(method)
            && (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsDelete(method) || HttpMethods.IsOptions(method));
        if (!getLike && BufferedBody.Verifies(request, headers, contentLength, signed, hasClaimed ? claimed : default))
        {
            signed.Release();
            return Accept(context, credential);
        }
        var reader = HashingBodyReader.Rent(context, request.BodyReader, signed, shape, hasClaimed ? claimed : default);
        context.Response.RegisterForDispose(reader);
        context.Features.Put<IRequestBodyPipeFeature>(reader);
        request.Body = reader.Stream;
        if (getLike)
        {
            return DrainThenAcceptAsync(context, reader, credential);
        }
        return Accept(context, credential);
    }

    /// <summary>A GET, HEAD, DELETE or OPTIONS with a body: read and dropped here, so its signature is decided.</summary>
    private static async ValueTask<CallerIdentity?> DrainThenAcceptAsync(HttpContext context, HashingBodyReader reader, SigningCredential credential)
    {
        switch (await reader.DecideAsync(long.MaxValue, context.RequestAborted).ConfigureAwait(false))
        {
            case BodyDecision.Matches:
                return await Accept(context, credential).ConfigureAwait(false);
            case BodyDecision.Refused:
                return null; // the refusal is written
            default:
                context.Abort(); // the client went away mid-body, or sent more than the server takes
                return null;
        }
    }

    private static async ValueTask<CallerIdentity?> RefuseAsync(HttpContext context, SigningRefusal refusal, RefusalShape shape)
    {
        await RefusalWriter.WriteAsync(context, refusal, shape).ConfigureAwait(false);
        return null;
    }

    /// <summary>The caller's feature is the credential's own (made once): setting it allocates nothing.</summary>
    private static ValueTask<CallerIdentity?> Accept(HttpContext context, SigningCredential credential)
    {
        context.Features[CallerFeatureType] = credential.CallerFeature;
        return new ValueTask<CallerIdentity?>(credential.Caller);
    }
}
