using Gateway.Configuration;

namespace Gateway.UnitTests.Configuration;

public class NearMissTests
{
    [Theory]
    [InlineData("Region", "Region", 0)]
    [InlineData("region", "REGION", 0)]
    [InlineData("Regoin", "Region", 1)] // two neighbours swapped
    [InlineData("Regio", "Region", 1)]
    [InlineData("AccountConcurencyLimit", "AccountConcurrencyLimit", 1)]
    [InlineData("Rgn", "Region", 3)]
    [InlineData("cluster", "urls", 3)] // far apart in length: not computed, just "too far"
    public void Distance_counts_typing_slips(string a, string b, int expected)
    {
        Assert.Equal(expected, NearMiss.Distance(a, b));
    }

    [Fact]
    public void Closest_takes_the_nearest_within_two_edits_or_nothing()
    {
        Assert.Equal("Region", NearMiss.Closest("Regin", ["AccountId", "Region", "Regions"]));
        Assert.Equal("--urls", NearMiss.Closest("--url", ["--data", "--urls"]));
        Assert.Null(NearMiss.Closest("--cluster", ["--data", "--urls", "--quiet"]));
    }
}
