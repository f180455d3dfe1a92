using System.Text.Json;

namespace Gateway.Extensions.Telemetry;

/// <summary>Which of the two subscription APIs a request came through: the Telemetry API (<c>PUT /2022-07-01/telemetry</c>)
/// or its predecessor, the Logs API (<c>PUT /2020-08-15/logs</c>). They share a body shape and delivery, and differ in
/// the events they carry and in the prefix of their error types.</summary>
internal enum SubscriptionApi
{
    Telemetry,
    Logs,
}

/// <summary>
/// The body of a subscription: <c>{"schemaVersion":"2022-12-13","types":["platform","function"],
/// "buffering":{"maxItems":1000,"maxBytes":262144,"timeoutMs":100},"destination":{"protocol":"HTTP","URI":"http://sandbox.localdomain:4243"}}</c>,
/// validated as AWS does (the Telemetry API reference's limits; the schema AWS's runtime interface emulator checks:
/// telemetry-subscription-schema.json). A refusal is 400 <c>ValidationError</c> (<c>Logs.ValidationError</c> for the Logs API).
/// </summary>
internal sealed class SubscribeRequest
{
    /// <summary>The buffering limits (telemetry-api.html, "Configuring memory usage and buffering"): minimum, maximum
    /// and the default an omitted (or 0) member takes.</summary>
    public const int MaxItemsMin = 1000, MaxItemsMax = 10_000, MaxItemsDefault = 10_000;
    public const int MaxBytesMin = 262_144, MaxBytesMax = 1_048_576, MaxBytesDefault = 262_144;
    public const int TimeoutMsMin = 25, TimeoutMsMax = 30_000, TimeoutMsDefault = 1000;

    private static readonly string[] TelemetrySchemas = ["2022-07-01", "2022-12-13", "2025-01-29"];
    private static readonly string[] LogsSchemas = ["2020-08-15", "2021-03-18"];

    public string SchemaVersion { get; private set; } = "";
    public TelemetryCategories Types { get; private set; }
    /// <summary>The types as the request named them, in its order (the subscription event repeats them).</summary>
    public string[] TypeNames { get; private set; } = [];
    public int MaxItems { get; private set; } = MaxItemsDefault;
    public int MaxBytes { get; private set; } = MaxBytesDefault;
    public int TimeoutMs { get; private set; } = TimeoutMsDefault;
    /// <summary>HTTP: the destination URI as given (its host is sandbox.localdomain or sandbox).</summary>
    public Uri? Uri { get; private set; }
    /// <summary>TCP: the port on the environment's own address.</summary>
    public int Port { get; private set; }
    public bool Tcp { get; private set; }

    /// <summary>The request, or the reason it is refused (the message of a 400).</summary>
    public static (SubscribeRequest? Request, string? Error) Parse(ReadOnlySpan<byte> body, SubscriptionApi api)
    {
        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            return Read(document.RootElement, api);
        }
        catch (JsonException ex)
        {
            return (null, "failed to parse JSON: " + ex.Message);
        }
    }

    private static (SubscribeRequest?, string?) Read(JsonElement root, SubscriptionApi api)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return (null, "schema validation error: the request body must be an object");
        }
        var request = new SubscribeRequest();
        var problems = new List<string>();

        if (root.TryGetProperty("schemaVersion", out var schema) && schema.ValueKind != JsonValueKind.Null)
        {
            var allowed = api == SubscriptionApi.Telemetry ? TelemetrySchemas : LogsSchemas;
            if (schema.ValueKind != JsonValueKind.String || Array.IndexOf(allowed, schema.GetString()) < 0)
            {
                problems.Add("schemaVersion must be one of " + string.Join(", ", allowed));
            }
            else
            {
                request.SchemaVersion = schema.GetString()!;
            }
        }
        else if (api == SubscriptionApi.Telemetry)
        {
            problems.Add("schemaVersion is required"); // the Logs API's is optional: 2020-08-15 then
        }
        else
        {
            request.SchemaVersion = "2020-08-15";
        }

        ReadTypes(root, request, problems);
        ReadBuffering(root, request, problems);
        ReadDestination(root, request, problems);
        return problems.Count == 0 ? (request, null) : (null, string.Join("; ", problems));
    }

    private static void ReadTypes(JsonElement root, SubscribeRequest request, List<string> problems)
    {
        if (!root.TryGetProperty("types", out var types) || types.ValueKind != JsonValueKind.Array || types.GetArrayLength() == 0)
        {
            problems.Add("types should not be empty");
            return;
        }
        var names = new List<string>();
        foreach (var type in types.EnumerateArray())
        {
            var category = type.ValueKind == JsonValueKind.String ? TelemetryCategoriesText.Parse(type.GetString()) : TelemetryCategories.None;
            if (category == TelemetryCategories.None)
            {
                problems.Add($"types: {type.GetRawText()} is not one of platform, function, extension");
                return;
            }
            request.Types |= category;
            names.Add(type.GetString()!);
        }
        request.TypeNames = [.. names];
    }

    private static void ReadBuffering(JsonElement root, SubscribeRequest request, List<string> problems)
    {
        if (!root.TryGetProperty("buffering", out var buffering) || buffering.ValueKind == JsonValueKind.Null)
        {
            return;
        }
        if (buffering.ValueKind != JsonValueKind.Object)
        {
            problems.Add("buffering must be an object");
            return;
        }
        request.MaxItems = Limit(buffering, "maxItems", MaxItemsMin, MaxItemsMax, MaxItemsDefault, problems);
        request.MaxBytes = Limit(buffering, "maxBytes", MaxBytesMin, MaxBytesMax, MaxBytesDefault, problems);
        request.TimeoutMs = Limit(buffering, "timeoutMs", TimeoutMsMin, TimeoutMsMax, TimeoutMsDefault, problems);
    }

    private static int Limit(JsonElement buffering, string name, int min, int max, int fallback, List<string> problems)
    {
        if (!buffering.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int number) || (number != 0 && (number < min || number > max)))
        {
            problems.Add($"buffering.{name} must be an integer from {min} to {max}");
            return fallback;
        }
        return number == 0 ? fallback : number;
    }

    private static void ReadDestination(JsonElement root, SubscribeRequest request, List<string> problems)
    {
        if (!root.TryGetProperty("destination", out var destination) || destination.ValueKind != JsonValueKind.Object)
        {
            problems.Add("destination is required");
            return;
        }
        string? protocol = destination.TryGetProperty("protocol", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        if (protocol == "TCP")
        {
            if (!destination.TryGetProperty("port", out var port) || !port.TryGetInt32(out int number) || number is < 1 or > 65535)
            {
                problems.Add("destination.port must be a port number (1-65535)");
                return;
            }
            request.Tcp = true;
            request.Port = number;
            return;
        }
        if (protocol != "HTTP")
        {
            problems.Add($"unknown protocol: {protocol}. Only TCP and HTTP are supported");
            return;
        }
        string? text = destination.TryGetProperty("URI", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
        if (string.IsNullOrEmpty(text) || !Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
        {
            problems.Add("destination.URI must be an http:// URI");
            return;
        }
        // The destination is inside the execution environment: AWS accepts only these two names for it.
        if (!uri.Host.Equals("sandbox.localdomain", StringComparison.OrdinalIgnoreCase) && !uri.Host.Equals("sandbox", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add("Invalid destination: destination.URI host must be sandbox.localdomain");
            return;
        }
        if (uri.IsDefaultPort && !text.Contains(":" + uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal))
        {
            problems.Add("URI port is not provided");
            return;
        }
        request.Uri = uri;
        request.Port = uri.Port;
    }
}
