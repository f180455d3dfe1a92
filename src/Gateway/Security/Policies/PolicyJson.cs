using System.Text.Json.Serialization;

namespace Gateway.Security.Policies;

/// <summary>AddPermission's body (botocore's AddPermissionRequest; FunctionName and Qualifier come from the path and
/// query). Every member optional here: the rules say what is required, with AWS's messages.</summary>
internal sealed class AddPermissionRequest
{
    public string? StatementId { get; set; }
    public string? Action { get; set; }
    public string? Principal { get; set; }
    public string? SourceArn { get; set; }
    public string? SourceAccount { get; set; }
    public string? EventSourceToken { get; set; }
    public string? RevisionId { get; set; }
    public string? PrincipalOrgID { get; set; }
    public string? FunctionUrlAuthType { get; set; }
    public bool? InvokedViaFunctionUrl { get; set; }
}

/// <summary>AddPermission's answer: the statement, as a JSON string.</summary>
internal sealed class AddPermissionResponse
{
    public string Statement { get; set; } = "";
}

/// <summary>GetPolicy's answer: the policy, as a JSON string, and its RevisionId.</summary>
internal sealed class GetPolicyResponse
{
    public string Policy { get; set; } = "";
    public string RevisionId { get; set; } = "";
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.Unspecified, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AddPermissionRequest))]
[JsonSerializable(typeof(AddPermissionResponse))]
[JsonSerializable(typeof(GetPolicyResponse))]
internal sealed partial class PolicyJsonContext : JsonSerializerContext;
