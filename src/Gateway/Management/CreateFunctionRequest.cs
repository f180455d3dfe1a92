namespace Gateway.Management;

/// <summary>botocore's CreateFunctionRequest: the members this gateway reads (others are ignored, as unknown members
/// are by AWS).</summary>
internal sealed class CreateFunctionRequest
{
    public string? FunctionName { get; set; }
    public string? Runtime { get; set; }
    public string? Role { get; set; }
    public string? Handler { get; set; }
    public FunctionCode? Code { get; set; }
    public string? Description { get; set; }
    public int? Timeout { get; set; }
    public int? MemorySize { get; set; }
    public bool? Publish { get; set; }
    public string? PackageType { get; set; }
    public DeadLetterConfig? DeadLetterConfig { get; set; }
    public EnvironmentRequest? Environment { get; set; }
    public TracingConfig? TracingConfig { get; set; }
    public Dictionary<string, string>? Tags { get; set; }
    public List<string>? Layers { get; set; }
    public List<string>? Architectures { get; set; }
    public EphemeralStorage? EphemeralStorage { get; set; }
    public LoggingConfig? LoggingConfig { get; set; }
    public SnapStartRequest? SnapStart { get; set; }

    /// <summary>Stored and answered only: nothing here is encrypted with it (README).</summary>
    public string? KMSKeyArn { get; set; }

    /// <summary>Read only to be refused: no code-signing config can exist here (<see cref="CodeSigningRules"/>).</summary>
    public string? CodeSigningConfigArn { get; set; }
}

/// <summary>botocore's FunctionCode. Only ZipFile is served here; the others are refused with a clear message.</summary>
internal sealed class FunctionCode
{
    /// <summary>The base64 zip (or, once the streaming body reader has taken it out, its placeholder).</summary>
    public string? ZipFile { get; set; }
    public string? S3Bucket { get; set; }
    public string? S3Key { get; set; }
    public string? S3ObjectVersion { get; set; }
    public string? ImageUri { get; set; }
}

internal sealed class EnvironmentRequest
{
    public Dictionary<string, string>? Variables { get; set; }
}

internal sealed class UpdateFunctionCodeRequest
{
    public string? ZipFile { get; set; }
    public string? S3Bucket { get; set; }
    public string? S3Key { get; set; }
    public string? S3ObjectVersion { get; set; }
    public string? ImageUri { get; set; }
    public List<string>? Architectures { get; set; }
    public bool? Publish { get; set; }
    public bool? DryRun { get; set; }
    public string? RevisionId { get; set; }
}

internal sealed class UpdateFunctionConfigurationRequest
{
    public string? Role { get; set; }
    public string? Handler { get; set; }
    public string? Description { get; set; }
    public int? Timeout { get; set; }
    public int? MemorySize { get; set; }
    public EnvironmentRequest? Environment { get; set; }
    public string? Runtime { get; set; }
    public DeadLetterConfig? DeadLetterConfig { get; set; }
    public TracingConfig? TracingConfig { get; set; }
    public string? RevisionId { get; set; }
    public List<string>? Layers { get; set; }
    public EphemeralStorage? EphemeralStorage { get; set; }
    public LoggingConfig? LoggingConfig { get; set; }
    public SnapStartRequest? SnapStart { get; set; }

    /// <summary>Stored and answered only; an empty string removes it (botocore's pattern allows "").</summary>
    public string? KMSKeyArn { get; set; }
}

/// <summary>botocore's SnapStart (the request member); the answer is <see cref="SnapStartResponse"/>.</summary>
internal sealed class SnapStartRequest
{
    public string? ApplyOn { get; set; }
}

internal sealed class PublishVersionRequest
{
    public string? CodeSha256 { get; set; }
    public string? Description { get; set; }
    public string? RevisionId { get; set; }
}

internal sealed class TagResourceRequest
{
    public Dictionary<string, string>? Tags { get; set; }
}
