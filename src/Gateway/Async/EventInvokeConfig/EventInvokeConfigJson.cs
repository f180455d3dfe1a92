using System.Text.Json.Serialization;

namespace Gateway.Async.EventInvokeConfig;

// The JSON shapes of AWS's FunctionEventInvokeConfig API (botocore's lambda model, API version 2019-09-25).
// The request document is also the form of "EventInvokeConfig" in a functions file.

/// <summary>Put/UpdateFunctionEventInvokeConfig's body; a functions file's <c>EventInvokeConfig</c>.</summary>
internal sealed class EventInvokeConfigDocument
{
    public int? MaximumRetryAttempts { get; set; }

    public int? MaximumEventAgeInSeconds { get; set; }

    public DestinationConfigDocument? DestinationConfig { get; set; }
}

internal sealed class DestinationConfigDocument
{
    public DestinationDocument? OnSuccess { get; set; }

    public DestinationDocument? OnFailure { get; set; }
}

/// <summary><c>{"Destination":"arn:…"}</c>; AWS writes <c>{}</c> when there is none.</summary>
internal sealed class DestinationDocument
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Destination { get; set; }
}

/// <summary>A functions file's <c>DeadLetterConfig</c> (CreateFunction's member).</summary>
internal sealed class DeadLetterConfigDocument
{
    public string? TargetArn { get; set; }
}

/// <summary>
/// FunctionEventInvokeConfig as AWS returns it: unset limits are left out (not filled with defaults), and
/// DestinationConfig is always present, with <c>{}</c> for a missing destination.
/// </summary>
internal sealed class FunctionEventInvokeConfigResponse
{
    /// <summary>Epoch seconds with milliseconds (botocore's rest-json timestamp), e.g. 1573686021.479.</summary>
    public required double LastModified { get; init; }

    public required string FunctionArn { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? MaximumRetryAttempts { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? MaximumEventAgeInSeconds { get; init; }

    public required DestinationConfigDocument DestinationConfig { get; init; }
}

internal sealed class ListFunctionEventInvokeConfigsResponse
{
    public required List<FunctionEventInvokeConfigResponse> FunctionEventInvokeConfigs { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? NextMarker { get; init; }
}

/// <summary><c>{DataDirectory}/event-invoke-config.json</c>: what the API set, per function.</summary>
internal sealed class PersistedEventInvokeConfigs
{
    public int Version { get; set; } = 1;

    public List<PersistedEventInvokeConfig> Functions { get; set; } = [];
}

/// <summary>One function's (and qualifier's) API-set state. <see cref="Deleted"/>: the API deleted the config, so the functions
/// file's config (if any) stays off after a restart too.</summary>
internal sealed class PersistedEventInvokeConfig
{
    public string FunctionName { get; set; } = "";

    /// <summary>The version or alias; absent for <c>$LATEST</c> (files written before qualifiers existed).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Qualifier { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Deleted { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? MaximumRetryAttempts { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? MaximumEventAgeInSeconds { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? OnSuccess { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? OnFailure { get; set; }

    public DateTimeOffset LastModified { get; set; }
}
