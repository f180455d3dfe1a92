using System.Security.Cryptography;
using System.Text;
using Gateway.Security.Signing;

namespace Gateway.UnitTests.Security.Signing;

/// <summary>The signing time from a Date header (no X-Amz-Date): AWS's ISO 8601 basic form, HTTP's RFC 1123 form and
/// botocore's <c>email.utils.formatdate</c> form (<c>-0000</c>).</summary>
public sealed class DateHeaderTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 14, 51, 36, TimeSpan.Zero);

    [Theory]
    [InlineData("20261207T145136Z")]
    [InlineData("Mon, 07 Dec 2026 14:51:36 GMT")]
    [InlineData("Mon, 07 Dec 2026 14:51:36 -0000")]
    [InlineData("Mon, 07 Dec 2026 14:51:36 +0000")]
    [InlineData("Mon, 7 Dec 2026 14:51:36 +0000")]
    [InlineData("Mon, 07 Dec 2026 15:51:36 +0100")]
    [InlineData("Mon, 07 Dec 2026 09:21:36 -0530")]
    [InlineData("07 Dec 2026 14:51:36 -0000")]
    public void Each_form_is_the_same_instant(string header)
    {
        Assert.True(DateHeader.TryParse(header, out var at));
        Assert.Equal(At, at);
        Assert.Equal(TimeSpan.Zero, at.Offset);
    }

    [Theory]
    [InlineData("")]
    [InlineData("2026-12-07T14:51:36Z")]          // extended ISO 8601: not the basic format
    [InlineData("20261207T145136")]                // no Z
    [InlineData("Tue, 07 Dec 2026 14:51:36 GMT")]  // the wrong weekday
    [InlineData("Mon, 07 Dec 2026 14:51:36 UTC")]
    [InlineData("Mon, 07 Dec 2026 14:51:36 -00")]
    [InlineData("Mon, 07 Dec 2026 14:51:36 +2400")]
    [InlineData("Mon, 07 Dec 2026 14:51:36 +0060")]
    [InlineData("Mon, 07 Dec 2026 14:51:36 0000")]
    [InlineData("Mon, 07 Dec 2026 24:51:36 -0000")]
    [InlineData("Mon, 01 Jan 0001 00:00:00 +0100")] // before year 1 once the zone is taken off
    public void Anything_else_is_refused(string header)
    {
        Assert.False(DateHeader.TryParse(header, out _));
    }

    /// <summary>A GET signed with <c>SignedHeaders=date;host</c> and no X-Amz-Date, each form, verified end to end: the
    /// canonical request has the header as sent, the string to sign its time in the basic format.</summary>
    [Theory]
    [InlineData("20150830T123600Z")]
    [InlineData("Sun, 30 Aug 2015 12:36:00 GMT")]
    [InlineData("Sun, 30 Aug 2015 12:36:00 -0000")]
    public async Task A_request_signed_with_a_Date_header_is_verified(string date)
    {
        var suite = SuiteCase.Load("get-vanilla"); // its clock: 2015-08-30T12:36:00Z
        string canonical = $"GET\n/\n\ndate:{date}\nhost:example.amazonaws.com\n\ndate;host\n{Convert.ToHexStringLower(SHA256.HashData([]))}";
        string scope = $"20150830/{suite.Region}/{suite.Service}/aws4_request";
        string stringToSign = $"AWS4-HMAC-SHA256\n20150830T123600Z\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = SigningKeyCache.Derive(Encoding.UTF8.GetBytes("AWS4" + suite.Secret), "20150830", suite.Region, suite.Service);
        string signature = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        var context = SuiteCase.ToContext($"GET / HTTP/1.1\nHost:example.amazonaws.com\nDate:{date}\n"
            + $"Authorization:AWS4-HMAC-SHA256 Credential={suite.AccessKeyId}/{scope}, SignedHeaders=date;host, Signature={signature}\n\n");

        Assert.NotNull(await suite.Signing().VerifyAsync(context, suite.Service, RefusalShape.Lambda));
        Assert.Equal(200, context.Response.StatusCode);
    }
}
