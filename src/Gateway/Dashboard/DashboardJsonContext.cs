using System.Text.Json.Serialization;

namespace Gateway.Dashboard;

/// <summary>Source-generated JSON for the dashboard's stream (camelCase, for the page's script) and the posted prediction.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, PropertyNameCaseInsensitive = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DashboardSnapshot))]
[JsonSerializable(typeof(ThrottlePredictionRequest))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext;
