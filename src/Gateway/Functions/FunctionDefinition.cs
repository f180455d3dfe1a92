using Gateway.Async.EventInvokeConfig;

namespace Gateway.Functions;

/// <summary>A registered function, validated and resolved: everything needed to start its environments.</summary>
internal sealed class FunctionDefinition
{
    public required string Name { get; init; }

    /// <summary>The unqualified ARN, <c>arn:aws:lambda:{region}:{account}:function:{name}</c>.</summary>
    public required string Arn { get; init; }

    /// <summary>Absolute path of the code folder: the worker's working directory and LAMBDA_TASK_ROOT.</summary>
    public required string CodeDirectory { get; init; }

    /// <summary>Absolute path of the executable started for each environment (the folder's <c>bootstrap</c>).</summary>
    public required string Bootstrap { get; init; }

    public required string Handler { get; init; }

    public int MemorySizeMb { get; init; } = 128;

    public int TimeoutSeconds { get; init; } = 3;

    /// <summary>The function's own environment variables (reserved keys already refused).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Environments started before the first invocation and kept warm (provisioned concurrency later).</summary>
    public int ProvisionedEnvironments { get; init; }

    /// <summary>The most environments this function may run at once; beyond it a sync invoke is throttled.</summary>
    public int MaxEnvironments { get; init; } = 10;

    /// <summary>Reserved concurrency (a guarantee and a cap), or null to share the account's unreserved pool.</summary>
    public int? ReservedConcurrentExecutions { get; init; }

    public string Description { get; init; } = "";

    /// <summary>The functions file's EventInvokeConfig (validated), or null. Only the initial config: the
    /// effective one is <see cref="EventInvokeConfigRegistry.Effective"/>, which API changes override.</summary>
    public FunctionEventInvokeConfig? EventInvokeConfig { get; init; }

    /// <summary>DeadLetterConfig.TargetArn from the functions file (an SQS queue or SNS topic ARN), or null.</summary>
    public string? DeadLetterTargetArn { get; init; }
}
