using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Logs.Api;

// botocore's logs/2014-03-28 shapes for the operations served (members this gateway reads or answers; null members are
// left out of answers, as AWS leaves them out).

internal sealed class LogsRequest
{
    public string? LogGroupName { get; set; }
    public string? LogGroupIdentifier { get; set; }
    public string? LogGroupNamePrefix { get; set; }
    public string? LogGroupNamePattern { get; set; }
    public List<string>? LogGroupIdentifiers { get; set; }
    public string? LogGroupClass { get; set; }
    public string? LogStreamName { get; set; }
    public string? LogStreamNamePrefix { get; set; }
    public List<string>? LogStreamNames { get; set; }
    public string? OrderBy { get; set; }
    public bool? Descending { get; set; }
    public long? StartTime { get; set; }
    public long? EndTime { get; set; }
    public bool? StartFromHead { get; set; }
    public string? FilterPattern { get; set; }
    public string? NextToken { get; set; }
    public int? Limit { get; set; }
    public bool? Interleaved { get; set; }
    public int? RetentionInDays { get; set; }
}

/// <summary>A log group as DescribeLogGroups lists it; with a logGroupNamePattern AWS answers only the name, the
/// creation time and <c>arn</c>, so every other member is nullable (and left out).</summary>
internal sealed class LogGroupJson
{
    public string? LogGroupName { get; set; }
    public long CreationTime { get; set; }
    public int? RetentionInDays { get; set; }
    public int? MetricFilterCount { get; set; }
    public string? Arn { get; set; }
    public long? StoredBytes { get; set; }
    public string? LogGroupClass { get; set; }
    public string? LogGroupArn { get; set; }
    public bool? DeletionProtectionEnabled { get; set; }
}

internal sealed class DescribeLogGroupsResponse
{
    public List<LogGroupJson> LogGroups { get; set; } = [];
    public string? NextToken { get; set; }
}

internal sealed class LogStreamJson
{
    public string? LogStreamName { get; set; }
    public long CreationTime { get; set; }
    public long? FirstEventTimestamp { get; set; }
    public long? LastEventTimestamp { get; set; }
    public long? LastIngestionTime { get; set; }
    public string? Arn { get; set; }
    /// <summary>Deprecated by AWS in 2019 for log streams: "always reported as zero".</summary>
    public long StoredBytes { get; set; }
}

internal sealed class DescribeLogStreamsResponse
{
    public List<LogStreamJson> LogStreams { get; set; } = [];
    public string? NextToken { get; set; }
}

internal sealed class OutputLogEventJson
{
    public long Timestamp { get; set; }
    public string? Message { get; set; }
    public long IngestionTime { get; set; }
}

internal sealed class GetLogEventsResponse
{
    public List<OutputLogEventJson> Events { get; set; } = [];
    public string? NextForwardToken { get; set; }
    public string? NextBackwardToken { get; set; }
}

internal sealed class FilteredLogEventJson
{
    public string? LogStreamName { get; set; }
    public long Timestamp { get; set; }
    public string? Message { get; set; }
    public long IngestionTime { get; set; }
    public string? EventId { get; set; }
}

internal sealed class SearchedLogStreamJson
{
    public string? LogStreamName { get; set; }
    public bool SearchedCompletely { get; set; }
}

internal sealed class FilterLogEventsResponse
{
    public List<FilteredLogEventJson> Events { get; set; } = [];
    public List<SearchedLogStreamJson> SearchedLogStreams { get; set; } = [];
    public string? NextToken { get; set; }
}

internal sealed class EmptyResponse;

/// <summary>awsJson 1.1's error body: <c>{"__type":"ResourceNotFoundException","message":"…"}</c>.</summary>
internal sealed class LogsErrorJson
{
    [JsonPropertyName("__type")]
    public string? Type { get; set; }

    [JsonPropertyName("message")]
    public string? Message { get; set; }
}

/// <summary>Group name → retention days, as PutRetentionPolicy set them (<c>{data}/logs/.retention.json</c>).</summary>
internal sealed class RetentionPolicies
{
    public Dictionary<string, int> Days { get; set; } = [];
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(LogsRequest))]
[JsonSerializable(typeof(DescribeLogGroupsResponse))]
[JsonSerializable(typeof(DescribeLogStreamsResponse))]
[JsonSerializable(typeof(GetLogEventsResponse))]
[JsonSerializable(typeof(FilterLogEventsResponse))]
[JsonSerializable(typeof(EmptyResponse))]
[JsonSerializable(typeof(LogsErrorJson))]
[JsonSerializable(typeof(RetentionPolicies))]
internal sealed partial class LogsJsonContext : JsonSerializerContext
{
    /// <summary>The attribute's options plus the relaxed encoder: messages keep their quotes, <c>&lt;</c> and <c>+</c> as
    /// written (the default encoder escapes them), as AWS returns them. API answers, never HTML.</summary>
    public static LogsJsonContext Wire { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
