using System.Globalization;
using Gateway.Functions;
using Gateway.Functions.Registry;

namespace Gateway.Management;

/// <summary>
/// botocore's <c>FunctionConfiguration</c>, the body of Create/Get/Update/Publish and each item of the lists. Null
/// members are left out, as AWS leaves them out (LocalStack's recordings of real AWS, test_lambda_api.snapshot.json).
/// </summary>
internal sealed class FunctionConfiguration
{
    public string? FunctionName { get; set; }
    public string? FunctionArn { get; set; }
    public string? Runtime { get; set; }
    public string? Role { get; set; }
    public string? Handler { get; set; }
    public long CodeSize { get; set; }
    public string? Description { get; set; }
    public int Timeout { get; set; }
    public int MemorySize { get; set; }
    public string? LastModified { get; set; }
    public string? CodeSha256 { get; set; }
    public string? Version { get; set; }
    public EnvironmentResponse? Environment { get; set; }
    public string? KMSKeyArn { get; set; }
    public DeadLetterConfig? DeadLetterConfig { get; set; }
    public TracingConfig? TracingConfig { get; set; }
    public string? RevisionId { get; set; }
    public List<LayerReference>? Layers { get; set; }
    public string? State { get; set; }
    public string? StateReason { get; set; }
    public string? StateReasonCode { get; set; }
    public string? LastUpdateStatus { get; set; }
    public string? LastUpdateStatusReason { get; set; }
    public string? LastUpdateStatusReasonCode { get; set; }
    public string? PackageType { get; set; }
    public List<string>? Architectures { get; set; }
    public EphemeralStorage? EphemeralStorage { get; set; }
    public SnapStartResponse? SnapStart { get; set; }
    public RuntimeVersionConfig? RuntimeVersionConfig { get; set; }
    public LoggingConfig? LoggingConfig { get; set; }
}

internal sealed class RuntimeVersionConfig
{
    public string? RuntimeVersionArn { get; set; }
}

internal sealed class EnvironmentResponse
{
    public Dictionary<string, string>? Variables { get; set; }
}

internal sealed class DeadLetterConfig
{
    public string? TargetArn { get; set; }
}

internal sealed class TracingConfig
{
    public string? Mode { get; set; }
}

internal sealed class LayerReference
{
    public string? Arn { get; set; }
    public long CodeSize { get; set; }
}

internal sealed class EphemeralStorage
{
    public int? Size { get; set; }
}

internal sealed class SnapStartResponse
{
    public string ApplyOn { get; set; } = "None";
    public string OptimizationStatus { get; set; } = "Off";
}

internal sealed class LoggingConfig
{
    public string? LogFormat { get; set; }
    public string? ApplicationLogLevel { get; set; }
    public string? SystemLogLevel { get; set; }
    public string? LogGroup { get; set; }
}

/// <summary>GetFunction's answer.</summary>
internal sealed class GetFunctionResponse
{
    public FunctionConfiguration? Configuration { get; set; }
    public FunctionCodeLocation? Code { get; set; }
    public Dictionary<string, string>? Tags { get; set; }
    public ConcurrencyResponse? Concurrency { get; set; }
}

internal sealed class FunctionCodeLocation
{
    public string RepositoryType { get; set; } = "S3";
    public string? Location { get; set; }
}

internal sealed class ConcurrencyResponse
{
    public int? ReservedConcurrentExecutions { get; set; }
}

internal sealed class ListFunctionsResponse
{
    public string? NextMarker { get; set; }
    public List<FunctionConfiguration> Functions { get; set; } = [];
}

internal sealed class ListVersionsByFunctionResponse
{
    public string? NextMarker { get; set; }
    public List<FunctionConfiguration> Versions { get; set; } = [];
}

internal sealed class ListTagsResponse
{
    public Dictionary<string, string> Tags { get; set; } = [];
}

