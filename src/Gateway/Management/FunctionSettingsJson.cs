namespace Gateway.Management;

/// <summary>PutFunctionCodeSigningConfig's body (the only member; the function is in the path).</summary>
internal sealed class CodeSigningConfigDocument
{
    public string? CodeSigningConfigArn { get; set; }
}

/// <summary>PutFunctionRecursionConfig's body, and the Put/Get answer (LS-REC TestLambdaRecursion: <c>{"RecursiveLoop":…}</c>).</summary>
internal sealed class RecursionConfigDocument
{
    public string? RecursiveLoop { get; set; }
}

/// <summary>PutRuntimeManagementConfig's body.</summary>
internal sealed class RuntimeManagementConfigRequest
{
    public string? UpdateRuntimeOn { get; set; }

    public string? RuntimeVersionArn { get; set; }
}

/// <summary>PutRuntimeManagementConfig's answer, members in the model's order; RuntimeVersionArn only in Manual mode.</summary>
internal sealed class PutRuntimeManagementConfigResponse
{
    public required string UpdateRuntimeOn { get; init; }

    public required string FunctionArn { get; init; }

    public string? RuntimeVersionArn { get; init; }
}

/// <summary>GetRuntimeManagementConfig's answer, members in the model's order (RuntimeVersionArn before FunctionArn, unlike
/// the Put's); RuntimeVersionArn only in Manual mode.</summary>
internal sealed class GetRuntimeManagementConfigResponse
{
    public required string UpdateRuntimeOn { get; init; }

    public string? RuntimeVersionArn { get; init; }

    public required string FunctionArn { get; init; }
}
