using Gateway.Management;

namespace Gateway.UnitTests.Management;

/// <summary>SnapStart's checks and answer shape: AWS's enum message (LocalStack's recording of AWS,
/// test_snapstart_exceptions), the runtimes the docs name (Java 11+, Python 3.12+, .NET 8+), and OptimizationStatus
/// per $LATEST and published version.</summary>
public class SnapStartRulesTests
{
    [Theory]
    [InlineData("java11", true)]
    [InlineData("java25", true)]
    [InlineData("python3.12", true)]
    [InlineData("python3.14", true)]
    [InlineData("dotnet8", true)]
    [InlineData("dotnet10", true)]
    [InlineData("java8.al2", false)]
    [InlineData("python3.11", false)]
    [InlineData("python3.9", false)]
    [InlineData("dotnet6", false)]
    [InlineData("nodejs20.x", false)]
    [InlineData("provided.al2023", false)]
    [InlineData("ruby3.4", false)]
    public void Runtimes_are_the_docs_list(string runtime, bool supported)
    {
        Assert.Equal(supported, SnapStartRules.Supports(runtime));
        Assert.Equal(supported, SnapStartRules.RuntimeError(SnapStartRules.PublishedVersions, runtime) is null);
        Assert.Null(SnapStartRules.RuntimeError(SnapStartRules.None, runtime));
    }

    [Fact]
    public void An_ApplyOn_outside_the_enum_is_AWSs_validation_message()
    {
        var errors = new ValidationErrors();
        SnapStartRules.Check(new SnapStartRequest { ApplyOn = "invalidOption" }, errors);
        SnapStartRules.Check(new SnapStartRequest { ApplyOn = "PublishedVersions" }, errors);
        SnapStartRules.Check(new SnapStartRequest(), errors);
        var error = errors.ToError();
        Assert.Equal("ValidationException", error!.ErrorType);
        Assert.Equal("1 validation error detected: Value 'invalidOption' at 'snapStart.applyOn' failed to satisfy constraint: Member must satisfy enum value set: [PublishedVersions, None]", error.Message);
    }

    [Fact]
    public void Only_a_published_version_of_a_PublishedVersions_function_is_On()
    {
        var latest = ManagementFixtures.Latest("fn") with { SnapStartApplyOn = SnapStartRules.PublishedVersions };
        var published = latest with { Definition = DefinitionDraft.Change(latest.Definition, d => d.Version = "1") };
        Assert.Equal(("PublishedVersions", "Off"), Shape(latest));
        Assert.Equal(("PublishedVersions", "On"), Shape(published));
        Assert.Equal(("None", "Off"), Shape(published with { SnapStartApplyOn = SnapStartRules.None }));
    }

    [Theory]
    [InlineData("arn:aws:kms:us-east-1:000000000000:key/abc", true)]
    [InlineData("", true)]
    [InlineData("not-an-arn", false)]
    public void KMSKeyArn_follows_the_models_pattern(string arn, bool valid)
    {
        var errors = new ValidationErrors();
        FunctionRules.CheckKmsKeyArn(arn, errors);
        Assert.Equal(valid, errors.ToError() is null);
    }

    private static (string, string) Shape(Gateway.Functions.Registry.VersionRecord version)
    {
        var response = SnapStartRules.Response(version);
        return (response.ApplyOn, response.OptimizationStatus);
    }
}
