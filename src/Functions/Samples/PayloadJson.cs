using System.Text.Json;

namespace Gateway.Samples;

/// <summary>Reads the one number a sample takes from its payload (<c>{"ms": 250}</c>) with a
/// <see cref="Utf8JsonReader"/> over the payload bytes: no document, no strings, no allocation.</summary>
internal static class PayloadJson
{
    /// <summary>The top-level integer property <paramref name="name"/>, or 0 when the payload is not a
    /// JSON object, lacks the property, or holds something that is not a non-negative int.</summary>
    public static int ReadNonNegativeInt(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> name)
    {
        var reader = new Utf8JsonReader(payload);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return 0;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool match = reader.ValueTextEquals(name);
                if (!reader.Read())
                {
                    return 0;
                }

                if (match)
                {
                    return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int value) && value > 0 ? value : 0;
                }

                reader.Skip(); // nested objects/arrays under other names
            }
        }
        catch (JsonException)
        {
            // Invalid JSON counts as "missing": the samples document that and fall back to 0.
        }

        return 0;
    }
}
