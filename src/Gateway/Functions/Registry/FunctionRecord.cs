using System.Collections.Immutable;

namespace Gateway.Functions.Registry;

/// <summary>Where a function came from: the functions file/folder (seeded at start) or the management API. A change
/// made through the API makes it <see cref="Api"/>, and from then on the file no longer overrides it.</summary>
internal enum FunctionOrigin
{
    File,
    Api,
}

/// <summary>
/// One function as the control plane knows it: its <c>$LATEST</c>, its published versions, its aliases and its
/// function-wide settings. Immutable: every change makes a new record (and a new <see cref="RegistrySnapshot"/>).
/// </summary>
internal sealed record FunctionRecord
{
    public required string Name { get; init; }

    /// <summary><c>arn:aws:lambda:{region}:{account}:function:{name}</c>.</summary>
    public required string Arn { get; init; }

    public required VersionRecord Latest { get; init; }

    /// <summary>Published versions by number ("1", "2", …). Immutable once published.</summary>
    public ImmutableDictionary<string, VersionRecord> Versions { get; init; } = ImmutableDictionary.Create<string, VersionRecord>(StringComparer.Ordinal);

    /// <summary>The highest version number ever published: AWS never reuses a number, even after a delete.</summary>
    public int LastPublishedVersion { get; init; }

    public ImmutableDictionary<string, AliasRecord> Aliases { get; init; } = ImmutableDictionary.Create<string, AliasRecord>(StringComparer.Ordinal);

    /// <summary>PutFunctionConcurrency: a guarantee and a cap for the whole function (all versions); null: the
    /// account's unreserved pool.</summary>
    public int? ReservedConcurrentExecutions { get; init; }

    /// <summary>Provisioned concurrency requested per qualifier (a version number or an alias name; never $LATEST).</summary>
    public ImmutableDictionary<string, ProvisionedConcurrencyRecord> ProvisionedConcurrency { get; init; } = ImmutableDictionary.Create<string, ProvisionedConcurrencyRecord>(StringComparer.Ordinal);

    public ImmutableDictionary<string, string> Tags { get; init; } = ImmutableDictionary.Create<string, string>(StringComparer.Ordinal);

    /// <summary>PutFunctionRecursionConfig's <c>Allow</c> or <c>Terminate</c> (AWS's default). Stored and answered only:
    /// the gateway detects no recursive loops, so neither value changes how the function runs.</summary>
    public string RecursiveLoop { get; init; } = DefaultRecursiveLoop;

    /// <summary>AWS's RecursiveLoop for a function that never set one.</summary>
    public const string DefaultRecursiveLoop = "Terminate";

    public FunctionOrigin Origin { get; init; }

    /// <summary>The version a qualifier names: <c>$LATEST</c> (or null) or a published number; null when there is none.</summary>
    public VersionRecord? FindVersion(string? version) =>
        FunctionVersions.IsLatest(version) ? Latest : Versions.TryGetValue(version!, out var found) ? found : null;

    /// <summary>Whether <paramref name="qualifier"/> names something of this function: <c>$LATEST</c>, a published version
    /// or an alias (what a sub-resource kept per qualifier, a policy or an async config, belongs to).</summary>
    public bool HasQualifier(string qualifier) =>
        qualifier == FunctionVersions.Latest || Versions.ContainsKey(qualifier) || Aliases.ContainsKey(qualifier);

    /// <summary>Published versions in numeric order.</summary>
    public IEnumerable<VersionRecord> PublishedInOrder() => Versions.Values.OrderBy(v => int.Parse(v.Version, System.Globalization.CultureInfo.InvariantCulture));
}

/// <summary>
/// One version of a function (<c>$LATEST</c> or a published number): the runnable <see cref="Definition"/> and the
/// management metadata GetFunctionConfiguration answers with.
/// </summary>
internal sealed record VersionRecord
{
    /// <summary>What environments of this version run. Its <see cref="FunctionDefinition.Version"/> is <see cref="Version"/>.</summary>
    public required FunctionDefinition Definition
    {
        get => _definition;
        init
        {
            // The ARNs are derived here, in the setter, so a `with { Definition = … }` copy derives them again.
            _definition = value;
            _arn = value.Version == FunctionVersions.Latest ? value.Arn : value.Arn + ":" + value.Version;
            _qualifiedArn = value.Arn + ":" + value.Version;
        }
    }

