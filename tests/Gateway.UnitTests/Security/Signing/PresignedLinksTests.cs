using Gateway.Security.Signing;
using Microsoft.AspNetCore.Http;

namespace Gateway.UnitTests.Security.Signing;

/// <summary>The links an answer hands out under --auth sigv4 (Code.Location, Content.Location): presigned with the
/// asking request's key, they verify with the gateway's own verifier as a plain GET, for 10 minutes, and only for
/// the path they name.</summary>
public sealed class PresignedLinksTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 23, 50, 0, TimeSpan.Zero);
    private const string Path = "/_gateway/code/0123abcd.zip";

    private static SuiteCase Key(string? token) => new()
    {
        Name = "links", AccessKeyId = "AKIDEXAMPLE", Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", Token = token,
        Region = "us-east-1", Service = "lambda", Time = Now,
    };

    /// <summary>The link's query as the request an HTTP client sends for it (GET, the host it names, no body).</summary>
    private static DefaultHttpContext Opening(string path, string query)
        => SuiteCase.ToContext($"GET {path}?{query} HTTP/1.1\nHost: 127.0.0.1:9000\n\n");

    private static async Task<bool> VerifiesAsync(SuiteCase key, string path, string query, DateTimeOffset at)
    {
        var context = Opening(path, query);
        return await key.Signing(new FixedClock(at)).VerifyAsync(context, "lambda", RefusalShape.Lambda) is not null;
    }

    private static string QueryFor(SuiteCase key)
    {
        var credential = CredentialsFile.Parse(
            $"[k]\naws_access_key_id = {key.AccessKeyId}\naws_secret_access_key = {key.Secret}\n" + (key.Token is null ? "" : $"aws_session_token = {key.Token}\n"),
            "123456789012").Values.Single();
        return PresignedLinks.Query(credential, "us-east-1", "127.0.0.1:9000", Path, Now);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("FwoGZXIvYXdzEJr//////////wEaDOnly+a/token=")]
    public async Task A_link_verifies_as_a_plain_GET_for_ten_minutes(string? token)
    {
        var key = Key(token);
        var query = QueryFor(key);
        Assert.Contains("X-Amz-Expires=600", query);
        Assert.True(await VerifiesAsync(key, Path, query, Now));
        Assert.True(await VerifiesAsync(key, Path, query, Now.AddMinutes(9)));
        Assert.False(await VerifiesAsync(key, Path, query, Now.AddMinutes(11)));
    }

    [Fact]
    public async Task It_opens_only_the_path_it_names()
    {
        var key = Key(null);
        Assert.False(await VerifiesAsync(key, "/_gateway/code/ffff.zip", QueryFor(key), Now));
        Assert.False(await VerifiesAsync(key, "/2015-03-31/functions", QueryFor(key), Now));
    }

    [Fact]
    public void An_unverified_request_gets_the_bare_link()
    {
        var context = SuiteCase.ToContext("GET /2015-03-31/functions/f HTTP/1.1\nHost: h\n\n");
        Assert.Equal("http://h" + Path, PresignedLinks.For(context.Request, "http://h" + Path, Path, "us-east-1", Now));
    }
}
