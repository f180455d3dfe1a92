using System.Security.Cryptography;
using Gateway.Security.Signing;

namespace Gateway.UnitTests.Security.Signing;

/// <summary>The verifier's 32-byte constant-time compare (<see cref="ConstantTime"/>) answers as
/// <see cref="CryptographicOperations.FixedTimeEquals"/> does.</summary>
public sealed class ConstantTimeTests
{
    [Fact]
    public void Equal_values_and_every_single_bit_difference_answer_as_FixedTimeEquals()
    {
        var random = new Random(32);
        for (int n = 0; n < 200; n++)
        {
            var left = new byte[32];
            random.NextBytes(left);
            var right = (byte[])left.Clone();
            Assert.True(ConstantTime.Equals32(left, right));
            for (int bit = 0; bit < 256; bit++)
            {
                right[bit / 8] ^= (byte)(1 << (bit % 8));
                Assert.Equal(CryptographicOperations.FixedTimeEquals(left, right), ConstantTime.Equals32(left, right));
                Assert.False(ConstantTime.Equals32(left, right));
                right[bit / 8] ^= (byte)(1 << (bit % 8));
            }
            var other = new byte[32];
            random.NextBytes(other);
            Assert.Equal(CryptographicOperations.FixedTimeEquals(left, other), ConstantTime.Equals32(left, other));
        }
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(31, 31)]
    [InlineData(33, 33)]
    [InlineData(32, 31)]
    [InlineData(31, 32)]
    [InlineData(32, 0)]
    public void Anything_but_two_32_byte_values_is_unequal(int leftLength, int rightLength)
        => Assert.False(ConstantTime.Equals32(new byte[leftLength], new byte[rightLength]));
}
