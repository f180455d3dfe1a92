using Gateway.Invoke;

namespace Gateway.UnitTests;

/// <summary>The Invoke API's path as recognized ahead of routing: only the exact spelling routing would send to the
/// invoke endpoint with the same name; every other spelling is left to routing.</summary>
public sealed class InvokePathTests
{
    [Theory]
    [InlineData("/2015-03-31/functions/echo/invocations", "echo")]
    [InlineData("/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:echo:live/invocations", "arn:aws:lambda:us-east-1:123456789012:function:echo:live")]
    [InlineData("/2015-03-31/functions/echo:$LATEST/invocations", "echo:$LATEST")]
    [InlineData("/2015-03-31/functions/a%2Fb/invocations", "a%2Fb")] // Kestrel leaves %2F encoded, and so does the route value
    public void The_Invoke_APIs_path_gives_the_name_segment(string path, string name)
    {
        Assert.True(InvokePath.TryGetFunctionName(path, out var found));
        Assert.Equal(name, found);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("/2015-03-31/functions//invocations")] // no name: routing's 404 (UnknownOperation)
    [InlineData("/2015-03-31/functions/invocations")]
    [InlineData("/2015-03-31/functions/a/b/invocations")]
    [InlineData("/2015-03-31/functions/echo/invocations/")] // routing ignores the trailing slash: left to it
    [InlineData("/2015-03-31/FUNCTIONS/echo/INVOCATIONS")] // routing's literals are case-insensitive: left to it
    [InlineData("/2021-11-15/functions/echo/response-streaming-invocations")]
    [InlineData("/2015-03-31/functions/echo/configuration")]
    [InlineData("/2015-03-31/functions/echo")]
    public void Every_other_path_is_left_to_routing(string? path)
    {
        Assert.False(InvokePath.TryGetFunctionName(path, out _));
    }

    [Fact]
    public void A_repeated_name_is_the_same_string_and_a_different_one_replaces_it()
    {
        Assert.True(InvokePath.TryGetFunctionName("/2015-03-31/functions/repeat-one/invocations", out var first));
        Assert.True(InvokePath.TryGetFunctionName("/2015-03-31/functions/repeat-one/invocations", out var again));
        Assert.Same(first, again); // no new string per invocation of the same function
        Assert.True(InvokePath.TryGetFunctionName("/2015-03-31/functions/repeat-on/invocations", out var shorter));
        Assert.Equal("repeat-on", shorter); // a prefix of the cached name is not taken for it
        Assert.True(InvokePath.TryGetFunctionName("/2015-03-31/functions/repeat-one:live/invocations", out var longer));
        Assert.Equal("repeat-one:live", longer);
    }
}
