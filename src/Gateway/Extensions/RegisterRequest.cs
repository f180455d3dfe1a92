using System.Text.Json;

namespace Gateway.Extensions;

/// <summary>
/// The body of <c>POST /2020-01-01/extension/register</c>: <c>{"events": ["INVOKE", "SHUTDOWN"]}</c>. Read with a
/// <see cref="Utf8JsonReader"/> (no reflection): an extension sends a few bytes once per environment.
/// </summary>
/// <remarks>
/// As RAPID parses it (rapi/handler/agentregister.go, Go's json.Unmarshal): an empty body is not JSON ("unexpected end
/// of JSON input"), <c>events</c> may be absent, null or empty (registered for nothing), unknown members are ignored,
/// and a non-empty <c>configurationKeys</c> is refused.
/// </remarks>
internal readonly record struct RegisterRequest(IReadOnlyList<string> Events, string? Error)
{
    public static RegisterRequest Parse(ReadOnlySpan<byte> body)
    {
        if (body.Trim(" \t\r\n"u8).IsEmpty)
        {
            return Invalid("unexpected end of JSON input");
        }
        var events = new List<string>();
        try
        {
            var reader = new Utf8JsonReader(body);
            if (reader.Read() && reader.TokenType == JsonTokenType.Null)
            {
                return new RegisterRequest(events, null); // Go: null leaves the struct as it was (no events)
            }
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return Invalid("json: cannot unmarshal " + GoKind(reader.TokenType) + " into Go value of type handler.registerRequest");
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isEvents = reader.ValueTextEquals("events"u8);
                bool isKeys = reader.ValueTextEquals("configurationKeys"u8);
                reader.Read();
                if (isEvents && reader.TokenType == JsonTokenType.StartArray)
                {
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType != JsonTokenType.String)
                        {
                            return Invalid("json: cannot unmarshal " + GoKind(reader.TokenType) + " into Go struct field registerRequest.events of type core.Event");
                        }
                        events.Add(reader.GetString()!);
                    }
                }
                else if (isEvents && reader.TokenType != JsonTokenType.Null)
                {
                    return Invalid("json: cannot unmarshal " + GoKind(reader.TokenType) + " into Go struct field registerRequest.events of type []core.Event");
                }
                else if (isKeys && reader.TokenType == JsonTokenType.StartArray)
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.EndArray)
                    {
                        return Invalid("configurationKeys are deprecated; use environment variables instead");
                    }
                }
                else if (isKeys && reader.TokenType != JsonTokenType.Null)
                {
                    return Invalid("json: cannot unmarshal " + GoKind(reader.TokenType) + " into Go struct field registerRequest.configurationKeys of type []string");
                }
                else
                {
                    reader.Skip();
                }
            }
            while (reader.Read())
            {
                // The rest must be well-formed too (trailing garbage is an error, as Unmarshal says).
            }
        }
        catch (JsonException ex)
        {
            return Invalid("invalid JSON: " + ex.Message);
        }
        return new RegisterRequest(events, null);
    }

    private static RegisterRequest Invalid(string message) => new([], message);

    private static string GoKind(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "array",
        JsonTokenType.StartObject => "object",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "bool",
        _ => "value",
    };
}
