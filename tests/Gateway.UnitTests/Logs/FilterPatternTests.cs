using Gateway.Logs.Api;

namespace Gateway.UnitTests.Logs;

public sealed class FilterPatternTests
{
    private static bool Matches(string pattern, string message)
    {
        Assert.True(FilterPattern.TryParse(pattern, out var parsed, out var error), error);
        return parsed.Matches(message);
    }

    [Theory]
    [InlineData("", "anything", true)]
    [InlineData("   ", "anything", true)]
    [InlineData("ERROR", "an ERROR here", true)]
    [InlineData("ERROR", "an error here", false)] // case-sensitive
    [InlineData("ERROR Exception", "ERROR: Exception thrown", true)] // every term
    [InlineData("ERROR Exception", "ERROR only", false)]
    [InlineData("\"Task timed out\"", "abc Task timed out after 1.00 seconds", true)] // a phrase, spaces included
    [InlineData("\"Task timed out\"", "Task  timed out", false)]
    [InlineData("?ERROR ?WARN", "WARN low disk", true)] // any ?-term
    [InlineData("?ERROR ?WARN", "INFO fine", false)]
    [InlineData("ERROR -ARGUMENTS", "ERROR bad ARGUMENTS", false)] // exclusion
    [InlineData("ERROR -ARGUMENTS", "ERROR other", true)]
    [InlineData("-DEBUG", "INFO line", true)] // only an exclusion: everything else
    [InlineData("REPORT ?Init -\"Status: timeout\"", "REPORT RequestId: x\tInit Duration: 1 ms", true)]
    [InlineData("REPORT ?Init -\"Status: timeout\"", "REPORT RequestId: x\tInit Duration: 1 ms\tStatus: timeout", false)]
    [InlineData("\"say \\\"hi\\\"\"", "they say \"hi\"", true)] // \" inside a phrase
    [InlineData("snake_case9", "a snake_case9 term", true)]
    public void Terms_phrases_alternatives_and_exclusions(string pattern, string message, bool expected)
        => Assert.Equal(expected, Matches(pattern, message));

    [Theory]
    [InlineData("a-b", "Invalid character(s) in term 'a-b'")]
    [InlineData("ERROR:", "Invalid character(s) in term 'ERROR:'")]
    [InlineData("\"open", "unterminated")]
    [InlineData("{ $.level = \"ERROR\" }", FilterPattern.NotImplemented)]
    [InlineData("[ip, user, status]", FilterPattern.NotImplemented)]
    [InlineData("%ERR[0-9]%", FilterPattern.NotImplemented)]
    public void Other_syntaxes_and_bad_terms_are_refused(string pattern, string reason)
    {
        Assert.False(FilterPattern.TryParse(pattern, out _, out var error));
        Assert.Contains(reason, error);
    }
}
