using Gateway.Async.EventInvokeConfig;

namespace Gateway.Functions;

/// <summary>One version of a function, validated and resolved: everything needed to start its environments. Immutable:
/// a change to <c>$LATEST</c> makes a new definition (and new environments; the old ones drain).</summary>
internal sealed class FunctionDefinition
{
    public required string Name { get; init; }

    /// <summary>The unqualified ARN, <c>arn:aws:lambda:{region}:{account}:function:{name}</c>.</summary>
    public required string Arn { get; init; }

    /// <summary><c>$LATEST</c> or a published version number ("1", "2", …): AWS_LAMBDA_FUNCTION_VERSION, the
    /// log stream's <c>[version]</c>, X-Amz-Executed-Version.</summary>
    public string Version { get; init; } = FunctionVersions.Latest;

    /// <summary>Absolute path of the code folder: the worker's working directory and LAMBDA_TASK_ROOT.</summary>
    public required string CodeDirectory { get; init; }

    /// <summary>Absolute path of the executable started for each environment (the folder's <c>bootstrap</c>).</summary>
    public required string Bootstrap { get; init; }

    public required string Handler { get; init; }

    /// <summary>Lambda's runtime identifier (<c>provided.al2023</c>, <c>nodejs20.x</c>, <c>python3.12</c>, …): which
    /// runtime starts this version's environments.</summary>
    public string Runtime { get; init; } = "provided.al2023";

    /// <summary>Host folder holding the function's layers merged in order (what the function sees as <c>/opt</c>), or
    /// null when it has no layers.</summary>
    public string? LayersDirectory { get; init; }

    /// <summary>The layer versions <see cref="LayersDirectory"/> was merged from, in order (GetFunctionConfiguration's
    /// Layers). Kept together with the folder, so a published version keeps both.</summary>
    public System.Collections.Immutable.ImmutableArray<Gateway.Functions.Layers.FunctionLayer> Layers { get; init; } = [];

    /// <summary>EphemeralStorage.Size: the MB of private <c>/tmp</c> each environment gets (AWS: 512–10240, default 512).</summary>
    public int EphemeralStorageMb { get; init; } = 512;

    public int MemorySizeMb { get; init; } = 128;

    public int TimeoutSeconds { get; init; } = 3;

    /// <summary>The function's own environment variables (reserved keys already refused).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether the function was given an Environment, even one with no variables: AWS then answers
    /// <c>"Environment":{"Variables":{}}</c>, and leaves the member out only for a function never given one.</summary>
    public bool EnvironmentGiven { get; init; }

    /// <summary>Environments started before the first invocation and kept warm (provisioned concurrency later).</summary>
    public int ProvisionedEnvironments { get; init; }

    /// <summary>An explicit cap on this version's environments (a gateway setting, not a Lambda one); null: bounded only
    /// by Lambda's limits (account and reserved concurrency, burst) and the gateway's machine-wide cap.</summary>
    public int? MaxEnvironments { get; init; }

    /// <summary>Reserved concurrency (a guarantee and a cap), or null to share the account's unreserved pool.</summary>
    public int? ReservedConcurrentExecutions { get; init; }

    public string Description { get; init; } = "";

    /// <summary>The functions file's EventInvokeConfig (validated), or null. Only the initial config: the
    /// effective one is <see cref="EventInvokeConfigRegistry.Effective"/>, which API changes override.</summary>
    public FunctionEventInvokeConfig? EventInvokeConfig { get; init; }

    /// <summary>LoggingConfig: the platform lines' format, Lambda's level filters and the log group (AWS's defaults
    /// when not configured).</summary>
    public FunctionLogging Logging { get; init; } = FunctionLogging.Default;

    /// <summary>DeadLetterConfig.TargetArn from the functions file (an SQS queue or SNS topic ARN), or null.</summary>
    public string? DeadLetterTargetArn { get; init; }
}