    private readonly FunctionDefinition _definition = null!;
    private readonly string _arn = "";
    private readonly string _qualifiedArn = "";

    public string Version => Definition.Version;

    /// <summary>The version's ARN: qualified for a published version, unqualified for $LATEST as AWS answers it in
    /// GetFunctionConfiguration. Built once (the invoke path reads it for every qualified call).</summary>
    public string Arn => _arn;

    /// <summary><c>{function ARN}:{version}</c>, also for $LATEST: the invoked ARN of a qualified call. Built once.</summary>
    public string QualifiedArn => _qualifiedArn;

    /// <summary>e.g. <c>provided.al2023</c>; empty for functions from the functions file that name none.</summary>
    public string Runtime { get; init; } = "";

    public string Role { get; init; } = "";

    /// <summary>base64(SHA-256) of the deployment package (zip); for a code folder from the functions file, a hash of
    /// its files.</summary>
    public string CodeSha256 { get; init; } = "";

    /// <summary>The zip's size in bytes (for a code folder, the folder's total size).</summary>
    public long CodeSize { get; init; }

    /// <summary>A new GUID on every change of this record (AWS's optimistic-concurrency token).</summary>
    public required string RevisionId { get; init; }

    public required DateTimeOffset LastModified { get; init; }

    public string PackageType { get; init; } = "Zip";

    public ImmutableArray<string> Architectures { get; init; } = ["x86_64"];

    public int EphemeralStorageMb { get; init; } = 512;

    /// <summary>Layer versions in order, with their sizes: the definition's (which also holds their merged folder).</summary>
    public ImmutableArray<Gateway.Functions.Layers.FunctionLayer> Layers => Definition.Layers;

    public string TracingMode { get; init; } = "PassThrough";

    /// <summary>SnapStart.ApplyOn: <c>None</c> or <c>PublishedVersions</c>. Stored and answered only: the gateway takes no
    /// snapshots, so a version runs the same either way.</summary>
    public string SnapStartApplyOn { get; init; } = "None";

    /// <summary>KMSKeyArn: stored and answered only (nothing is encrypted with it); null when none was given.</summary>
    public string? KmsKeyArn { get; init; }

    /// <summary>PutRuntimeManagementConfig's mode for this version: <c>Auto</c> (AWS's default), <c>FunctionUpdate</c> or
    /// <c>Manual</c>. Stored and answered only: the gateway has one build per runtime, so there is no version to pin.</summary>
    public string UpdateRuntimeOn { get; init; } = DefaultUpdateRuntimeOn;

    /// <summary>AWS's UpdateRuntimeOn for a version that never set one.</summary>
    public const string DefaultUpdateRuntimeOn = "Auto";

    /// <summary>The runtime version a <c>Manual</c> mode names (null in the other modes).</summary>
    public string? RuntimeVersionArn { get; init; }

    /// <summary>Pending → Active (or Failed): what <c>aws lambda wait function-active-v2</c> polls.</summary>
    public string State { get; init; } = "Active";

    public string? StateReason { get; init; }

    public string? StateReasonCode { get; init; }

    /// <summary>InProgress → Successful (or Failed): what <c>aws lambda wait function-updated-v2</c> polls.</summary>
    public string LastUpdateStatus { get; init; } = "Successful";

    public string? LastUpdateStatusReason { get; init; }

    public string? LastUpdateStatusReasonCode { get; init; }
}

/// <summary>An alias: a name for a version, optionally sending a share of invocations to one more version.</summary>
internal sealed record AliasRecord
{
    public required string Name { get; init; }

    /// <summary><c>{function ARN}:{alias}</c>.</summary>
    public required string Arn { get; init; }

    /// <summary>The version the alias points to (a number or $LATEST).</summary>
    public required string FunctionVersion { get; init; }

    public string Description { get; init; } = "";

    /// <summary>RoutingConfig.AdditionalVersionWeights: at most one other version and the share (0–1) it gets.</summary>
    public ImmutableDictionary<string, double> AdditionalVersionWeights { get; init; } = ImmutableDictionary.Create<string, double>(StringComparer.Ordinal);

    public required string RevisionId { get; init; }
}

/// <summary>PutProvisionedConcurrencyConfig on one qualifier: how many environments to keep initialised.</summary>
internal sealed record ProvisionedConcurrencyRecord
{
    public required int Requested { get; init; }

    public required DateTimeOffset LastModified { get; init; }
}
