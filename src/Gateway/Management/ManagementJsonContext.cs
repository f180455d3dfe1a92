using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Management;

/// <summary>
/// Source-generated JSON for the management API: AWS's PascalCase member names as they are, members
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
[JsonSerializable(typeof(PublishLayerVersionRequest))]
[JsonSerializable(typeof(LayerVersionResponse))]
[JsonSerializable(typeof(ListLayersResponse))]
[JsonSerializable(typeof(ListLayerVersionsResponse))]
[JsonSerializable(typeof(AddLayerVersionPermissionRequest))]
[JsonSerializable(typeof(AddLayerVersionPermissionResponse))]
[JsonSerializable(typeof(GetLayerVersionPolicyResponse))]
[JsonSerializable(typeof(CodeSigningConfigDocument))]
[JsonSerializable(typeof(RecursionConfigDocument))]
[JsonSerializable(typeof(RuntimeManagementConfigRequest))]
[JsonSerializable(typeof(PutRuntimeManagementConfigResponse))]
[JsonSerializable(typeof(GetRuntimeManagementConfigResponse))]
internal sealed partial class ManagementJsonContext : JsonSerializerContext
{
    /// <summary>The context to use: the attribute's options plus an encoder that writes <c>+</c> as it is, so
    /// LastModified reads <c>…+0000</c> on the wire as AWS sends it (the default encoder writes <c>\u002B</c>).
    /// These are API answers, never HTML, so the relaxed encoder's only cost does not apply.</summary>
    public static ManagementJsonContext Wire { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
