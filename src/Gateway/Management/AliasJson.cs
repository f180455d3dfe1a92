namespace Gateway.Management;

/// <summary>CreateAlias / UpdateAlias request body (botocore CreateAliasRequest/UpdateAliasRequest). Every member is
/// nullable: for UpdateAlias, absent means "keep".</summary>
internal sealed class AliasDocument
{
    public string? Name { get; set; }

    public string? FunctionVersion { get; set; }

    public string? Description { get; set; }

    public RoutingConfigDocument? RoutingConfig { get; set; }

    public string? RevisionId { get; set; }
}

/// <summary>AliasRoutingConfiguration: at most one additional version and its weight (0.0–1.0).</summary>
internal sealed class RoutingConfigDocument
{
    public Dictionary<string, double>? AdditionalVersionWeights { get; set; }
}

/// <summary>AliasConfiguration, as AWS answers it: RoutingConfig only when the alias has weights (LS-REC
/// test_alias_lifecycle: absent after they are removed), Description always ("" when none).</summary>
internal sealed class AliasConfiguration
{
    public required string AliasArn { get; init; }

    public required string Name { get; init; }

    public required string FunctionVersion { get; init; }

    public required string Description { get; init; }

    public RoutingConfigDocument? RoutingConfig { get; init; }

    public required string RevisionId { get; init; }

    public static AliasConfiguration From(Functions.Registry.AliasRecord alias) => new()
    {
        AliasArn = alias.Arn,
        Name = alias.Name,
        FunctionVersion = alias.FunctionVersion,
        Description = alias.Description,
        RoutingConfig = alias.AdditionalVersionWeights.IsEmpty
            ? null
            : new RoutingConfigDocument { AdditionalVersionWeights = new Dictionary<string, double>(alias.AdditionalVersionWeights, StringComparer.Ordinal) },
        RevisionId = alias.RevisionId,
    };
}

internal sealed class ListAliasesResponse
{
    public string? NextMarker { get; init; }

    public required List<AliasConfiguration> Aliases { get; init; }
}
