using System.Text;
using Gateway.Security.Signing;

namespace Gateway.UnitTests.Security.Signing;

/// <summary>
/// <see cref="ByteBuilder.Append(ReadOnlySpan{char})"/> narrows ASCII directly and hands the rest, from the first other
/// character on, to the UTF-8 encoder: its bytes must be exactly the encoder's for the whole text, whatever the mix
/// (ASCII only, non-ASCII first, last or in the middle, surrogate pairs, a lone surrogate), through the growth path too.
/// </summary>
public sealed class ByteBuilderTests
{
    [Theory]
    [InlineData("")]
    [InlineData("host")]
    [InlineData("20261206T075300Z")]
    [InlineData("caf\u00e9")]
    [InlineData("\u00e9t\u00e9 au caf\u00e9")]
    [InlineData("a\U0001F600b")]
    [InlineData("lone \ud800 high")]
    [InlineData("lone low \udc00")]
    [InlineData("ends high \ud800")]
    public void Text_is_written_as_the_UTF8_encoder_writes_it(string text)
        => Assert.Equal(Encoding.UTF8.GetBytes(text), Written(text));

    [Fact]
    public void Random_text_matches_the_encoder()
    {
        var random = new Random(20261206);
        const string alphabet = "aZ09 -:;\t\u00e9\u4e2d\ud83d\ude00\ud800";
        for (int n = 0; n < 5_000; n++)
        {
            var text = new StringBuilder();
            int length = random.Next(0, 40);
            for (int i = 0; i < length; i++)
            {
                text.Append(random.Next(3) == 0 ? alphabet[random.Next(alphabet.Length)] : alphabet[random.Next(8)]);
            }
            Assert.Equal(Encoding.UTF8.GetBytes(text.ToString()), Written(text.ToString()));
        }
    }

    private static byte[] Written(string text)
    {
        var builder = new ByteBuilder(4); // small, so the growth path is taken too
        try
        {
            builder.Append("x"u8);
            builder.Append(text);
            return builder.Written[1..].ToArray();
        }
        finally
        {
            builder.Dispose();
        }
    }
}
