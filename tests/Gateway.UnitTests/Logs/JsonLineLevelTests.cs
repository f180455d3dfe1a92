using System.Text;
using Gateway.Logs;

namespace Gateway.UnitTests.Logs;

public sealed class JsonLineLevelTests
{
    [Theory]
    [InlineData("{\"level\":\"DEBUG\",\"msg\":\"x\"}", 1)]
    [InlineData("{\"msg\":{\"nested\":{\"level\":\"ERROR\"}},\"level\": \"warn\"}", 3)] // top level only, any case
    [InlineData("  {\"timestamp\":\"2024-11-02T16:51:31Z\",\"level\":\"trace\"}", 0)]
    [InlineData("{\"level\":\"FATAL\"}", 5)]
    [InlineData("{\"level\":\"CRITICAL\"}", 5)] // Python's name
    [InlineData("{\"level\":\"verbose\"}", 2)] // invalid: INFO
    [InlineData("{\"level\":3}", 2)]
    [InlineData("{\"msg\":\"no level\"}", 2)]
    [InlineData("plain text", 2)]
    [InlineData("{not json", 2)]
    [InlineData("", 2)]
    public void The_level_of_a_line_is_its_top_level_member_or_INFO(string line, int expected)
        => Assert.Equal(expected, JsonLineLevel.Of(Encoding.UTF8.GetBytes(line)));
}
