using Gateway.Functions;
using Gateway.Invoke;
using static Gateway.UnitTests.Management.Records;
using FunctionRegistry = Gateway.Functions.Registry.FunctionRegistry;

namespace Gateway.UnitTests.Management;

/// <summary>The resolver's draw for a weighted alias, checked statistically: the share of the additional version must
/// fall inside the 99.9 % binomial interval p ± 3.29·sqrt(p(1−p)/n). The seed makes the run reproducible; the bound
/// is what a correct draw passes for almost every seed, and what a wrong one (e.g. the weight applied to the primary
/// version, 0.9) misses by far.</summary>
public sealed class WeightedRoutingTests
{
    private const string Fn = "fn";

    private static FunctionResolver Resolver(double weight, int seed) =>
        new(new FunctionRegistry(Snapshot(Function(Fn, published: 2).WithAlias(Alias(Fn, "live", "1", "2", weight))), null),
            Region, Account, RoutingRandom.Create(seed));

    private static int AdditionalPicks(FunctionResolver resolver, int n)
    {
        var reference = new FunctionReference(Fn, "live", null, null);
        int additional = 0;
        for (int i = 0; i < n; i++)
        {
            Assert.True(resolver.TryResolveForInvoke(reference, out var target, out _));
            Assert.Equal(ArnOf(Fn) + ":live", target.InvokedArn);
            if (target.ExecutedVersion == "2")
            {
                additional++;
            }
            else
            {
                Assert.Equal("1", target.ExecutedVersion);
            }
        }
        return additional;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(20260515)]
    public void A_weight_of_one_tenth_sends_one_tenth_to_the_additional_version(int seed)
    {
        const int n = 20_000;
        const double p = 0.1;
        double halfWidth = 3.29 * Math.Sqrt(p * (1 - p) / n); // ≈ 0.00698

        double share = AdditionalPicks(Resolver(p, seed), n) / (double)n;

        Assert.InRange(share, p - halfWidth, p + halfWidth);
    }

    [Fact]
    public void Weights_zero_and_one_are_never_and_always()
    {
        Assert.Equal(0, AdditionalPicks(Resolver(0.0, 7), 1000));
        Assert.Equal(1000, AdditionalPicks(Resolver(1.0, 7), 1000));
    }
}
