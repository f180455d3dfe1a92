using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.Async.Destinations;

/// <summary>What destination records and dead-letter messages share: writer options and the timestamp format.</summary>
internal static class RecordJson
{
    /// <summary>
    /// Compact, and no \u escapes for non-ASCII or for <c>&lt; &gt; &amp; ' +</c> (the default encoder's HTML-safe
    /// escaping): the records are JSON documents for queues and functions, never embedded in HTML.
    /// </summary>
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>AWS's record timestamp: UTC, millisecond precision, <c>Z</c> — <c>2019-11-14T18:16:05.568Z</c>.</summary>
    public static void WriteTimestamp(Utf8JsonWriter writer, ReadOnlySpan<byte> propertyName, DateTimeOffset timestamp)
    {
        Span<byte> text = stackalloc byte[32];
        if (!timestamp.UtcDateTime.TryFormat(text, out int length, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("timestamp did not fit");
        }
        writer.WriteString(propertyName, text[..length]);
    }
}
