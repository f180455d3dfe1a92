using Gateway.Management;

namespace Gateway.UnitTests.Functions.Layers;

/// <summary>The Layers API's input checks, with the messages AWS recorded (LS-REC test_layer_exceptions).</summary>
public sealed class LayerRulesTests
{
    private static PublishLayerVersionRequest Publish(List<string>? runtimes = null, List<string>? architectures = null) => new()
    {
        Content = new LayerContentInput { ZipFile = "c3Bvb2xlZA==" },
        CompatibleRuntimes = runtimes,
        CompatibleArchitectures = architectures,
    };

    [Fact]
    public void Unknown_runtimes_and_architectures_are_one_validation_error_each()
    {
        var error = LayerRules.ValidatePublish(Publish(["invalidruntime", "invalidruntime2", "nodejs20.x"], ["invalidarch", "x86_64"]), hasZip: true);
        Assert.Equal("ValidationException", error?.ErrorType);
        Assert.Equal("2 validation errors detected: Value '[invalidruntime, invalidruntime2, nodejs20.x]' at 'compatibleRuntimes' failed to satisfy constraint: Member must satisfy enum value set: [nodejs20.x, python3.14, provided.al2023, python3.12, python3.13, nodejs24.x, nodejs22.x, java25, python3.10, python3.11, java21, ruby3.3, ruby3.4, ruby3.2, python3.8, python3.9, java17, nodejs16.x, dotnet10, dotnet8, java11, dotnet6, nodejs18.x, provided.al2, java8.al2]; Value '[invalidarch, x86_64]' at 'compatibleArchitectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]", error?.Message);
    }

    [Fact]
    public void Empty_lists_and_deprecated_runtimes_are_valid()
    {
        Assert.Null(LayerRules.ValidatePublish(Publish([], []), hasZip: true));
        Assert.Null(LayerRules.ValidatePublish(Publish(["nodejs12.x", "python3.7", "provided.al2023"], ["arm64", "x86_64"]), hasZip: true));
    }

    [Fact]
    public void S3_content_is_refused_clearly()
    {
        var request = new PublishLayerVersionRequest { Content = new LayerContentInput { S3Bucket = "b", S3Key = "k" } };
        var error = LayerRules.ValidatePublish(request, hasZip: false);
        Assert.Equal("InvalidParameterValueException", error?.ErrorType);
        Assert.Contains("Content.ZipFile only", error?.Message);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    public void A_version_below_one_is_refused(string raw)
    {
        var error = LayerRules.ValidateVersionNumber(raw, out _);
        Assert.Equal(("InvalidParameterValueException", "Layer Version Cannot be less than 1"), (error?.ErrorType, error?.Message));
    }

    [Fact]
    public void A_layer_name_is_a_name_or_a_layer_arn()
    {
        Assert.Null(LayerRules.ValidateLayerName("my-layer_1", "us-east-1", "000000000000", out var name));
        Assert.Equal("my-layer_1", name);
        Assert.Null(LayerRules.ValidateLayerName("arn:aws:lambda:us-east-1:000000000000:layer:lib", "us-east-1", "000000000000", out name));
        Assert.Equal("lib", name);
        Assert.Equal("ResourceNotFoundException", LayerRules.ValidateLayerName("arn:aws:lambda:us-east-1:111111111111:layer:lib", "us-east-1", "000000000000", out _)?.ErrorType);
        var invalid = LayerRules.ValidateLayerName("bad.name", "us-east-1", "000000000000", out _);
        Assert.Equal("ValidationException", invalid?.ErrorType);
        Assert.StartsWith("1 validation error detected: Value 'bad.name' at 'layerName' failed to satisfy constraint: Member must satisfy regular expression pattern: ", invalid?.Message);
    }

    [Fact]
    public void A_long_name_off_the_pattern_fails_both_constraints()
    {
        var error = LayerRules.ValidateLayerName(new string('.', 141), "us-east-1", "000000000000", out _);
        Assert.StartsWith("2 validation errors detected: ", error?.Message);
        Assert.Null(LayerRules.ValidateLayerName(new string('a', 140), "us-east-1", "000000000000", out _));
    }

    [Fact]
    public void List_filters_quote_the_enums_aws_quotes()
    {
        Assert.Equal("1 validation error detected: Value 'archdoesnotexist' at 'compatibleArchitecture' failed to satisfy constraint: Member must satisfy enum value set: [x86_64, arm64]",
            LayerRules.ValidateListFilters(null, "archdoesnotexist")?.Message);
        Assert.StartsWith("1 validation error detected: Value 'runtimedoesnotexist' at 'compatibleRuntime' failed to satisfy constraint: Member must satisfy enum value set: [ruby3.5, ruby2.6,",
            LayerRules.ValidateListFilters("runtimedoesnotexist", null)?.Message);
        Assert.Null(LayerRules.ValidateListFilters("python3.12", "arm64"));
    }
}
