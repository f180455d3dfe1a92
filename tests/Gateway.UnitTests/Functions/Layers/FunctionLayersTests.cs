using Gateway.Functions.Code;
using Gateway.Functions.Layers;
using Gateway.Management;
using Gateway.UnitTests.Functions.Code;

namespace Gateway.UnitTests.Functions.Layers;

/// <summary>A function's Layers: AWS's checks and messages (LS-REC test_layer_function_exceptions and
/// test_layer_function_quota_exception), and the 250 MB over code and layers together.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FunctionLayersTests : IDisposable
{
    private const string Prefix = "arn:aws:lambda:us-east-1:000000000000:layer:";
    private readonly TempDirectory _data = new();
    private readonly FunctionLayers _layers;

    public FunctionLayersTests()
    {
        var registry = new LayerRegistry(null);
        foreach (var name in new[] { "a", "b", "c", "d", "e", "f" })
        {
            registry.Publish(name, n => LayerRegistryTests.Version(name, n, unzipped: 100_000_000));
        }
        registry.Publish("a", n => LayerRegistryTests.Version("a", n, unzipped: 100_000_000));
        registry.Publish("gone", n => LayerRegistryTests.Version("gone", n));
        registry.Delete("gone", 1);
        _layers = new FunctionLayers(registry, new LayerOptDirectories(new CodeStore(_data.Path)), "us-east-1", "000000000000");
    }

    public void Dispose() => _data.Dispose();

    private (string? Type, string? Message) Resolve(params string[] arns)
    {
        var error = _layers.Resolve(arns, out _);
        return (error?.ErrorType, error?.Message);
    }

    [Fact]
    public void Five_layers_are_allowed_and_six_are_not()
    {
        Assert.Equal((null, null), Resolve(Prefix + "a:1", Prefix + "b:1", Prefix + "c:1", Prefix + "d:1", Prefix + "e:1"));
        Assert.Equal(("InvalidParameterValueException", "Cannot reference more than 5 layers."),
            Resolve(Prefix + "a:1", Prefix + "b:1", Prefix + "c:1", Prefix + "d:1", Prefix + "e:1", Prefix + "f:1"));
    }

    [Fact]
    public void A_missing_layer_or_version_and_a_deleted_one_do_not_exist()
    {
        Assert.Equal(("InvalidParameterValueException", $"Layer version {Prefix}doesnotexist:1 does not exist."), Resolve(Prefix + "doesnotexist:1"));
        Assert.Equal(("InvalidParameterValueException", $"Layer version {Prefix}a:9 does not exist."), Resolve(Prefix + "a:9"));
        Assert.Equal(("InvalidParameterValueException", $"Layer version {Prefix}gone:1 does not exist."), Resolve(Prefix + "gone:1"));
    }

    [Fact]
    public void Another_account_layer_is_refused_as_AWS_refuses_one_not_shared_with_the_caller()
    {
        var error = _layers.Resolve(["arn:aws:lambda:us-east-1:999999999999:layer:a:1"], out _)!;

        Assert.Equal((403, "AccessDeniedException"), (error.Status, error.ErrorType));
        Assert.Equal("User: arn:aws:iam::000000000000:root is not authorized to perform: lambda:GetLayerVersion on resource: arn:aws:lambda:us-east-1:999999999999:layer:a:1 because no resource-based policy allows the lambda:GetLayerVersion action", error.Message);
    }

    [Fact]
    public void Two_versions_of_one_layer_name_the_first_two()
    {
        Assert.Equal(("InvalidParameterValueException", $"Two different versions of the same layer are not allowed to be referenced in the same function. {Prefix}a:1 and {Prefix}a:2 are versions of the same layer."),
            Resolve(Prefix + "a:1", Prefix + "b:1", Prefix + "a:2"));
        Assert.Equal(("InvalidParameterValueException", $"Two different versions of the same layer are not allowed to be referenced in the same function. {Prefix}a:1 and {Prefix}a:1 are versions of the same layer."),
            Resolve(Prefix + "a:1", Prefix + "a:1"));
    }

    [Fact]
    public void A_layer_arn_without_a_version_is_a_validation_error_quoting_the_pattern()
    {
        Assert.Equal(("ValidationException", $"1 validation error detected: Value '[{Prefix}a]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 2048, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{{2}}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{{1}}:\\d{{12}}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+), Member must not be null]"),
            Resolve(Prefix + "a"));
        Assert.Equal("ValidationException", Resolve("not-an-arn").Type);
        Assert.Equal("ValidationException", Resolve(Prefix + "a:1", "arn:aws:lambda:us-east-1:000000000000:function:f").Type);
    }

    [Fact]
    public void A_layer_in_another_region_is_refused_with_the_functions_region()
    {
        Assert.Equal(("InvalidParameterValueException", "Layers are not in the same region as the function. Layers are expected to be in region us-east-1."),
            Resolve("arn:aws:lambda:eu-west-1:000000000000:layer:a:1"));
    }

    [Fact]
    public void The_250_MB_counts_the_code_and_the_layers_together()
    {
        Assert.Null(_layers.Resolve([Prefix + "a:1", Prefix + "b:1"], out var two));
        var error = _layers.Bind(two, 62_144_001, out _); // 200,000,000 + 62,144,001 = 262,144,001
        Assert.Equal("InvalidParameterValueException", error?.ErrorType);
        Assert.Equal("Function code combined with layers exceeds the maximum allowed size of 262144000 bytes. The actual size is 262144001 bytes.", error?.Message);

        Assert.Null(_layers.Resolve([Prefix + "a:1", Prefix + "b:1", Prefix + "c:1"], out var three));
        Assert.Equal("Layers consume more than the available size of 262144000 bytes", _layers.Bind(three, 0, out _)?.Message);
    }

    [Fact]
    public void No_layers_bind_to_no_folder()
    {
        Assert.Null(_layers.Bind([], 1, out var bound));
        Assert.Null(bound.Directory);
        Assert.Empty(bound.Layers);
    }
}
