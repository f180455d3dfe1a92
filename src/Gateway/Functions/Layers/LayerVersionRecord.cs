using System.Collections.Immutable;

namespace Gateway.Functions.Layers;

/// <summary>
/// One published layer version: what PublishLayerVersion was given and where its zip is kept. Immutable; a delete
/// marks it <see cref="Deleted"/> rather than forgetting it, so its number is never given again and functions that
/// already use it keep their content (as on AWS).
/// </summary>
internal sealed record LayerVersionRecord
{
    /// <summary>The layer's name (the last part of <see cref="LayerArn"/>).</summary>
    public required string LayerName { get; init; }

    /// <summary><c>arn:aws:lambda:{region}:{account}:layer:{name}</c>.</summary>
    public required string LayerArn { get; init; }

    /// <summary>1, 2, …: never reused, even after a delete.</summary>
    public required long Version { get; init; }

    public string LayerVersionArn => LayerArn + ":" + Version.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public string Description { get; init; } = "";

    /// <summary>Null when the publish named none (AWS then leaves the member out).</summary>
    public string? LicenseInfo { get; init; }

    /// <summary>Null when the publish named none (left out of the answer); empty when it sent an empty list (AWS
    /// answers <c>[]</c> then).</summary>
    public ImmutableArray<string>? CompatibleRuntimes { get; init; }

    /// <summary>As <see cref="CompatibleRuntimes"/>.</summary>
    public ImmutableArray<string>? CompatibleArchitectures { get; init; }

    public required DateTimeOffset CreatedDate { get; init; }

    /// <summary>base64(SHA-256) of the zip, AWS's <c>CodeSha256</c>.</summary>
    public required string CodeSha256 { get; init; }

    /// <summary>Lower-case hex of the same hash: the zip's name in the <see cref="Code.CodeStore"/>.</summary>
    public required string Sha256Hex { get; init; }

    /// <summary>The zip's size, AWS's <c>CodeSize</c>.</summary>
    public required long CodeSize { get; init; }

    /// <summary>The bytes the zip unzips to: what it adds to a function's 250 MB.</summary>
    public required long UnzippedSize { get; init; }

    public bool Deleted { get; init; }

    /// <summary>The version's permissions (AddLayerVersionPermission); null when it has none. A delete drops it.</summary>
    public LayerVersionPolicy? Policy { get; init; }
}
