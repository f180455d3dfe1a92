namespace Gateway.Management;

/// <summary>PutFunctionConcurrency's body and the Concurrency / GetFunctionConcurrency answers: the member is left
/// out when no reservation is set (LS-REC test_function_concurrency, after delete: <c>{}</c>).</summary>
internal sealed class ConcurrencyDocument
{
    public int? ReservedConcurrentExecutions { get; set; }
}

/// <summary>PutProvisionedConcurrencyConfig's body.</summary>
internal sealed class ProvisionedConcurrencyDocument
{
    public int? ProvisionedConcurrentExecutions { get; set; }
}

/// <summary>Put/GetProvisionedConcurrencyConfig's answer, and (with FunctionArn) one item of
/// ListProvisionedConcurrencyConfigs.</summary>
internal sealed class ProvisionedConcurrencyConfig
{
    public string? FunctionArn { get; init; }

    public required int RequestedProvisionedConcurrentExecutions { get; init; }

    public required int AvailableProvisionedConcurrentExecutions { get; init; }

    public required int AllocatedProvisionedConcurrentExecutions { get; init; }

    /// <summary>IN_PROGRESS | READY | FAILED.</summary>
    public required string Status { get; init; }

    public string? StatusReason { get; init; }

    /// <summary>e.g. <c>2019-12-31T20:28:49+0000</c> (botocore's examples).</summary>
    public required string LastModified { get; init; }
}

internal sealed class ListProvisionedConcurrencyConfigsResponse
{
    public required List<ProvisionedConcurrencyConfig> ProvisionedConcurrencyConfigs { get; init; }

    public string? NextMarker { get; init; }
}
