using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Gateway.Security.Policies;

namespace Gateway.Functions.Layers;

/// <summary>The JSON document one layer version is stored as (<see cref="SqliteLayerStore"/>): a plain mirror of
/// <see cref="LayerVersionRecord"/>, versioned by <see cref="Schema"/>.</summary>
internal sealed class PersistedLayerVersion
{
    public int Schema { get; set; } = 1;
    public string LayerName { get; set; } = "";
    public string LayerArn { get; set; } = "";
    public long Version { get; set; }
    public string Description { get; set; } = "";
    public string? LicenseInfo { get; set; }
    public List<string>? CompatibleRuntimes { get; set; }
    public List<string>? CompatibleArchitectures { get; set; }
    public DateTimeOffset CreatedDate { get; set; }
    public string CodeSha256 { get; set; } = "";
    public string Sha256Hex { get; set; } = "";
    public long CodeSize { get; set; }
    public long UnzippedSize { get; set; }
    public bool Deleted { get; set; }

    /// <summary>The policy as GetLayerVersionPolicy answers it (<see cref="PolicyDocument"/>'s text), with its
    /// RevisionId; both absent when the version has none. Optional members, so schema 1 still reads older rows.</summary>
    public string? Policy { get; set; }
    public string? PolicyRevisionId { get; set; }

    public static PersistedLayerVersion From(LayerVersionRecord v) => new()
    {
        LayerName = v.LayerName,
        LayerArn = v.LayerArn,
        Version = v.Version,
        Description = v.Description,
        LicenseInfo = v.LicenseInfo,
        CompatibleRuntimes = v.CompatibleRuntimes is { } runtimes ? [.. runtimes] : null,
        CompatibleArchitectures = v.CompatibleArchitectures is { } architectures ? [.. architectures] : null,
        CreatedDate = v.CreatedDate,
        CodeSha256 = v.CodeSha256,
        Sha256Hex = v.Sha256Hex,
        CodeSize = v.CodeSize,
        UnzippedSize = v.UnzippedSize,
        Deleted = v.Deleted,
        Policy = v.Policy is { } policy ? PolicyDocument.Render(policy.Statements) : null,
        PolicyRevisionId = v.Policy?.RevisionId,
    };

    public LayerVersionRecord ToRecord() => new()
    {
        LayerName = LayerName,
        LayerArn = LayerArn,
        Version = Version,
        Description = Description,
        LicenseInfo = LicenseInfo,
        CompatibleRuntimes = CompatibleRuntimes is { } runtimes ? [.. runtimes] : (ImmutableArray<string>?)null,
        CompatibleArchitectures = CompatibleArchitectures is { } architectures ? [.. architectures] : (ImmutableArray<string>?)null,
        CreatedDate = CreatedDate,
        CodeSha256 = CodeSha256,
        Sha256Hex = Sha256Hex,
        CodeSize = CodeSize,
        UnzippedSize = UnzippedSize,
        Deleted = Deleted,
        Policy = Policy is { } policy && PolicyRevisionId is { } revision ? new LayerVersionPolicy(revision, PolicyDocument.Parse(policy)) : null,
    };
}

[JsonSourceGenerationOptions(WriteIndented = false)]
[JsonSerializable(typeof(PersistedLayerVersion))]
internal sealed partial class LayerJsonContext : JsonSerializerContext;
