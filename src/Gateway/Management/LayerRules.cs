using System.Globalization;
using Gateway.Functions.Layers;
using Gateway.Invoke;

namespace Gateway.Management;

/// <summary>
/// AWS's checks on the Layers API's input, with AWS's exceptions and messages (LocalStack's recordings of real AWS,
/// test_lambda_api.snapshot.json TestLambdaLayer, "LS-REC", unless a comment says otherwise).
/// </summary>
internal static class LayerRules
{
    /// <summary>The runtimes a layer may name: botocore's whole Runtime enum (deprecated ones included: AWS accepts
    /// nodejs12.x and python3.7 in CompatibleRuntimes, LS-REC test_layer_compatibilities).</summary>
    private static readonly HashSet<string> BotocoreRuntimes =
    [
        "nodejs", "nodejs4.3", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x", "nodejs16.x", "nodejs18.x",
        "nodejs20.x", "nodejs22.x", "nodejs24.x", "java8", "java8.al2", "java11", "java17", "java21", "java25", "python2.7",
        "python3.6", "python3.7", "python3.8", "python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "python3.14",
        "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet6", "dotnet8", "dotnet10", "nodejs4.3-edge",
        "go1.x", "ruby2.5", "ruby2.7", "ruby3.2", "ruby3.3", "ruby3.4", "ruby4.0", "provided", "provided.al2", "provided.al2023",
        "nodejs26.x", "python3.15", "java8.al2023", "java11.al2023", "java17.al2023",
    ];

    /// <summary>The enum AWS quotes when ListLayers/ListLayerVersions get an unknown CompatibleRuntime (LS-REC
    /// list_layers_exc_compatibleruntime_invalid, 2026-01-12: a list of its own, unlike the publish one).</summary>
    public const string ListRuntimeEnum = "[ruby3.5, ruby2.6, dotnetcore1.0, python3.7, nodejs8.10, nasa, ruby2.7, python2.7-greengrass, dotnetcore2.0, python3.8, java21, dotnet6, dotnetcore2.1, python3.9, java11, nodejs6.10, provided, dotnetcore3.1, dotnet8, java25, java17, nodejs, nodejs4.3, java8.al2, go1.x, dotnet10, nodejs20.x, go1.9, byol, nodejs10.x, provided.al2023, nodejs22.x, python3.10, java8, nodejs12.x, python3.11, nodejs24.x, nodejs8.x, python3.12, nodejs14.x, nodejs8.9, nodejs26.x, python3.13, python3.14, nodejs16.x, python3.15, provided.al2, nodejs4.3-edge, nodejs18.x, ruby3.2, python3.4, ruby3.3, ruby3.4, ruby2.5, python3.6, python2.7]";

    private static readonly HashSet<string> ListRuntimes = [.. ListRuntimeEnum.Trim('[', ']').Split(", ")];

    private static readonly HashSet<string> Architectures = ["x86_64", "arm64"];

    public const string VersionBelowOne = "Layer Version Cannot be less than 1";

    public const string NotFound = "The resource you requested does not exist.";

    /// <summary>The LayerName path value (a name or a layer ARN): the model's pattern and length, then the ARN's region
    /// and account (another's layers are not here: AWS's not-found).</summary>
    public static LambdaError? ValidateLayerName(string raw, string region, string accountId, out string name)
    {
        name = raw;
        var errors = new ValidationErrors();
        if (raw.Length > LayerArns.MaxLayerNameLength)
        {
            errors.Add($"Value '{raw}' at 'layerName' failed to satisfy constraint: Member must have length less than or equal to {LayerArns.MaxLayerNameLength}");
        }
        if (!LayerArns.MatchesLayerNamePattern(raw))
        {
            errors.Add($"Value '{raw}' at 'layerName' failed to satisfy constraint: Member must satisfy regular expression pattern: {LayerArns.LayerNamePattern}");
        }
        if (errors.ToError() is { } invalid)
        {
            return invalid;
        }
        var (plain, arnRegion, arnAccount) = LayerArns.SplitLayerName(raw);
        name = plain;
        return (arnRegion is not null && arnRegion != region) || (arnAccount is not null && arnAccount != accountId)
            ? LambdaError.ResourceNotFound(NotFound)
            : null;
    }

