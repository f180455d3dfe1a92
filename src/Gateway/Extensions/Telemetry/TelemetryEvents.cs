using System.Buffers;
using System.Text.Json;
using Gateway.Logs;

namespace Gateway.Extensions.Telemetry;

/// <summary>One event as the subscribers get it: <c>{"time":…,"type":…,"record":…}</c>, made once for all of them.</summary>
internal readonly record struct TelemetryEvent(TelemetryEventKind Kind, TelemetryCategories Category, byte[] Json);

/// <summary>
/// The events this gateway makes that are not also log lines (those come from <see cref="JsonPlatformLines"/>, whose
/// shapes are the Telemetry API's: telemetry-schema-reference.html). Time is UTC to the millisecond, as Lambda writes it.
/// </summary>
internal static class TelemetryEvents
{
    /// <summary>A line the function (or an extension) wrote: the record is the line as a string, or, in LoggingConfig's
    /// JSON format, the line's own object when it is one (as Lambda structures JSON logs).</summary>
    public static byte[] Line(DateTimeOffset time, string type, ReadOnlySpan<byte> line, bool jsonFormat)
    {
        var (buffer, json) = Begin(time, type, line.Length);
        if (jsonFormat && IsJsonObject(line))
        {
            json.WritePropertyName("record");
            json.WriteRawValue(line, skipInputValidation: true);
        }
        else if (System.Text.Unicode.Utf8.IsValid(line))
        {
            json.WriteString("record", line);
        }
        else
        {
            json.WriteString("record", System.Text.Encoding.UTF8.GetString(line)); // invalid bytes as U+FFFD
        }
        return End(buffer, json);
    }

    /// <summary>platform.telemetrySubscription (Telemetry API) or platform.logsSubscription (Logs API):
    /// <c>{"name":…,"state":"Subscribed","types":[…]}</c>, the types as the extension asked for them.</summary>
    public static byte[] Subscription(DateTimeOffset time, SubscriptionApi api, string name, string[] types)
    {
        var (buffer, json) = Begin(time, api == SubscriptionApi.Telemetry ? "platform.telemetrySubscription" : "platform.logsSubscription");
        json.WriteStartObject("record");
        json.WriteString("name", name);
        json.WriteString("state", "Subscribed");
        json.WriteStartArray("types");
        foreach (var t in types)
        {
            json.WriteStringValue(t);
        }
        json.WriteEndArray();
        json.WriteEndObject();
        return End(buffer, json);
    }

    /// <summary>platform.initRuntimeDone: the runtime finished its init (its first /next), or failed it.</summary>
    public static byte[] InitRuntimeDone(DateTimeOffset time, bool provisioned, string status, string? errorType)
    {
        var (buffer, json) = Begin(time, "platform.initRuntimeDone");
        json.WriteStartObject("record");
        json.WriteString("initializationType", provisioned ? "provisioned-concurrency" : "on-demand");
        json.WriteString("phase", "init");
        json.WriteString("status", status);
        if (errorType is not null)
        {
            json.WriteString("errorType", errorType);
        }
        json.WriteEndObject();
        return End(buffer, json);
    }

    /// <summary>The Logs API's platform.end: <c>{"requestId":…}</c>, before platform.report.</summary>
    public static byte[] PlatformEnd(DateTimeOffset time, string requestId)
    {
        var (buffer, json) = Begin(time, "platform.end");
        json.WriteStartObject("record");
        json.WriteString("requestId", requestId);
        json.WriteEndObject();
        return End(buffer, json);
    }

    /// <summary>platform.logsDropped: a subscriber too slow (or unreachable) for what was produced.</summary>
    public static byte[] LogsDropped(DateTimeOffset time, int records, long bytes, string reason)
    {
        var (buffer, json) = Begin(time, "platform.logsDropped");
        json.WriteStartObject("record");
        json.WriteNumber("droppedBytes", bytes);
        json.WriteNumber("droppedRecords", records);
        json.WriteString("reason", reason);
        json.WriteEndObject();
        return End(buffer, json);
    }

    private static readonly JsonWriterOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static (ArrayBufferWriter<byte>, Utf8JsonWriter) Begin(DateTimeOffset time, string type, int extra = 0)
    {
        var buffer = new ArrayBufferWriter<byte>(160 + extra);
        var json = new Utf8JsonWriter(buffer, Options);
        json.WriteStartObject();
        json.WriteString("time", time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteString("type", type);
        return (buffer, json);
    }

    private static byte[] End(ArrayBufferWriter<byte> buffer, Utf8JsonWriter json)
    {
        json.WriteEndObject();
        json.Dispose();
        return buffer.WrittenSpan.ToArray();
    }

    private static bool IsJsonObject(ReadOnlySpan<byte> line)
    {
        var trimmed = line.TrimStart(" \t"u8);
        if (trimmed.IsEmpty || trimmed[0] != (byte)'{')
        {
            return false;
        }
        try
        {
            var reader = new Utf8JsonReader(line);
            reader.Read();
            reader.Skip();
            return !reader.Read(); // nothing after the object
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
