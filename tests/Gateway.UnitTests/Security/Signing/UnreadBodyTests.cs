using System.Text;
using Gateway.Invoke;
using Gateway.Security.Signing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.UnitTests.Security.Signing;

/// <summary>
/// An error answered before the body is read (a missing function, a bad header) waits for the body's signature
/// (<see cref="UnreadBody"/>, called by <see cref="LambdaErrors"/>): a mismatch is 403 InvalidSignatureException
/// instead, a match keeps the error, a body over the request's limit is 413 (undecided, and saying nothing).
/// </summary>
public sealed class UnreadBodyTests
{
    private static readonly SuiteCase Post = SuiteCase.Load("post-x-www-form-urlencoded");
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("""{"q":1}""");

    private sealed class MaxBodySize(long? limit) : IHttpMaxRequestBodySizeFeature
    {
        public bool IsReadOnly => false;
        public long? MaxRequestBodySize { get; set; } = limit;
    }

    private sealed class CanHaveBody : IHttpRequestBodyDetectionFeature
    {
        bool IHttpRequestBodyDetectionFeature.CanHaveBody => true;
    }

    /// <summary>An invoke signed for <see cref="Payload"/>, sent with <paramref name="sent"/>, verified as the middleware
    /// verifies it (the body streams in, so its signature is still pending when the endpoint runs).</summary>
    private static async Task<DefaultHttpContext> VerifiedAsync(byte[] sent, long? limit = null, bool chunked = false)
    {
        var context = SuiteCase.ToContext(BufferedBodyTests.SignedInvoke(Payload), sent);
        if (chunked)
        {
            context.Request.ContentLength = null;
            context.Features.Set<IHttpRequestBodyDetectionFeature>(new CanHaveBody());
        }
        else
        {
            context.Request.ContentLength = sent.Length;
        }
        if (limit is not null)
        {
            context.Features.Set<IHttpMaxRequestBodySizeFeature>(new MaxBodySize(limit));
        }
        Assert.NotNull(await Post.Signing().VerifyAsync(context, Post.Service, RefusalShape.Lambda));
        Assert.True(context.Request.BodyReader is HashingBodyReader { Pending: true });
        return context;
    }

    private static (int Status, string Type, string Body) Answer(HttpContext context)
        => (context.Response.StatusCode, context.Response.Headers["x-amzn-ErrorType"].ToString(), SuiteCase.ResponseBody(context));

    [Fact]
    public async Task A_missing_function_with_a_body_that_does_not_match_is_a_signature_refusal()
    {
        var tampered = (byte[])Payload.Clone();
        tampered[^2] = (byte)'2';
        var context = await VerifiedAsync(tampered);

        await LambdaErrors.ResourceNotFound(context, "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nosuchfn");

        var (status, type, body) = Answer(context);
        Assert.Equal((403, "InvalidSignatureException"), (status, type));
        Assert.DoesNotContain("Function not found", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_function_with_the_signed_body_keeps_its_own_answer()
    {
        var context = await VerifiedAsync(Payload);

        await LambdaErrors.Validation(context, "bad invocation type");

        Assert.Equal((400, "ValidationException", """{"message":"bad invocation type"}"""), Answer(context));
        Assert.True(((HashingBodyReader)context.Request.BodyReader).Verified);
    }

    [Fact]
    public async Task A_204_that_reads_no_body_waits_for_it_too()
    {
        var tampered = (byte[])Payload.Clone();
        tampered[0] = (byte)' ';
        var context = await VerifiedAsync(tampered);
        Assert.False(await UnreadBody.DecideAsync(context));
        Assert.Equal(403, context.Response.StatusCode);

        var signed = await VerifiedAsync(Payload);
        Assert.True(await UnreadBody.DecideAsync(signed));
        Assert.Equal(200, signed.Response.StatusCode); // nothing written: the endpoint answers
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_body_over_the_request_s_limit_is_413_whatever_its_signature(bool chunked)
    {
        var long_ = Encoding.UTF8.GetBytes(new string(' ', 64) + """{"q":1}""");
        var context = await VerifiedAsync(long_, limit: 16, chunked);

        await LambdaErrors.ResourceNotFound(context, "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nosuchfn");

        var (status, type, body) = Answer(context);
        Assert.Equal((413, "RequestEntityTooLargeException"), (status, type));
        Assert.Contains("Request must be smaller than 16 bytes", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_pending_signature_nothing_is_read()
    {
        var context = SuiteCase.ToContext(BufferedBodyTests.SignedInvoke(Payload), Payload);
        var deciding = UnreadBody.DecideAsync(context);
        Assert.True(deciding.IsCompletedSuccessfully); // no read, no wait
        Assert.True(await deciding);
        Assert.Equal(0, context.Request.Body.Position);
    }
}
