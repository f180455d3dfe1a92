using Gateway.FunctionUrls;

namespace Gateway.UnitTests.FunctionUrls;

public sealed class FunctionUrlDomainTests
{
    private const string Id = "abcdefghijklmnopqrstuvwxyz012345";

    private readonly FunctionUrlDomain _domain = new("us-east-1", "localhost");

    [Theory]
    [InlineData(Id + ".lambda-url.us-east-1.localhost")]
    [InlineData(Id + ".lambda-url.us-east-1.localhost:9000")]
    [InlineData(Id + ".LAMBDA-URL.us-east-1.LocalHost:1")]
    [InlineData(Id + ".lambda-url.us-east-1.localhost.")]
    [InlineData(Id + ".lambda-url.us-east-1.localhost.:80")]
    public void A_url_host_gives_its_id(string host)
    {
        Assert.True(_domain.TryGetUrlId(host, out var id));
        Assert.Equal(Id, id.ToString());
    }

    [Theory]
    [InlineData("127.0.0.1:9000")]
    [InlineData("localhost")]
    [InlineData("[::1]:9000")]
    [InlineData(Id + ".lambda-url.us-west-2.localhost")] // another region is not this gateway's
    [InlineData(Id + ".lambda-url.us-east-1.on.aws")]
    [InlineData("x" + Id + ".lambda-url.us-east-1.localhost")]
    [InlineData("sub." + Id + ".lambda-url.us-east-1.localhost")]
    [InlineData(Id + ".lambda-url.us-east-1.localhost:90a")]
    [InlineData(Id + ".lambda-url.us-east-1.localhostx")]
    public void Other_hosts_are_not_url_hosts(string host) => Assert.False(_domain.TryGetUrlId(host, out _));

    [Fact]
    public void The_suffix_is_configurable()
    {
        var domain = new FunctionUrlDomain("eu-west-1", ".example.test.");
        Assert.True(domain.TryGetUrlId(Id + ".lambda-url.eu-west-1.example.test", out _));
        Assert.Equal($"https://{Id}.lambda-url.eu-west-1.example.test/", domain.FunctionUrl(Id, "https", 443));
        Assert.Equal($"http://{Id}.lambda-url.eu-west-1.example.test:9000/", domain.FunctionUrl(Id, "http", 9000));
        Assert.Equal($"{Id}.lambda-url.eu-west-1.example.test", domain.DomainName(Id));
    }

    [Fact]
    public void Ids_are_32_lower_case_alphanumerics_and_differ()
    {
        var ids = Enumerable.Range(0, 100).Select(_ => FunctionUrlIds.NewId()).ToList();
        Assert.All(ids, id => Assert.Matches("^[a-z0-9]{32}$", id));
        Assert.All(ids, id => Assert.True(FunctionUrlIds.IsWellFormed(id)));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.False(FunctionUrlIds.IsWellFormed(Id.ToUpperInvariant()));
        Assert.False(FunctionUrlIds.IsWellFormed(Id.AsSpan(1)));
    }
}