/// <summary>Turns registry records into AWS's FunctionConfiguration.</summary>
internal static class FunctionConfigurationJson
{
    /// <summary>
    /// The configuration of <paramref name="version"/> as AWS answers it. <paramref name="functionArn"/> is the ARN the
    /// caller asked with (AWS echoes it: unqualified, <c>:$LATEST</c>, <c>:N</c> or <c>:alias</c>). List items
    /// (<paramref name="listItem"/>) carry no State/LastUpdateStatus members: AWS's ListFunctions and
    /// ListVersionsByFunction leave them out (LS-REC test_list_functions, test_version_lifecycle).
    /// </summary>
    public static FunctionConfiguration From(VersionRecord version, string functionArn, bool listItem = false)
    {
        var definition = version.Definition;
        var configuration = new FunctionConfiguration
        {
            FunctionName = definition.Name,
            FunctionArn = functionArn,
            Runtime = NullIfEmpty(version.Runtime),
            Role = NullIfEmpty(version.Role),
            Handler = definition.Handler,
            CodeSize = version.CodeSize,
            Description = definition.Description,
            Timeout = definition.TimeoutSeconds,
            MemorySize = definition.MemorySizeMb,
            LastModified = LambdaDate.Format(version.LastModified),
            CodeSha256 = version.CodeSha256,
            Version = version.Version,
            // AWS leaves Environment out of a function never given one, and answers an empty map as {"Variables":{}}.
            Environment = definition.Environment.Count == 0 && !definition.EnvironmentGiven ? null : new EnvironmentResponse { Variables = new Dictionary<string, string>(definition.Environment, StringComparer.Ordinal) },
            // AWS returns KMSKeyArn "only if you've configured a customer managed key" (API_FunctionConfiguration).
            KMSKeyArn = version.KmsKeyArn,
            DeadLetterConfig = definition.DeadLetterTargetArn is { Length: > 0 } target ? new DeadLetterConfig { TargetArn = target } : null,
            TracingConfig = new TracingConfig { Mode = version.TracingMode },
            RevisionId = version.RevisionId,
            Layers = version.Layers.IsDefaultOrEmpty ? null : version.Layers.Select(layer => new LayerReference { Arn = layer.Arn, CodeSize = layer.CodeSize }).ToList(),
            PackageType = version.PackageType,
            Architectures = [.. version.Architectures],
            EphemeralStorage = new EphemeralStorage { Size = version.EphemeralStorageMb },
            SnapStart = SnapStartRules.Response(version),
            LoggingConfig = LoggingRules.ToResponse(definition.Logging, definition.Name),
        };
        if (!listItem)
        {
            // A zip function with a runtime; not in list items, nor for an image (LS-REC). A version in Manual runtime
            // management shows the runtime version it pinned, as AWS's does (PutRuntimeManagementConfig).
            if (version.Runtime.Length > 0 && version.PackageType != "Image")
            {
                configuration.RuntimeVersionConfig = new RuntimeVersionConfig
                {
                    RuntimeVersionArn = version.RuntimeVersionArn ?? RuntimeVersions.Arn(RuntimeVersions.RegionOf(functionArn), version.Runtime),
                };
            }
            configuration.State = version.State;
            configuration.StateReason = version.StateReason;
            configuration.StateReasonCode = version.StateReasonCode;
            // While a version is Pending AWS shows no LastUpdateStatus at all (CreateFunction's answer, a version
            // published by UpdateFunctionCode: LS-REC test_function_lifecycle, test_publish_with_update).
            if (version.State != FunctionStates.Pending)
            {
                configuration.LastUpdateStatus = version.LastUpdateStatus;
                configuration.LastUpdateStatusReason = version.LastUpdateStatusReason;
                configuration.LastUpdateStatusReasonCode = version.LastUpdateStatusReasonCode;
            }
        }
        return configuration;
    }

    /// <summary>The ARN a list item carries: <c>:$LATEST</c>-qualified for $LATEST in ListVersionsByFunction and in
    /// ListFunctions with FunctionVersion=ALL, unqualified for $LATEST in a plain ListFunctions (LS-REC).</summary>
    public static string ListArn(VersionRecord version, bool qualifyLatest) =>
        FunctionVersions.IsLatest(version.Version) && qualifyLatest ? version.Definition.Arn + ":" + FunctionVersions.Latest : version.Arn;

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}

/// <summary>AWS's LastModified: UTC, milliseconds, a <c>+0000</c> offset (e.g. <c>2024-05-01T12:34:56.789+0000</c>).</summary>
internal static class LambdaDate
{
    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'+0000'", CultureInfo.InvariantCulture);
}
