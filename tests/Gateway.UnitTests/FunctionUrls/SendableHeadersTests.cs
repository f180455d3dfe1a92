using Gateway.FunctionUrls.Http;

namespace Gateway.UnitTests.FunctionUrls;

public class SendableHeadersTests
{
    [Fact]
    public void Every_visible_ASCII_character_space_and_tab_may_be_in_a_value_and_nothing_else()
    {
        for (int c = 0; c < 0x110; c++)
        {
            bool expected = c == '\t' || c is >= 0x20 and <= 0x7E;
            Assert.True(expected == SendableHeaders.IsValue(((char)c).ToString()), $"U+{c:X4}");
        }
        Assert.True(SendableHeaders.IsValue(""));
    }

    [Theory]
    [InlineData("Content-Type", true)]
    [InlineData("x-amz_custom.1!#$%&'*+^`|~", true)]
    [InlineData("", false)]
    [InlineData("bad name", false)]
    [InlineData("colon:", false)]
    [InlineData("quote\"", false)]
    [InlineData("caf\u00e9", false)]
    [InlineData("tab\t", false)]
    public void A_name_is_an_HTTP_token(string name, bool valid) => Assert.Equal(valid, SendableHeaders.IsName(name));
}
