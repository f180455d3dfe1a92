using System.Text.Json.Serialization;

namespace Gateway.Management;

/// <summary>
/// Source-generated JSON for the alias and concurrency APIs: AWS's PascalCase member names as they are, members
/// that are null left out (AWS omits what is unset: RoutingConfig, ReservedConcurrentExecutions, NextMarker,
/// StatusReason). Requests are read case-sensitively, as AWS's JSON protocol does.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.Unspecified, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AliasDocument))]
[JsonSerializable(typeof(AliasConfiguration))]
[JsonSerializable(typeof(ListAliasesResponse))]
[JsonSerializable(typeof(ConcurrencyDocument))]
[JsonSerializable(typeof(ProvisionedConcurrencyDocument))]
[JsonSerializable(typeof(ProvisionedConcurrencyConfig))]
[JsonSerializable(typeof(ListProvisionedConcurrencyConfigsResponse))]
internal sealed partial class ManagementJsonContext : JsonSerializerContext;