    /// <summary>The VersionNumber path value: a number, at least 1 (LS-REC: 0 and -1 both answer "Layer Version Cannot
    /// be less than 1"). A value that is no number is the rest-json deserializer's refusal (text ours: UNCONFIRMED).</summary>
    public static LambdaError? ValidateVersionNumber(string raw, out long version)
    {
        if (!long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out version))
        {
            return LambdaError.Validation($"1 validation error detected: Value '{raw}' at 'versionNumber' failed to satisfy constraint: Member must be a number");
        }
        return version < 1 ? LambdaError.InvalidParameterValue(VersionBelowOne) : null;
    }

    /// <summary>PublishLayerVersion's members: the model's constraints as one ValidationException (runtimes, then
    /// architectures, as AWS orders them), then the content source.</summary>
    public static LambdaError? ValidatePublish(PublishLayerVersionRequest request, bool hasZip)
    {
        var errors = new ValidationErrors();
        if (request.CompatibleRuntimes is { } runtimes)
        {
            var list = "[" + string.Join(", ", runtimes) + "]";
            if (runtimes.Exists(r => r is null || !BotocoreRuntimes.Contains(r)))
            {
                errors.Add($"Value '{list}' at 'compatibleRuntimes' failed to satisfy constraint: Member must satisfy enum value set: {FunctionRules.AwsRuntimeEnum}");
            }
            else if (runtimes.Count > 15)
            {
                errors.Add($"Value '{list}' at 'compatibleRuntimes' failed to satisfy constraint: Member must have length less than or equal to 15");
            }
        }
        if (request.CompatibleArchitectures is { } architectures)
        {
            var list = "[" + string.Join(", ", architectures) + "]";
            if (architectures.Exists(a => a is null || !Architectures.Contains(a)))
            {
                errors.Add($"Value '{list}' at 'compatibleArchitectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]");
            }
            else if (architectures.Count > 2)
            {
                errors.Add($"Value '{list}' at 'compatibleArchitectures' failed to satisfy constraint: Member must have length less than or equal to 2");
            }
        }
        if (request.Description is { Length: > FunctionRules.MaxDescriptionLength } description)
        {
            errors.Add($"Value '{description}' at 'description' failed to satisfy constraint: Member must have length less than or equal to {FunctionRules.MaxDescriptionLength}");
        }
        if (request.LicenseInfo is { Length: > 512 } license)
        {
            errors.Add($"Value '{license}' at 'licenseInfo' failed to satisfy constraint: Member must have length less than or equal to 512");
        }
        if (request.Content is null)
        {
            errors.Add("Value null at 'content' failed to satisfy constraint: Member must not be null");
        }
        if (errors.ToError() is { } invalid)
        {
            return invalid;
        }
        var content = request.Content!;
        if (content.S3Bucket is not null || content.S3Key is not null)
        {
            return LambdaError.InvalidParameterValue("This gateway accepts Content.ZipFile only: S3Bucket/S3Key layer content is not supported. Send the zip inline (--zip-file fileb://layer.zip).");
        }
        // AWS's wording for a publish without content is not recorded; this names the one accepted source.
        return hasZip ? null : LambdaError.InvalidParameterValue("Please provide a source for the layer content: this gateway accepts Content.ZipFile (--zip-file fileb://layer.zip).");
    }

    /// <summary>ListLayers/ListLayerVersions filters (LS-REC list_layers_exc_*; architecture first, as recorded
    /// messages join them).</summary>
    public static LambdaError? ValidateListFilters(string? runtime, string? architecture)
    {
        var errors = new ValidationErrors();
        if (architecture is not null && !Architectures.Contains(architecture))
        {
            errors.Add($"Value '{architecture}' at 'compatibleArchitecture' failed to satisfy constraint: Member must satisfy enum value set: [x86_64, arm64]");
        }
        if (runtime is not null && !ListRuntimes.Contains(runtime))
        {
            errors.Add($"Value '{runtime}' at 'compatibleRuntime' failed to satisfy constraint: Member must satisfy enum value set: {ListRuntimeEnum}");
        }
        return errors.ToError();
    }

    /// <summary>Whether a version matches ListLayers/ListLayerVersions' filters (a filter matches only versions that
    /// name that runtime or architecture).</summary>
    public static bool Matches(LayerVersionRecord version, string? runtime, string? architecture) =>
        (runtime is null || (version.CompatibleRuntimes is { } runtimes && runtimes.Contains(runtime)))
        && (architecture is null || (version.CompatibleArchitectures is { } architectures && architectures.Contains(architecture)));
}
