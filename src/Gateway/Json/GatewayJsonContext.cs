using System.Text.Json.Serialization;
using Gateway.Functions;

namespace Gateway.Json;

/// <summary>Source-generated JSON for everything the gateway reads or writes with System.Text.Json (no reflection).</summary>
[JsonSourceGenerationOptions(ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true, PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(FunctionConfigFile))]
[JsonSerializable(typeof(FunctionConfig))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(GatewayStatus))]
[JsonSerializable(typeof(AccountSettings))]
internal sealed partial class GatewayJsonContext : JsonSerializerContext;

/// <summary>AWS's own JSON (PascalCase member names, as in botocore's model) for API responses.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.Unspecified)]
[JsonSerializable(typeof(AccountSettings))]
internal sealed partial class AwsJsonContext : JsonSerializerContext;
