namespace Gateway.Management;

/// <summary>AddLayerVersionPermission's body (botocore's AddLayerVersionPermissionRequest; LayerName and VersionNumber
/// come from the path, RevisionId from the query). Every member optional here: the rules say what is required, with
/// AWS's messages.</summary>
internal sealed class AddLayerVersionPermissionRequest
{
    public string? StatementId { get; set; }
    public string? Action { get; set; }
    public string? Principal { get; set; }
    public string? OrganizationId { get; set; }
}

/// <summary>AddLayerVersionPermission's answer: the new statement as a JSON string, and the policy's new RevisionId.</summary>
internal sealed class AddLayerVersionPermissionResponse
{
    public string Statement { get; set; } = "";
    public string RevisionId { get; set; } = "";
}

/// <summary>GetLayerVersionPolicy's answer: the policy as a JSON string, and its RevisionId.</summary>
internal sealed class GetLayerVersionPolicyResponse
{
    public string Policy { get; set; } = "";
    public string RevisionId { get; set; } = "";
}
