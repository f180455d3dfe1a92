using System.Text.Json.Serialization;
using Gateway.Async.EventInvokeConfig;
using Gateway.Functions;

namespace Gateway.Json;

/// <summary>Source-generated JSON for everything the gateway reads or writes with System.Text.Json (no reflection).</summary>
[JsonSourceGenerationOptions(ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true, PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(FunctionConfigFile))]
[JsonSerializable(typeof(FunctionConfig))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(GatewayStatus))]
[JsonSerializable(typeof(AccountSettings))]
[JsonSerializable(typeof(PersistedEventInvokeConfigs))]
internal sealed partial class GatewayJsonContext : JsonSerializerContext;

/// <summary>AWS's own JSON (PascalCase member names, as in botocore's model) for API responses.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.Unspecified)]
[JsonSerializable(typeof(AccountSettings))]
[JsonSerializable(typeof(EventInvokeConfigDocument))]
[JsonSerializable(typeof(FunctionEventInvokeConfigResponse))]
[JsonSerializable(typeof(ListFunctionEventInvokeConfigsResponse))]
internal sealed partial class AwsJsonContext : JsonSerializerContext;
