using Gateway.Security.Signing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Gateway.UnitTests.Security.Signing;

/// <summary>The one pass over a request's headers (<see cref="AmzHeaders"/>) finds what the lookups by name found:
/// any spelling of the three names, several values, near misses of the same length and first letter, absence.</summary>
public sealed class AmzHeadersTests
{
    [Fact]
    public void The_pass_finds_what_a_lookup_by_name_finds()
    {
        var random = new Random(1313);
        string[] names = ["X-Amz-Date", "X-Amz-Security-Token", "x-amz-content-sha256"];
        string[] nearMisses = ["x-amz-data", "X-Amz-Dat_", "y-amz-date", "x-amz-security-tokem", "x-amz-content-sha255", "X-Forwarded-", "Connection", "User-Agent"];
        for (int n = 0; n < 2000; n++)
        {
            var headers = new HeaderDictionary { ["Host"] = "example.com", ["Content-Type"] = "application/json" };
            foreach (var name in names.Concat(nearMisses))
            {
                int copies = random.Next(3); // absent, once, or twice (the second sent in another spelling)
                for (int i = 0; i < copies; i++)
                {
                    headers.Append(RandomCase(name, random), random.Next(4) == 0 ? "" : "v" + random.Next(100));
                }
            }
            var found = AmzHeaders.Read(headers);
            Assert.Equal(headers["X-Amz-Date"], found.Date);
            Assert.Equal(headers["X-Amz-Security-Token"], found.SecurityToken);
            Assert.Equal(headers["x-amz-content-sha256"], found.ContentSha256);
        }
    }

    [Fact]
    public void Nothing_is_found_in_headers_without_them()
    {
        var found = AmzHeaders.Read(new HeaderDictionary { ["Host"] = "example.com", ["X-Amz-Target"] = "Logs_20140328.PutLogEvents" });
        Assert.Equal(StringValues.Empty, found.Date);
        Assert.Equal(StringValues.Empty, found.SecurityToken);
        Assert.Equal(StringValues.Empty, found.ContentSha256);
    }

    private static string RandomCase(string name, Random random)
        => string.Concat(name.Select(c => random.Next(2) == 0 ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c)));
}
