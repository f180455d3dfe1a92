using System.Buffers;
using System.Text;
using System.Text.Json;
using Gateway.Invocations;

namespace Gateway.Invoke;

/// <summary>The X-Amz-* request headers of Invoke, parsed and validated as AWS validates them.</summary>
internal static class InvokeRequestHeaders
{
    /// <summary>The largest X-Amz-Client-Context AWS documents: 3,583 bytes of base64.</summary>
    public const int MaxClientContextLength = 3583;

    public const string ClientContextError = "Client context must be a valid Base64-encoded JSON object.";

    public static bool TryParseInvocationType(string? value, out InvocationType type, out string? error)
    {
        error = null;
        switch (value)
        {
            case null or "" or "RequestResponse":
                type = InvocationType.RequestResponse;
                return true;
            case "Event":
                type = InvocationType.Event;
                return true;
            case "DryRun":
                type = InvocationType.DryRun;
                return true;
            default:
                type = default;
                error = $"1 validation error detected: Value '{value}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]";
                return false;
        }
    }

    public static bool TryParseLogType(string? value, out bool tail, out string? error)
    {
        error = null;
        tail = value == "Tail";
        if (value is null or "" or "None" or "Tail")
        {
            return true;
        }
        error = $"1 validation error detected: Value '{value}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [Tail, None]";
        return false;
    }

    /// <summary>Decodes X-Amz-Client-Context; the runtime receives the decoded JSON (Lambda-Runtime-Client-Context).</summary>
    public static bool TryDecodeClientContext(string? value, out string? json)
    {
        json = null;
        if (string.IsNullOrEmpty(value))
        {
            return true;
        }
        if (value.Length > MaxClientContextLength)
        {
            return false;
        }
        var bytes = ArrayPool<byte>.Shared.Rent(value.Length);
        try
        {
            if (!Convert.TryFromBase64String(value, bytes, out int length) || !IsJsonObject(bytes.AsSpan(0, length)))
            {
                return false;
            }
            json = Encoding.UTF8.GetString(bytes, 0, length);
            // A header value cannot carry line breaks; JSON does not need them.
            if (json.Contains('\r') || json.Contains('\n'))
            {
                json = json.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal);
            }
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static bool IsJsonObject(ReadOnlySpan<byte> utf8)
    {
        if (!System.Text.Unicode.Utf8.IsValid(utf8))
        {
            return false;
        }
        try
        {
            var reader = new Utf8JsonReader(utf8);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }
            reader.Skip();
            return !reader.Read(); // nothing after the object
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
