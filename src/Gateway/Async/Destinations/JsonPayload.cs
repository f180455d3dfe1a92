using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Gateway.Async.Destinations;

/// <summary>
/// Embeds an event's request or response payload in a record: as JSON when the bytes are one valid JSON value
/// (checked with <see cref="Utf8JsonReader"/>, no DOM), otherwise as a JSON string. Empty bytes become <c>null</c>.
/// </summary>
/// <remarks>
/// Valid JSON is copied byte for byte, except that whitespace outside strings is dropped when the payload holds a
/// line break (a pretty-printed event): a record must stay on one line in a JSON-lines file. A payload that is not
/// valid UTF-8 is written as a string with U+FFFD for the bad bytes (AWS rejects such a request payload anyway).
/// </remarks>
internal static class JsonPayload
{
    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
        MaxDepth = 1000,
    };

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    public static void Write(Utf8JsonWriter writer, ReadOnlySpan<byte> payload)
    {
        if (payload.StartsWith(Utf8Bom))
        {
            payload = payload[3..]; // a byte-order mark is not part of the JSON value
        }
        if (payload.IsEmpty)
        {
            writer.WriteNullValue();
            return;
        }
        bool utf8 = Utf8.IsValid(payload);
        if (utf8 && IsOneJsonValue(payload))
        {
            if (payload.IndexOfAny((byte)'\n', (byte)'\r') < 0)
            {
                writer.WriteRawValue(payload, skipInputValidation: true);
            }
            else
            {
                WriteCompacted(writer, payload);
            }
            return;
        }
        if (utf8)
        {
            writer.WriteStringValue(payload); // escapes as it copies; no intermediate string
        }
        else
        {
            WriteLossy(writer, payload);
        }
    }

    /// <summary>True when <paramref name="utf8"/> is exactly one JSON value (whitespace around it allowed).</summary>
    public static bool IsOneJsonValue(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, isFinalBlock: true, new JsonReaderState(ReaderOptions));
        try
        {
            while (reader.Read())
            {
            }
            return reader.BytesConsumed > 0;
        }
        catch (JsonException)
        {
            // Utf8JsonReader has no Try API; this is the cold path of a destination delivery, not the invoke path.
            return false;
        }
    }

    private static void WriteCompacted(Utf8JsonWriter writer, ReadOnlySpan<byte> json)
    {
        byte[] rented = ArrayPool<byte>.Shared.Rent(json.Length);
        try
        {
            int length = Compact(json, rented);
            writer.WriteRawValue(rented.AsSpan(0, length), skipInputValidation: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Copies valid JSON without the whitespace between tokens (strings are copied as they are).</summary>
    internal static int Compact(ReadOnlySpan<byte> json, Span<byte> destination)
    {
        int written = 0;
        bool inString = false;
        bool escaped = false;
        foreach (byte b in json)
        {
            if (inString)
            {
                if (escaped)
                {
                    escaped = false;
                }
                else if (b == (byte)'\\')
                {
                    escaped = true;
                }
                else if (b == (byte)'"')
                {
                    inString = false;
                }
            }
            else if (b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
            {
                continue;
            }
            else if (b == (byte)'"')
            {
                inString = true;
            }
            destination[written++] = b;
        }
        return written;
    }

    private static void WriteLossy(Utf8JsonWriter writer, ReadOnlySpan<byte> bytes)
    {
        char[] rented = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(bytes.Length));
        try
        {
            int count = Encoding.UTF8.GetChars(bytes, rented); // Encoding.UTF8 replaces invalid bytes with U+FFFD
            writer.WriteStringValue(rented.AsSpan(0, count));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }
}
