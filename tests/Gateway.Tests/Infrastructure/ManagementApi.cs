using System.Text.Json.Nodes;

namespace Gateway.Tests.Infrastructure;

/// <summary>Lambda's management API over plain HTTP (what the SDKs send), for tests that need many calls quickly.</summary>
public static class ManagementApi
{
    public const string Role = "arn:aws:iam::000000000000:role/gateway-test";

    public static async Task<JsonNode> CreateFunctionAsync(this GatewayProcess gateway, string name, byte[] zip, string handler = "function.handler", int timeout = 10)
    {
        var body = new JsonObject
        {
            ["FunctionName"] = name,
            ["Runtime"] = "provided.al2023",
            ["Role"] = Role,
            ["Handler"] = handler,
            ["Timeout"] = timeout,
            ["Code"] = new JsonObject { ["ZipFile"] = Convert.ToBase64String(zip) },
        };
        using var response = await gateway.Client.PostAsync("/2015-03-31/functions", Json(body)).WithTimeout();
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"CreateFunction {name}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    public static async Task<JsonNode> UpdateFunctionCodeAsync(this GatewayProcess gateway, string name, byte[] zip)
    {
        var body = new JsonObject { ["ZipFile"] = Convert.ToBase64String(zip) };
        using var response = await gateway.Client.PutAsync($"/2015-03-31/functions/{name}/code", Json(body)).WithTimeout();
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"UpdateFunctionCode {name}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    public static async Task<JsonNode> GetFunctionConfigurationAsync(this GatewayProcess gateway, string name, string? qualifier = null)
    {
        var text = await gateway.Client.GetStringAsync($"/2015-03-31/functions/{name}/configuration" + (qualifier is null ? "" : "?Qualifier=" + qualifier)).WithTimeout();
        return JsonNode.Parse(text)!;
    }

    /// <summary>Polls until the function is Active and its last update Successful (what the CLI's waiters check).</summary>
    public static Task WaitUntilReadyAsync(this GatewayProcess gateway, string name) => Poll.UntilAsync(async () =>
    {
        var configuration = await gateway.GetFunctionConfigurationAsync(name);
        return configuration["State"]?.GetValue<string>() == "Active"
            && configuration["LastUpdateStatus"]?.GetValue<string>() is null or "Successful";
    }, $"{name} to be Active with its last update Successful");

    public static async Task<JsonNode> SendAsync(this GatewayProcess gateway, HttpMethod method, string path, JsonObject? body, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : Json(body) };
        using var response = await gateway.Client.SendAsync(request).WithTimeout();
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!;
    }

    /// <summary>As an SDK writes it: '+' in base64 as it is (the default encoder's \u002B would make a 48 MB zip's
    /// request larger than AWS's 70 MB limit).</summary>
    public static string ToWire(this JsonObject body) => body.ToJsonString(WireOptions);

    private static readonly System.Text.Json.JsonSerializerOptions WireOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static StringContent Json(JsonObject body) => new(body.ToWire(), Encoding.UTF8, "application/json");
}
