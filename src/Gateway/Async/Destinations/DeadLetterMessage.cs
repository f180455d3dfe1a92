using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Gateway.Async.Destinations;

/// <summary>
/// Writes a dead-letter message as one JSON object — the local stand-in for the SQS message or SNS notification
/// Lambda sends to a function's <c>DeadLetterConfig.TargetArn</c>:
/// <code>
/// {"body":{…the event…},
///  "messageAttributes":{"RequestID":{"stringValue":"…","dataType":"String"},
///                       "ErrorCode":{"stringValue":"200","dataType":"Number"},
///                       "ErrorMessage":{"stringValue":"…","dataType":"String"}}}
/// </code>
/// </summary>
/// <remarks>
/// AWS sends "the event to the dead-letter queue as-is" with three message attributes: <c>RequestID</c> (String),
/// <c>ErrorCode</c> (Number, "the HTTP status code" — 200 for a function error, as AWS records show) and
/// <c>ErrorMessage</c> (String, "the first 1 KB of the error message"). The attribute objects have the member names
/// of an SQS record in a Lambda event (<c>stringValue</c>, <c>dataType</c>; SQS carries numbers as strings).
/// An event that never ran (aged out while throttled) has no status of its own; it gets 429, the throttle that kept it
/// from running.
/// </remarks>
internal static class DeadLetterMessage
{
    /// <summary>"The first 1 KB of the error message" (UTF-8 bytes, cut at a character boundary).</summary>
    public const int MaximumErrorMessageBytes = 1024;

    /// <summary>The status reported for an event that never reached the function.</summary>
    public const int NeverRanStatusCode = 429;

    public static void Write(IBufferWriter<byte> output, in AsyncOutcome outcome)
    {
        using var writer = new Utf8JsonWriter(output, RecordJson.WriterOptions);
        writer.WriteStartObject();
        writer.WritePropertyName("body"u8);
        JsonPayload.Write(writer, outcome.RequestPayload.Span);

        writer.WriteStartObject("messageAttributes"u8);

        writer.WriteStartObject("RequestID"u8);
        writer.WriteString("stringValue"u8, outcome.RequestId);
        writer.WriteString("dataType"u8, "String"u8);
        writer.WriteEndObject();

        writer.WriteStartObject("ErrorCode"u8);
        Span<byte> digits = stackalloc byte[11];
        (outcome.StatusCode ?? NeverRanStatusCode).TryFormat(digits, out int length);
        writer.WriteString("stringValue"u8, digits[..length]);
        writer.WriteString("dataType"u8, "Number"u8);
        writer.WriteEndObject();

        writer.WriteStartObject("ErrorMessage"u8);
        WriteTruncated(writer, "stringValue"u8, outcome.ErrorMessage ?? outcome.ErrorType ?? "");
        writer.WriteString("dataType"u8, "String"u8);
        writer.WriteEndObject();

        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.Flush();
    }

    private static void WriteTruncated(Utf8JsonWriter writer, ReadOnlySpan<byte> propertyName, string message)
    {
        if (Encoding.UTF8.GetMaxByteCount(message.Length) <= MaximumErrorMessageBytes
            || Encoding.UTF8.GetByteCount(message) <= MaximumErrorMessageBytes)
        {
            writer.WriteString(propertyName, message);
            return;
        }
        byte[] rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(message.Length));
        try
        {
            int length = Encoding.UTF8.GetBytes(message, rented);
            writer.WriteString(propertyName, rented.AsSpan(0, Utf8Prefix(rented.AsSpan(0, length), MaximumErrorMessageBytes)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The longest prefix of at most <paramref name="maximum"/> bytes that ends on a character boundary.</summary>
    internal static int Utf8Prefix(ReadOnlySpan<byte> utf8, int maximum)
    {
        if (utf8.Length <= maximum)
        {
            return utf8.Length;
        }
        int cut = maximum;
        while (cut > 0 && (utf8[cut] & 0xC0) == 0x80)
        {
            cut--; // utf8[cut] continues the character that starts before it: cut before that character
        }
        return cut;
    }
}
