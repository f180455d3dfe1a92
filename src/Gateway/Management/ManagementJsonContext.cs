using System.Text.Json.Serialization;

namespace Gateway.Management;

/// <summary>
/// Source-generated JSON for the management API's requests and responses, in AWS's PascalCase member names with null
/// members left out. A context of its own (not <c>AwsJsonContext</c>) because these shapes omit nulls, which the
/// event-invoke-config shapes must not.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.Unspecified, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FunctionConfiguration))]
[JsonSerializable(typeof(GetFunctionResponse))]
[JsonSerializable(typeof(ListFunctionsResponse))]
[JsonSerializable(typeof(ListVersionsByFunctionResponse))]
[JsonSerializable(typeof(ListTagsResponse))]
[JsonSerializable(typeof(CreateFunctionRequest))]
[JsonSerializable(typeof(UpdateFunctionCodeRequest))]
[JsonSerializable(typeof(UpdateFunctionConfigurationRequest))]
[JsonSerializable(typeof(PublishVersionRequest))]
[JsonSerializable(typeof(TagResourceRequest))]
internal sealed partial class ManagementJsonContext : JsonSerializerContext;
