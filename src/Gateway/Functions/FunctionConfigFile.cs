using Gateway.Async.EventInvokeConfig;

namespace Gateway.Functions;

/// <summary>
/// The JSON shape of a functions file (<c>{"Functions":[…]}</c>) and of a folder's <c>function.json</c>.
/// Member names follow AWS's CreateFunction request where one exists (FunctionName, Handler, MemorySize,
/// Timeout, Environment.Variables, Description, DeadLetterConfig), and EventInvokeConfig takes the
/// shape of PutFunctionEventInvokeConfig's body.
/// </summary>
internal sealed class FunctionConfigFile
{
    public List<FunctionConfig>? Functions { get; set; }
}

internal sealed class FunctionConfig
{
    public string? FunctionName { get; set; }

    /// <summary>The code folder holding <c>bootstrap</c>, relative to the file that names it.</summary>
    public string? Code { get; set; }

    public string? Handler { get; set; }

    /// <summary>CreateFunction's Runtime: provided.al2023 (the default), provided.al2, nodejs18.x/20.x/22.x,
    /// python3.9–python3.13. A managed runtime needs a Handler and no bootstrap in Code.</summary>
    public string? Runtime { get; set; }

    public int? MemorySize { get; set; }

    /// <summary>CreateFunction's EphemeralStorage: the MB of /tmp each environment gets (512–10240, default 512).</summary>
    public Management.EphemeralStorage? EphemeralStorage { get; set; }

    public int? Timeout { get; set; }

    public string? Description { get; set; }

    public EnvironmentConfig? Environment { get; set; }

    public int? ProvisionedEnvironments { get; set; }

    public int? MaxEnvironments { get; set; }

    /// <summary>Reserved concurrency: a guarantee and a cap (AWS's PutFunctionConcurrency). Null: the unreserved pool.</summary>
    public int? ReservedConcurrentExecutions { get; set; }

    /// <summary>Retries, maximum event age and destinations of Event invocations, in the shape of AWS's
    /// PutFunctionEventInvokeConfig body. The initial config: changes made through the API win (see README).</summary>
    public EventInvokeConfigDocument? EventInvokeConfig { get; set; }

    /// <summary>CreateFunction's DeadLetterConfig: an SQS queue or SNS topic ARN for events that failed.</summary>
    public DeadLetterConfigDocument? DeadLetterConfig { get; set; }

    /// <summary>CreateFunction's Layers: layer version ARNs published through the API (PublishLayerVersion), merged
    /// in order into the function's /opt.</summary>
    public List<string>? Layers { get; set; }

    /// <summary>CreateFunction's LoggingConfig: LogFormat (Text or JSON), ApplicationLogLevel, SystemLogLevel, LogGroup.</summary>
    public Management.LoggingConfig? LoggingConfig { get; set; }
}

internal sealed class EnvironmentConfig
{
    public Dictionary<string, string>? Variables { get; set; }
}
