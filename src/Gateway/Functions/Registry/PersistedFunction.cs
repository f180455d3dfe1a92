using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace Gateway.Functions.Registry;

/// <summary>
/// The JSON document one function is stored as (<see cref="SqliteRegistryStore"/>): a plain mirror of
/// <see cref="FunctionRecord"/>, so the record types stay free of serialisation concerns. Versioned by
/// <see cref="Schema"/>: a later format reads older documents or says it cannot.
/// </summary>
internal sealed class PersistedFunction
{
    public int Schema { get; set; } = 1;

    public string Name { get; set; } = "";

    public string Arn { get; set; } = "";

    public PersistedVersion Latest { get; set; } = new();

    public List<PersistedVersion> Versions { get; set; } = [];

    public int LastPublishedVersion { get; set; }

    public List<PersistedAlias> Aliases { get; set; } = [];

    public int? ReservedConcurrentExecutions { get; set; }

    public Dictionary<string, PersistedProvisioned> ProvisionedConcurrency { get; set; } = [];

    public Dictionary<string, string> Tags { get; set; } = [];

    /// <summary>PutFunctionRecursionConfig's value; absent (null) is AWS's default, Terminate (and documents written
    /// before it was kept read so).</summary>
    public string? RecursiveLoop { get; set; }

    public static PersistedFunction From(FunctionRecord record) => new()
    {
        Name = record.Name,
        Arn = record.Arn,
        Latest = PersistedVersion.From(record.Latest),
        Versions = [.. record.PublishedInOrder().Select(PersistedVersion.From)],
        LastPublishedVersion = record.LastPublishedVersion,
        Aliases = [.. record.Aliases.Values.OrderBy(a => a.Name, StringComparer.Ordinal).Select(PersistedAlias.From)],
        ReservedConcurrentExecutions = record.ReservedConcurrentExecutions,
        ProvisionedConcurrency = record.ProvisionedConcurrency.ToDictionary(p => p.Key, p => new PersistedProvisioned { Requested = p.Value.Requested, LastModified = p.Value.LastModified }),
        Tags = new Dictionary<string, string>(record.Tags),
        RecursiveLoop = record.RecursiveLoop == FunctionRecord.DefaultRecursiveLoop ? null : record.RecursiveLoop,
    };

    public FunctionRecord ToRecord() => new()
    {
        Name = Name,
        Arn = Arn,
        Latest = Latest.ToRecord(Name, Arn),
        Versions = Versions.ToImmutableDictionary(v => v.Version, v => v.ToRecord(Name, Arn), StringComparer.Ordinal),
        LastPublishedVersion = LastPublishedVersion,
        Aliases = Aliases.ToImmutableDictionary(a => a.Name, a => a.ToRecord(), StringComparer.Ordinal),
        ReservedConcurrentExecutions = ReservedConcurrentExecutions,
        ProvisionedConcurrency = ProvisionedConcurrency.ToImmutableDictionary(p => p.Key, p => new ProvisionedConcurrencyRecord { Requested = p.Value.Requested, LastModified = p.Value.LastModified }, StringComparer.Ordinal),
        Tags = Tags.ToImmutableDictionary(StringComparer.Ordinal),
        RecursiveLoop = RecursiveLoop ?? FunctionRecord.DefaultRecursiveLoop,
        Origin = FunctionOrigin.Api,
    };
}

internal sealed class PersistedVersion
{
    public string Version { get; set; } = FunctionVersions.Latest;

    public string CodeDirectory { get; set; } = "";

    public string Bootstrap { get; set; } = "";

    public string Handler { get; set; } = "";

    public int MemorySizeMb { get; set; }

    public int TimeoutSeconds { get; set; }

    public Dictionary<string, string> Environment { get; set; } = [];

    /// <summary>An Environment was given (possibly empty): see <see cref="FunctionDefinition.EnvironmentGiven"/>. Documents
    /// written before it existed read as false, which answers as before.</summary>
    public bool EnvironmentGiven { get; set; }

    public int ProvisionedEnvironments { get; set; }

    public int? MaxEnvironments { get; set; }

    public string Description { get; set; } = "";

    public string? DeadLetterTargetArn { get; set; }

    public string Runtime { get; set; } = "";

    public string Role { get; set; } = "";

    public string CodeSha256 { get; set; } = "";

    public long CodeSize { get; set; }

    public string RevisionId { get; set; } = "";

