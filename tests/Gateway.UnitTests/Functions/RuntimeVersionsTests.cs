using Gateway.Functions;

namespace Gateway.UnitTests.Functions;

/// <summary>The runtime version names of INIT_START lines, in AWS's shape (<c>nodejs:20.v13</c>, <c>provided:al2.v37</c>,
/// <c>python:3.13.v14</c>), and their ARN, the same one RuntimeVersionConfig shows.</summary>
public sealed class RuntimeVersionsTests
{
    [Theory]
    [InlineData("nodejs20.x", "nodejs:20.v1")]
    [InlineData("nodejs22.x", "nodejs:22.v1")]
    [InlineData("python3.12", "python:3.12.v1")]
    [InlineData("python3.9", "python:3.9.v1")]
    [InlineData("provided.al2023", "provided:al2023.v1")]
    [InlineData("provided.al2", "provided:al2.v1")]
    [InlineData("java21", "java:21.v1")]
    [InlineData("dotnet8", "dotnet:8.v1")]
    [InlineData("ruby3.3", "ruby:3.3.v1")]
    [InlineData("provided", "provided.v1")]
    public void Names_read_as_AWSs(string runtime, string name) => Assert.Equal(name, RuntimeVersions.Name(runtime));

    [Fact]
    public void The_ARN_is_the_regions_and_stable_per_runtime()
    {
        var arn = RuntimeVersions.Arn("eu-south-1", "python3.13");
        Assert.Matches("^arn:aws:lambda:eu-south-1::runtime:[0-9a-f]{64}$", arn);
        Assert.Equal(arn, RuntimeVersions.Arn(RuntimeVersions.RegionOf("arn:aws:lambda:eu-south-1:123456789012:function:f"), "python3.13"));
        Assert.NotEqual(arn, RuntimeVersions.Arn("eu-south-1", "python3.12"));
    }
}
