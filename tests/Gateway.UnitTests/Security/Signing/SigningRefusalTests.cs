using Gateway.Security.Signing;

namespace Gateway.UnitTests.Security.Signing;

/// <summary>Each refusal before the signature's own check, with AWS's type and text (sources in SigningRefusal.cs).</summary>
public sealed class SigningRefusalTests
{
    private static readonly SuiteCase Vanilla = SuiteCase.Load("get-vanilla");

    private static async Task<(int Status, string Type, string Body)> RefuseAsync(string requestText, FixedClock? clock = null, string service = "service", RequestSigning? signing = null)
    {
        var context = SuiteCase.ToContext(requestText);
        Assert.Null(await (signing ?? Vanilla.Signing(clock)).VerifyAsync(context, service, RefusalShape.Lambda));
        return (context.Response.StatusCode, context.Response.Headers["x-amzn-ErrorType"].ToString(), SuiteCase.ResponseBody(context));
    }

    [Fact]
    public async Task An_unsigned_request_is_missing_its_authentication_token()
    {
        var refusal = await RefuseAsync("GET / HTTP/1.1\nHost:example.amazonaws.com\n\n");
        Assert.Equal((403, "MissingAuthenticationTokenException", """{"message":"Missing Authentication Token"}"""), refusal);
    }

    [Fact]
    public async Task A_bearer_token_lists_what_a_SigV4_header_needs()
    {
        var refusal = await RefuseAsync("GET / HTTP/1.1\nHost:example.amazonaws.com\nAuthorization:mock\n\n");
        Assert.Equal((403, "IncompleteSignatureException",
            """{"message":"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=mock"}"""), refusal);
    }

    [Fact]
    public async Task An_unknown_access_key_is_an_unrecognized_client()
    {
        var text = Vanilla.File("header-signed-request.txt").Replace("AKIDEXAMPLE", "AKIDUNKNOWN", StringComparison.Ordinal);
        var refusal = await RefuseAsync(text);
        Assert.Equal((403, "UnrecognizedClientException", """{"message":"The security token included in the request is invalid."}"""), refusal);
    }

    [Fact]
    public async Task A_session_token_other_than_the_key_s_is_an_unrecognized_client()
    {
        var suite = SuiteCase.Load("get-vanilla-with-session-token");
        var text = suite.File("header-signed-request.txt");
        var refusal = await RefuseAsync(text, signing: Vanilla.Signing()); // the same key, but the file has no token for it
        Assert.Equal("UnrecognizedClientException", refusal.Type);
    }

    [Fact]
    public async Task Six_minutes_late_is_expired_in_Lambda_s_words()
    {
        var refusal = await RefuseAsync(Vanilla.File("header-signed-request.txt"), new FixedClock(Vanilla.Time.AddMinutes(6)));
        Assert.Equal((403, "InvalidSignatureException",
            """{"message":"Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z (20150830T124200Z - 5 min.)"}"""), refusal);
    }

    [Fact]
    public async Task Six_minutes_early_is_not_yet_current()
    {
        var refusal = await RefuseAsync(Vanilla.File("header-signed-request.txt"), new FixedClock(Vanilla.Time.AddMinutes(-6)));
        Assert.Equal((403, "InvalidSignatureException",
            """{"message":"Signature not yet current: 20150830T123600Z is still later than 20150830T123500Z (20150830T123000Z + 5 min.)"}"""), refusal);
    }

    [Fact]
    public async Task Four_minutes_either_way_is_accepted()
    {
        foreach (var minutes in new[] { -4, 4 })
        {
            var context = SuiteCase.ToContext(Vanilla.File("header-signed-request.txt"));
            Assert.NotNull(await Vanilla.Signing(new FixedClock(Vanilla.Time.AddMinutes(minutes))).VerifyAsync(context, "service", RefusalShape.Lambda));
        }
    }

    [Fact]
    public async Task A_presigned_URL_is_valid_for_its_X_Amz_Expires()
    {
        var text = Vanilla.File("query-signed-request.txt"); // X-Amz-Expires=3600
        var context = SuiteCase.ToContext(text);
        Assert.NotNull(await Vanilla.Signing(new FixedClock(Vanilla.Time.AddMinutes(59))).VerifyAsync(context, "service", RefusalShape.Lambda));
        var refusal = await RefuseAsync(text, new FixedClock(Vanilla.Time.AddMinutes(61)));
        Assert.Equal("InvalidSignatureException", refusal.Type);
        Assert.StartsWith("""{"message":"Signature expired: 20150830T123600Z is now earlier than""", refusal.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_credential_scoped_to_another_service_and_region_says_so()
    {
        var refusal = await RefuseAsync(Vanilla.File("header-signed-request.txt"), service: "lambda",
            signing: new RequestSigning(new SigV4Verifier(CredentialsFile.Parse("[a]\naws_access_key_id=AKIDEXAMPLE\naws_secret_access_key=x\n", "123456789012"), "eu-west-1", new FixedClock(Vanilla.Time))));
        Assert.Equal((403, "InvalidSignatureException",
            """{"message":"Credential should be scoped to a valid region, not 'us-east-1'. Credential should be scoped to correct service: 'lambda'."}"""), refusal);
    }

    [Fact]
    public void The_credentials_file_is_the_aws_CLI_s_format()
    {
        var keys = CredentialsFile.Parse("""
            # the gateway's callers
            [default]
            aws_access_key_id = AKIADEFAULT
            aws_secret_access_key = secret/with+chars=
            region = us-east-1

            [ci]
            aws_access_key_id=AKIACI
            aws_secret_access_key=other
            aws_session_token = token
            aws_account_id = 111122223333
            """, "000000000000");

        Assert.Equal("arn:aws:iam::000000000000:user/default", keys["AKIADEFAULT"].Caller.Arn);
        Assert.Equal("111122223333", keys["AKIACI"].Caller.AccountId);
        Assert.Equal("token", keys["AKIACI"].SessionToken);
        Assert.True(keys["AKIACI"].Caller.Verified);
        Assert.Throws<FormatException>(() => CredentialsFile.Parse("[a]\naws_access_key_id = x\n", "000000000000"));
        Assert.Throws<FormatException>(() => CredentialsFile.Parse("", "000000000000"));
        Assert.Throws<FormatException>(() => CredentialsFile.Parse("[a]\naws_access_key_id=k\naws_secret_access_key=s\n[b]\naws_access_key_id=k\naws_secret_access_key=t\n", "000000000000"));
    }
}