    public DateTimeOffset LastModified { get; set; }

    public string PackageType { get; set; } = "Zip";

    public List<string> Architectures { get; set; } = [];

    public int EphemeralStorageMb { get; set; } = 512;

    public List<PersistedLayer> Layers { get; set; } = [];

    /// <summary>The merged folder of <see cref="Layers"/> (under the data folder; made again from the layer store if it is gone).</summary>
    public string? LayersDirectory { get; set; }

    public string TracingMode { get; set; } = "PassThrough";

    /// <summary>SnapStart.ApplyOn; absent (null) is None (and documents written before it was kept read so).</summary>
    public string? SnapStartApplyOn { get; set; }

    public string? KmsKeyArn { get; set; }

    /// <summary>LoggingConfig (absent in documents written before it was kept: AWS's defaults).</summary>
    public PersistedLogging? Logging { get; set; }

    /// <summary>PutRuntimeManagementConfig's mode; absent (null) is AWS's default, Auto (and documents written before it
    /// was kept read so).</summary>
    public string? UpdateRuntimeOn { get; set; }

    /// <summary>The runtime version a Manual mode names.</summary>
    public string? RuntimeVersionArn { get; set; }

    public string State { get; set; } = "Active";

    public string? StateReason { get; set; }

    public string? StateReasonCode { get; set; }

    public string LastUpdateStatus { get; set; } = "Successful";

    public string? LastUpdateStatusReason { get; set; }

    public string? LastUpdateStatusReasonCode { get; set; }

    public static PersistedVersion From(VersionRecord v) => new()
    {
        Version = v.Version,
        CodeDirectory = v.Definition.CodeDirectory,
        Bootstrap = v.Definition.Bootstrap,
        Handler = v.Definition.Handler,
        MemorySizeMb = v.Definition.MemorySizeMb,
        TimeoutSeconds = v.Definition.TimeoutSeconds,
        Environment = new Dictionary<string, string>(v.Definition.Environment),
        EnvironmentGiven = v.Definition.EnvironmentGiven,
        ProvisionedEnvironments = v.Definition.ProvisionedEnvironments,
        MaxEnvironments = v.Definition.MaxEnvironments,
        Description = v.Definition.Description,
        DeadLetterTargetArn = v.Definition.DeadLetterTargetArn,
        Runtime = v.Runtime,
        Role = v.Role,
        CodeSha256 = v.CodeSha256,
        CodeSize = v.CodeSize,
        RevisionId = v.RevisionId,
        LastModified = v.LastModified,
        PackageType = v.PackageType,
        Architectures = [.. v.Architectures],
        EphemeralStorageMb = v.EphemeralStorageMb,
        Layers = [.. v.Layers.Select(l => new PersistedLayer { Arn = l.Arn, CodeSize = l.CodeSize, Sha256Hex = l.Sha256Hex })],
        LayersDirectory = v.Definition.LayersDirectory,
        TracingMode = v.TracingMode,
        SnapStartApplyOn = v.SnapStartApplyOn == "None" ? null : v.SnapStartApplyOn,
        KmsKeyArn = v.KmsKeyArn,
        Logging = v.Definition.Logging == FunctionLogging.Default ? null : PersistedLogging.From(v.Definition.Logging),
        UpdateRuntimeOn = v.UpdateRuntimeOn == VersionRecord.DefaultUpdateRuntimeOn ? null : v.UpdateRuntimeOn,
        RuntimeVersionArn = v.RuntimeVersionArn,
        // A restart finishes whatever was in progress: the code is on disk, so the version is usable.
        State = v.State == "Pending" ? "Active" : v.State,
        StateReason = v.State == "Pending" ? null : v.StateReason,
        StateReasonCode = v.State == "Pending" ? null : v.StateReasonCode,
        LastUpdateStatus = v.LastUpdateStatus == "InProgress" ? "Successful" : v.LastUpdateStatus,
        LastUpdateStatusReason = v.LastUpdateStatus == "InProgress" ? null : v.LastUpdateStatusReason,
        LastUpdateStatusReasonCode = v.LastUpdateStatus == "InProgress" ? null : v.LastUpdateStatusReasonCode,
    };

