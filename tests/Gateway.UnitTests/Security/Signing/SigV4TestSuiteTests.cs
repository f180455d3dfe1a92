using System.Security.Cryptography;
using System.Text;
using Gateway.Security.Signing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Gateway.UnitTests.Security.Signing;

/// <summary>
/// AWS's SigV4 test suite (aws-signing-test-suite/SOURCE.md): every case's canonical request is built exactly, and
/// every case's signed request verifies in both forms — the Authorization header and the presigned query — while the
/// same request with one signature digit changed, or another body, is refused.
/// </summary>
public sealed class SigV4TestSuiteTests
{
    public static TheoryData<string> Cases => SuiteCase.Names();

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_canonical_request_is_the_suite_s(string name)
    {
        var suite = SuiteCase.Load(name);
        var context = SuiteCase.ToContext(suite.File("header-signed-request.txt"));
        var expected = suite.File("header-canonical-request.txt");
        var signedHeaders = expected.Split('\n')[^2];
        var builder = new ByteBuilder(256);
        try
        {
            CanonicalRequest.WriteWithoutPayload(ref builder, context.Request.Method, context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget,
                new Headers(context.Request.Headers), signedHeaders, skipQueryParameter: null);
            builder.Append(expected.Split('\n')[^1]);
            Assert.Equal(expected, Encoding.UTF8.GetString(builder.Written));
        }
        finally
        {
            builder.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task The_header_signed_request_verifies(string name)
    {
        var suite = SuiteCase.Load(name);
        var context = SuiteCase.ToContext(suite.File("header-signed-request.txt"));

        var caller = await suite.Signing().VerifyAsync(context, suite.Service, RefusalShape.Lambda);
        Assert.True(caller is not null, SuiteCase.ResponseBody(context));
        await SuiteCase.ReadBodyAsync(context); // a body's end is where its signature is decided: it must not throw
        Assert.Equal("arn:aws:iam::123456789012:user/suite", caller.Arn);
        Assert.Same(caller, context.Features.Get<Gateway.Security.ICallerIdentityFeature>()!.Caller);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task The_presigned_request_verifies(string name)
    {
        var suite = SuiteCase.Load(name);
        var context = SuiteCase.ToContext(suite.File("query-signed-request.txt"));

        var caller = await suite.Signing().VerifyAsync(context, suite.Service, RefusalShape.Lambda);
        if (suite.OmitSessionToken)
        {
            // Every query parameter but X-Amz-Signature is signed, as botocore signs Lambda's presigned requests: an
            // unsigned token parameter (a signer option for IoT) does not verify here.
            Assert.Null(caller);
            return;
        }
        Assert.True(caller is not null, SuiteCase.ResponseBody(context));
        await SuiteCase.ReadBodyAsync(context);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task One_changed_signature_digit_is_refused(string name)
    {
        var suite = SuiteCase.Load(name);
        foreach (var file in new[] { "header-signed-request.txt", "query-signed-request.txt" })
        {
            var signature = suite.File(file.Replace("signed-request", "signature", StringComparison.Ordinal)).Trim();
            var changed = signature[..10] + (signature[10] == '0' ? '1' : '0') + signature[11..];
            var context = SuiteCase.ToContext(suite.File(file).Replace(signature, changed, StringComparison.Ordinal));

            bool refused = await suite.Signing().VerifyAsync(context, suite.Service, RefusalShape.Lambda) is null
                || await Assert.ThrowsAsync<SignatureMismatchException>(() => SuiteCase.ReadBodyAsync(context)) is not null;

            Assert.True(refused);
            Assert.Equal(403, context.Response.StatusCode);
            Assert.Equal("InvalidSignatureException", context.Response.Headers["x-amzn-ErrorType"].ToString());
            Assert.Equal($$"""{"message":"{{SigningRefusal.MismatchMessage}}"}""", SuiteCase.ResponseBody(context));
        }
    }

    [Fact]
    public async Task A_body_other_than_the_signed_one_fails_at_its_last_read_with_the_refusal_written()
    {
        var suite = SuiteCase.Load("post-x-www-form-urlencoded-parameters");
        var text = suite.File("header-signed-request.txt");
        var context = SuiteCase.ToContext(text);
        var signedLength = context.Request.ContentLength!.Value;
        var tampered = Encoding.UTF8.GetBytes(new string('x', (int)signedLength));
        context = SuiteCase.ToContext(text, tampered);

        Assert.NotNull(await suite.Signing().VerifyAsync(context, suite.Service, RefusalShape.Lambda));
        await Assert.ThrowsAsync<SignatureMismatchException>(() => SuiteCase.ReadBodyAsync(context));

        Assert.Equal(403, context.Response.StatusCode);
        Assert.Contains("The request signature we calculated does not match", SuiteCase.ResponseBody(context), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_is_hashed_across_many_small_reads_that_examine_without_consuming()
    {
        var suite = SuiteCase.Load("post-x-www-form-urlencoded");
        var context = SuiteCase.ToContext(suite.File("header-signed-request.txt"));
        // Without the x-amz-content-sha256 header the body's own hash completes the signature; the header is signed
        // here, so drop nothing and check through the trickle reader that a partial AdvanceTo hashes each byte once.
        Assert.NotNull(await suite.Signing().VerifyAsync(context, suite.Service, RefusalShape.Lambda));
        var reader = context.Request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync();
            if (result.IsCompleted)
            {
                reader.AdvanceTo(result.Buffer.End);
                break;
            }
            // consume one byte, examine everything: the next read returns the rest again plus anything new
            reader.AdvanceTo(result.Buffer.GetPosition(Math.Min(1, result.Buffer.Length)), result.Buffer.End);
        }
    }

    private readonly struct Headers(IHeaderDictionary headers) : IHeaderLookup
    {
        public StringValues Get(ReadOnlySpan<char> lowercaseName) => headers[lowercaseName.ToString()];
    }
}
