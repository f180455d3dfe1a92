using Gateway.Logs.Api;

namespace Gateway.UnitTests.Logs;

public sealed class LogTokensTests
{
    [Fact]
    public void Stream_tokens_have_AWSs_shape_and_round_trip()
    {
        var forward = LogTokens.Forward(1234);
        Assert.Matches("^f/[0-9]{56}/s$", forward);
        Assert.True(LogTokens.TryParseStreamToken(forward, out bool isForward, out long offset));
        Assert.True(isForward);
        Assert.Equal(1234, offset);

        var backward = LogTokens.Backward(0);
        Assert.Matches("^b/[0-9]{56}/s$", backward);
        Assert.True(LogTokens.TryParseStreamToken(backward, out isForward, out offset));
        Assert.False(isForward);
        Assert.Equal(0, offset);
    }

    [Theory]
    [InlineData("")]
    [InlineData("f/12/s")]
    [InlineData("x/00000000000000000000000000000000000000000000000000001234/s")]
    [InlineData("f/0000000000000000000000000000000000000000000000000000123a/s")]
    [InlineData("f/00000000000000000000000000000000000000000000000000001234/x")]
    [InlineData("f/99999999999999999999999999999999999999999999999999999999/s")] // beyond a file offset
    public void Other_stream_tokens_are_refused(string token) => Assert.False(LogTokens.TryParseStreamToken(token, out _, out _));

    [Fact]
    public void Event_ids_are_56_digits_ordered_by_time_then_stream_then_position()
    {
        var a = LogTokens.EventId(1_700_000_000_000, 42, 900);
        var b = LogTokens.EventId(1_700_000_000_000, 42, 1000);
        var c = LogTokens.EventId(1_700_000_000_000, 43, 0);
        var d = LogTokens.EventId(1_700_000_000_001, 0, 0);
        Assert.All(new[] { a, b, c, d }, id => Assert.True(LogTokens.IsEventId(id), id));
        Assert.Equal([a, b, c, d], new[] { d, c, b, a }.Order(StringComparer.Ordinal));
        Assert.False(LogTokens.IsEventId("123"));
    }
}
