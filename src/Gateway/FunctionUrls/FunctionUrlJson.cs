using System.Globalization;
using System.Text.Json.Serialization;

namespace Gateway.FunctionUrls;

/// <summary>The <c>Cors</c> member on the wire (requests and answers) and in the store.</summary>
internal sealed class CorsDocument
{
    public bool? AllowCredentials { get; set; }
    public List<string>? AllowHeaders { get; set; }
    public List<string>? AllowMethods { get; set; }
    public List<string>? AllowOrigins { get; set; }
    public List<string>? ExposeHeaders { get; set; }
    public int? MaxAge { get; set; }

    public FunctionUrlCors ToCors() => new(AllowCredentials, AllowHeaders, AllowMethods, AllowOrigins, ExposeHeaders, MaxAge);

    public static CorsDocument? From(FunctionUrlCors? cors) => cors is null ? null : new CorsDocument
    {
        AllowCredentials = cors.AllowCredentials,
        AllowHeaders = cors.AllowHeaders?.ToList(),
        AllowMethods = cors.AllowMethods?.ToList(),
        AllowOrigins = cors.AllowOrigins?.ToList(),
        ExposeHeaders = cors.ExposeHeaders?.ToList(),
        MaxAge = cors.MaxAge,
    };
}

/// <summary>Create/UpdateFunctionUrlConfig's body (every member optional here; the rules say what is required).</summary>
internal sealed class FunctionUrlConfigRequest
{
    public string? AuthType { get; set; }
    public CorsDocument? Cors { get; set; }
    public string? InvokeMode { get; set; }
}

/// <summary>FunctionUrlConfig as Create/Get/Update/List answer it (Create's answer has no LastModifiedTime).</summary>
internal sealed class FunctionUrlConfigResponse
{
    public string FunctionUrl { get; set; } = "";
    public string FunctionArn { get; set; } = "";
    public string AuthType { get; set; } = "";
    public CorsDocument? Cors { get; set; }
    public string CreationTime { get; set; } = "";
    public string? LastModifiedTime { get; set; }
    public string? InvokeMode { get; set; }
}

internal sealed class ListFunctionUrlConfigsResponse
{
    public List<FunctionUrlConfigResponse> FunctionUrlConfigs { get; set; } = [];
    public string? NextMarker { get; set; }
}

/// <summary>One row of the <c>function_urls</c> table.</summary>
internal sealed class PersistedFunctionUrl
{
    public int Schema { get; set; } = 1;
    public string UrlId { get; set; } = "";
    public string FunctionName { get; set; } = "";
    public string? Qualifier { get; set; }
    public string AuthType { get; set; } = "";
    public CorsDocument? Cors { get; set; }
    public string InvokeMode { get; set; } = "";

    /// <summary>Absent in rows written before it was kept: read as not set.</summary>
    public bool? InvokeModeSet { get; set; }
    public DateTimeOffset CreationTime { get; set; }
    public DateTimeOffset LastModifiedTime { get; set; }

    public static PersistedFunctionUrl From(FunctionUrlConfig config) => new()
    {
        UrlId = config.UrlId,
        FunctionName = config.FunctionName,
        Qualifier = config.Qualifier,
        AuthType = FunctionUrlNames.Of(config.AuthType),
        Cors = CorsDocument.From(config.Cors),
        InvokeMode = FunctionUrlNames.Of(config.InvokeMode),
        InvokeModeSet = config.InvokeModeSet ? true : null,
        CreationTime = config.CreationTime,
        LastModifiedTime = config.LastModifiedTime,
    };

    public FunctionUrlConfig ToConfig() => new()
    {
        UrlId = UrlId,
        FunctionName = FunctionName,
        Qualifier = Qualifier,
        AuthType = FunctionUrlNames.TryAuthType(AuthType, out var auth) ? auth : FunctionUrlAuthType.AwsIam, // unknown: the closed door
        Cors = Cors?.ToCors(),
        InvokeMode = FunctionUrlNames.TryInvokeMode(InvokeMode, out var mode) ? mode : FunctionUrlInvokeMode.Buffered,
        InvokeModeSet = InvokeModeSet == true,
        CreationTime = CreationTime,
        LastModifiedTime = LastModifiedTime,
    };
}

/// <summary>The enums' names on the wire, and AWS's timestamp format for URL configs.</summary>
internal static class FunctionUrlNames
{
    public static string Of(FunctionUrlAuthType type) => type == FunctionUrlAuthType.AwsIam ? "AWS_IAM" : "NONE";

    public static string Of(FunctionUrlInvokeMode mode) => mode == FunctionUrlInvokeMode.ResponseStream ? "RESPONSE_STREAM" : "BUFFERED";

    public static bool TryAuthType(string? text, out FunctionUrlAuthType type)
    {
        (bool ok, type) = text switch
        {
            "NONE" => (true, FunctionUrlAuthType.None),
            "AWS_IAM" => (true, FunctionUrlAuthType.AwsIam),
            _ => (false, FunctionUrlAuthType.None),
        };
        return ok;
    }

    public static bool TryInvokeMode(string? text, out FunctionUrlInvokeMode mode)
    {
        (bool ok, mode) = text switch
        {
            "BUFFERED" => (true, FunctionUrlInvokeMode.Buffered),
            "RESPONSE_STREAM" => (true, FunctionUrlInvokeMode.ResponseStream),
            _ => (false, FunctionUrlInvokeMode.Buffered),
        };
        return ok;
    }

    /// <summary>ISO-8601 with microseconds and <c>Z</c> (e.g. <c>2021-10-20T13:20:32.123456Z</c>), the model's
    /// "YYYY-MM-DDThh:mm:ss.sTZD" as the service writes it for URL configs (unlike FunctionConfiguration's
    /// <c>LastModified</c>, which ends in <c>+0000</c>).</summary>
    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}

/// <summary>Source-generated JSON for the function-URL API and store: AWS's member names, nulls left out.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.Unspecified, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FunctionUrlConfigRequest))]
[JsonSerializable(typeof(FunctionUrlConfigResponse))]
[JsonSerializable(typeof(ListFunctionUrlConfigsResponse))]
[JsonSerializable(typeof(PersistedFunctionUrl))]
internal sealed partial class FunctionUrlJsonContext : JsonSerializerContext;