    public VersionRecord ToRecord(string name, string arn) => new()
    {
        Definition = new FunctionDefinition
        {
            Name = name,
            Arn = arn,
            Version = Version,
            CodeDirectory = CodeDirectory,
            Bootstrap = Bootstrap,
            Handler = Handler,
            // Stored once, as the version's Runtime; documents from before the catalog ran provided.al2023.
            Runtime = Runtime is { Length: > 0 } runtime ? runtime : "provided.al2023",
            MemorySizeMb = MemorySizeMb,
            EphemeralStorageMb = EphemeralStorageMb,
            TimeoutSeconds = TimeoutSeconds,
            Environment = Environment,
            EnvironmentGiven = EnvironmentGiven,
            ProvisionedEnvironments = ProvisionedEnvironments,
            MaxEnvironments = MaxEnvironments,
            Description = Description,
            DeadLetterTargetArn = DeadLetterTargetArn,
            Layers = [.. Layers.Select(l => new Gateway.Functions.Layers.FunctionLayer(l.Arn, l.CodeSize, l.Sha256Hex))],
            LayersDirectory = LayersDirectory,
            Logging = Logging?.ToLogging() ?? FunctionLogging.Default,
        },
        Runtime = Runtime,
        Role = Role,
        CodeSha256 = CodeSha256,
        CodeSize = CodeSize,
        RevisionId = RevisionId,
        LastModified = LastModified,
        PackageType = PackageType,
        Architectures = [.. Architectures],
        EphemeralStorageMb = EphemeralStorageMb,
        TracingMode = TracingMode,
        SnapStartApplyOn = SnapStartApplyOn ?? "None",
        KmsKeyArn = KmsKeyArn,
        UpdateRuntimeOn = UpdateRuntimeOn ?? VersionRecord.DefaultUpdateRuntimeOn,
        RuntimeVersionArn = RuntimeVersionArn,
        State = State,
        StateReason = StateReason,
        StateReasonCode = StateReasonCode,
        LastUpdateStatus = LastUpdateStatus,
        LastUpdateStatusReason = LastUpdateStatusReason,
        LastUpdateStatusReasonCode = LastUpdateStatusReasonCode,
    };
}

/// <summary>One entry of a version's Layers. (Documents written before layers existed hold an empty list.)</summary>
internal sealed class PersistedLayer
{
    public string Arn { get; set; } = "";

    public long CodeSize { get; set; }

    /// <summary>The layer zip's SHA-256 (lower-case hex); absent in documents written before it was kept.</summary>
    public string? Sha256Hex { get; set; }
}

internal sealed class PersistedAlias
{
    public string Name { get; set; } = "";

    public string Arn { get; set; } = "";

    public string FunctionVersion { get; set; } = "";

    public string Description { get; set; } = "";

    public Dictionary<string, double> AdditionalVersionWeights { get; set; } = [];

    public string RevisionId { get; set; } = "";

    public static PersistedAlias From(AliasRecord a) => new()
    {
        Name = a.Name,
        Arn = a.Arn,
        FunctionVersion = a.FunctionVersion,
        Description = a.Description,
        AdditionalVersionWeights = new Dictionary<string, double>(a.AdditionalVersionWeights),
        RevisionId = a.RevisionId,
    };

    public AliasRecord ToRecord() => new()
    {
        Name = Name,
        Arn = Arn,
        FunctionVersion = FunctionVersion,
        Description = Description,
        AdditionalVersionWeights = AdditionalVersionWeights.ToImmutableDictionary(StringComparer.Ordinal),
        RevisionId = RevisionId,
    };
}

internal sealed class PersistedLogging
{
    public string LogFormat { get; set; } = FunctionLogging.Text;

    public string? ApplicationLogLevel { get; set; }

    public string? SystemLogLevel { get; set; }

    public string? LogGroup { get; set; }

    public static PersistedLogging From(FunctionLogging l) => new()
    {
        LogFormat = l.LogFormat,
        ApplicationLogLevel = l.ApplicationLogLevel,
        SystemLogLevel = l.SystemLogLevel,
        LogGroup = l.LogGroup,
    };

    public FunctionLogging ToLogging() => new()
    {
        LogFormat = LogFormat,
        ApplicationLogLevel = ApplicationLogLevel,
        SystemLogLevel = SystemLogLevel,
        LogGroup = LogGroup,
    };
}

internal sealed class PersistedProvisioned
{
    public int Requested { get; set; }

    public DateTimeOffset LastModified { get; set; }
}

[JsonSourceGenerationOptions(WriteIndented = false)]
[JsonSerializable(typeof(PersistedFunction))]
internal sealed partial class RegistryJsonContext : JsonSerializerContext;
