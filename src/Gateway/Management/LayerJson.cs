using Gateway.Functions.Layers;

namespace Gateway.Management;

/// <summary>botocore's PublishLayerVersionRequest body (LayerName is in the path).</summary>
internal sealed class PublishLayerVersionRequest
{
    public string? Description { get; set; }
    public LayerContentInput? Content { get; set; }
    public List<string>? CompatibleRuntimes { get; set; }
    public List<string>? CompatibleArchitectures { get; set; }
    public string? LicenseInfo { get; set; }
}

/// <summary>botocore's LayerVersionContentInput. Only ZipFile is served here; S3 is refused with a clear message.</summary>
internal sealed class LayerContentInput
{
    /// <summary>The base64 zip (or, once the streaming body reader has taken it out, its placeholder).</summary>
    public string? ZipFile { get; set; }
    public string? S3Bucket { get; set; }
    public string? S3Key { get; set; }
    public string? S3ObjectVersion { get; set; }
}

/// <summary>botocore's LayerVersionContentOutput.</summary>
internal sealed class LayerContentOutput
{
    public string? Location { get; set; }
    public string? CodeSha256 { get; set; }
    public long CodeSize { get; set; }
}

/// <summary>PublishLayerVersion's, GetLayerVersion's and GetLayerVersionByArn's answer. Members in AWS's order;
/// LicenseInfo and the compatibility lists are left out when the publish named none (LS-REC test_layer_s3_content).</summary>
internal sealed class LayerVersionResponse
{
    public LayerContentOutput? Content { get; set; }
    public string? LayerArn { get; set; }
    public string? LayerVersionArn { get; set; }
    public string? Description { get; set; }
    public string? CreatedDate { get; set; }
    public long Version { get; set; }
    public List<string>? CompatibleRuntimes { get; set; }
    public string? LicenseInfo { get; set; }
    public List<string>? CompatibleArchitectures { get; set; }
}

/// <summary>botocore's LayerVersionsListItem (no Content, no LayerArn: LS-REC list_layer_versions_predelete).</summary>
internal sealed class LayerVersionsListItem
{
    public string? LayerVersionArn { get; set; }
    public long Version { get; set; }
    public string? Description { get; set; }
    public string? CreatedDate { get; set; }
    public List<string>? CompatibleRuntimes { get; set; }
    public string? LicenseInfo { get; set; }
    public List<string>? CompatibleArchitectures { get; set; }
}

internal sealed class LayersListItem
{
    public string? LayerName { get; set; }
    public string? LayerArn { get; set; }
    public LayerVersionsListItem? LatestMatchingVersion { get; set; }
}

internal sealed class ListLayersResponse
{
    public string? NextMarker { get; set; }
    public List<LayersListItem> Layers { get; set; } = [];
}

internal sealed class ListLayerVersionsResponse
{
    public string? NextMarker { get; set; }
    public List<LayerVersionsListItem> LayerVersions { get; set; } = [];
}

/// <summary>Layer records to AWS's shapes.</summary>
internal static class LayerJson
{
    public static LayerVersionResponse From(LayerVersionRecord version, string location) => new()
    {
        Content = new LayerContentOutput { Location = location, CodeSha256 = version.CodeSha256, CodeSize = version.CodeSize },
        LayerArn = version.LayerArn,
        LayerVersionArn = version.LayerVersionArn,
        Description = version.Description,
        CreatedDate = LambdaDate.Format(version.CreatedDate),
        Version = version.Version,
        CompatibleRuntimes = version.CompatibleRuntimes is { } runtimes ? [.. runtimes] : null,
        LicenseInfo = version.LicenseInfo,
        CompatibleArchitectures = version.CompatibleArchitectures is { } architectures ? [.. architectures] : null,
    };

    public static LayerVersionsListItem ListItem(LayerVersionRecord version) => new()
    {
        LayerVersionArn = version.LayerVersionArn,
        Version = version.Version,
        Description = version.Description,
        CreatedDate = LambdaDate.Format(version.CreatedDate),
        CompatibleRuntimes = version.CompatibleRuntimes is { } runtimes ? [.. runtimes] : null,
        LicenseInfo = version.LicenseInfo,
        CompatibleArchitectures = version.CompatibleArchitectures is { } architectures ? [.. architectures] : null,
    };
}
