using System.Globalization;
using System.Text;
using Gateway.Logs;

namespace Gateway.UnitTests.Logs;

/// <summary><see cref="TwoDecimals"/> against the formatter it replaces, <c>F2</c> (invariant culture), byte for byte.</summary>
public class TwoDecimalsTests
{
    private static string Write(double value)
    {
        var buffer = new byte[64];
        Assert.True(TwoDecimals.TryWrite(value, buffer, out int n));
        return Encoding.ASCII.GetString(buffer, 0, n);
    }

    private static string F2(double value) => value.ToString("F2", CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.005)]   // the double is a little above the tie: F2 says 0.01
    [InlineData(1.005)]   // a little below: 1.00
    [InlineData(0.125)]   // an exact tie
    [InlineData(2.675)]
    [InlineData(26.73)]
    [InlineData(26.734)]
    [InlineData(99.995)]
    [InlineData(999.999)]
    [InlineData(1234567.891)]
    [InlineData(9999999.995)]
    [InlineData(1e7)]
    [InlineData(1e15)]
    [InlineData(-3.14159)]
    [InlineData(1e-300)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Writes_what_F2_writes(double value)
    {
        Assert.Equal(F2(value), Write(value));
    }

    [Fact]
    public void Writes_what_F2_writes_over_random_durations_and_every_tie()
    {
        var random = new Random(15);
        for (int i = 0; i < 200_000; i++)
        {
            // Durations as the gateway measures them (elapsed ticks → ms), over the whole range and near every scale.
            double value = i % 4 switch
            {
                0 => random.NextDouble() * 10,
                1 => random.NextDouble() * 1_000_000,
                2 => Math.Pow(10, random.NextDouble() * 9 - 2),
                _ => random.Next(0, 100_000_000) / 1000.0, // whole microseconds: thousandths that end in 5 are ties
            };
            Assert.Equal(F2(value), Write(value));
        }
        for (int k = 0; k < 2_000_000; k += 7)
        {
            double tie = (2 * k + 1) / 200.0; // x.xx5 spelled in decimal: each side of F2's rounding
            Assert.Equal(F2(tie), Write(tie));
            Assert.Equal(F2(Math.BitIncrement(tie)), Write(Math.BitIncrement(tie)));
            Assert.Equal(F2(Math.BitDecrement(tie)), Write(Math.BitDecrement(tie)));
        }
    }

    [Fact]
    public void Negative_zero_keeps_its_sign_as_F2_does()
    {
        Assert.Equal(F2(-0.0), Write(-0.0));
    }

    [Fact]
    public void Refuses_a_destination_too_small_instead_of_writing_past_it()
    {
        var buffer = new byte[4];
        Assert.False(TwoDecimals.TryWrite(26.73, buffer, out _));
    }
}
