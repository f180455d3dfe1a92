using Gateway.Security.Signing;

namespace Gateway.UnitTests.Security.Signing;

/// <summary>The verifier's table hex (<see cref="Hex"/>) against <see cref="Convert"/>'s: the same digits out, the
/// same inputs accepted and refused.</summary>
public sealed class HexTests
{
    [Fact]
    public void Encoding_matches_Convert_for_every_byte_value()
    {
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var utf8 = new byte[512];
        Hex.EncodeLower(bytes, utf8);
        Assert.Equal(Convert.ToHexStringLower(bytes), System.Text.Encoding.ASCII.GetString(utf8));
    }

    [Fact]
    public void Encoding_matches_Convert_for_every_length_and_offset()
    {
        var random = new Random(64);
        for (int length = 0; length <= 70; length++)
        {
            for (int offset = 0; offset < 4; offset++)
            {
                var bytes = new byte[offset + length];
                random.NextBytes(bytes);
                var utf8 = new byte[offset + 2 * length + 3];
                Hex.EncodeLower(bytes.AsSpan(offset), utf8.AsSpan(offset));
                Assert.Equal(Convert.ToHexStringLower(bytes, offset, length), System.Text.Encoding.ASCII.GetString(utf8, offset, 2 * length));
                Assert.All(utf8[..offset].Concat(utf8[(offset + 2 * length)..]), b => Assert.Equal(0, b)); // nothing written outside
            }
        }
    }

    [Fact]
    public void Decoding_accepts_and_refuses_what_Convert_does()
    {
        var random = new Random(13);
        var candidates = new List<string>();
        for (int n = 0; n < 2000; n++)
        {
            var bytes = new byte[32];
            random.NextBytes(bytes);
            string hex = n % 2 == 0 ? Convert.ToHexStringLower(bytes) : Convert.ToHexString(bytes);
            candidates.Add(hex);
            // One character replaced by anything in 0..0x17F (digits, letters past f, punctuation, non-ASCII).
            int at = random.Next(64);
            candidates.Add(hex[..at] + (char)random.Next(0x180) + hex[(at + 1)..]);
        }
        candidates.Add(new string('0', 63));
        candidates.Add(new string('0', 65));
        candidates.Add("");
        foreach (var text in candidates)
        {
            var expected = new byte[32];
            bool convert = text.Length == 64 && Convert.FromHexString(text, expected, out _, out int written) == System.Buffers.OperationStatus.Done && written == 32;
            var actual = new byte[32];
            Assert.Equal(convert, Hex.TryDecode(text, actual));
            if (text.Length == 64)
            {
                Assert.Equal(convert, Hex.IsHex(text));
            }
            if (convert)
            {
                Assert.Equal(expected, actual);
            }
        }
    }
}
