using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.Runtime;

/// <summary>How the runtime's own log records are written (AWS_LAMBDA_HANDLER_LOG_FORMAT, else AWS_LAMBDA_LOG_FORMAT).</summary>
internal enum LogFormat
{
    /// <summary><c>&lt;time&gt;\t&lt;request id&gt;\tfail\t&lt;text&gt;</c> (Text, or no variable).</summary>
    Default,

    /// <summary>The text alone, without the prefix.</summary>
    Unformatted,

    /// <summary>One JSON object per record.</summary>
    Json,
}

/// <summary>
/// The runtime's log records (its unhandled-exception line, and its own complaints) in the shapes AWS's .NET runtime
/// client, Amazon.Lambda.RuntimeSupport, writes them: DefaultLogMessageFormatter's
/// <c>2021-12-10T08:20:59.274Z\t{request id}\tfail\t{exception.ToString()}</c> (recorded in aws-lambda-dotnet PR #1016),
/// or with <c>AWS_LAMBDA_LOG_FORMAT=JSON</c> JsonLogMessageFormatter's object with <c>"level":"Error"</c> (PR #1737), so
/// Lambda's ApplicationLogLevel filter keeps it at ERROR, where a plain line would count as INFO and be dropped.
/// </summary>
/// <remarks>
/// A text record is one line: its own newlines (an exception's inner exceptions and stack) are written as CR, as AWS's
/// Node.js and Python clients write a multi-line record on stdout when they have no telemetry log descriptor, so the
/// record stays one log event; the gateway turns those CRs back into LFs wherever it shows a record of this shape.
/// RuntimeSupport instead writes frames to <c>_LAMBDA_TELEMETRY_LOG_FD</c> when it exists, which this client does not use.
/// </remarks>
internal static class LogRecord
{
    /// <summary>AbstractLogMessageFormatter.DateFormat.</summary>
    private const string TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";

    // The label DefaultLogMessageFormatter gives LogLevel.Error (Microsoft's console logger's), and the name
    // JsonLogMessageFormatter writes for it.
    private const string TextErrorLabel = "fail";
    private const string JsonErrorLevel = "Error";

    // Relaxed escaping, as in ErrorBody: the record is read by people and log tools, not embedded in HTML.
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The format RuntimeSupport's WrapperTextWriter would choose: its own variable first, then Lambda's.</summary>
    public static LogFormat FormatFrom(Func<string, string?> environment)
    {
        string? value = environment("AWS_LAMBDA_HANDLER_LOG_FORMAT");
        if (string.IsNullOrEmpty(value))
        {
            value = environment("AWS_LAMBDA_LOG_FORMAT");
        }

        return value switch
        {
            _ when string.Equals(value, "JSON", StringComparison.OrdinalIgnoreCase) => LogFormat.Json,
            _ when string.Equals(value, "Unformatted", StringComparison.OrdinalIgnoreCase) => LogFormat.Unformatted,
            _ => LogFormat.Default,
        };
    }

    /// <summary>One Error-level record: <paramref name="message"/>, <paramref name="exception"/> or both (message first).</summary>
    public static string Format(LogFormat format, DateTime utcNow, string? requestId, string? traceId, string? message, Exception? exception) =>
        format == LogFormat.Json
            ? Json(utcNow, requestId, traceId, message, exception)
            : Text(format, utcNow, requestId, message, exception);

    private static string Text(LogFormat format, DateTime utcNow, string? requestId, string? message, Exception? exception)
    {
        var text = new StringBuilder(64 + (message?.Length ?? 0));
        if (format == LogFormat.Default)
        {
            text.Append(utcNow.ToString(TimestampFormat, CultureInfo.InvariantCulture)).Append('\t')
                .Append(requestId).Append('\t')
                .Append(TextErrorLabel).Append('\t');
        }

        text.Append(message);
        if (exception is not null)
        {
            if (!string.IsNullOrEmpty(message))
            {
                text.Append('\n');
            }

            text.Append(exception.ToString());
        }

        if (format == LogFormat.Default)
        {
            // One line, so one event (see the remarks); the gateway shows the CRs as the LFs they were.
            text.Replace("\r\n", "\r").Replace('\n', '\r');
        }

        return text.ToString();
    }

    private static string Json(DateTime utcNow, string? requestId, string? traceId, string? message, Exception? exception)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, JsonOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("timestamp"u8, utcNow.ToString(TimestampFormat, CultureInfo.InvariantCulture));
            writer.WriteString("level"u8, JsonErrorLevel);
            if (!string.IsNullOrEmpty(requestId))
            {
                writer.WriteString("requestId"u8, requestId);
            }

            if (!string.IsNullOrEmpty(traceId))
            {
                writer.WriteString("traceId"u8, traceId);
            }

            writer.WriteString("message"u8, message ?? string.Empty);
            if (exception is not null)
            {
                // JsonLogMessageFormatter.WriteException: the full type name, the message, and ToString() (so the
                // inner exceptions too) one trimmed line per element.
                writer.WriteString("errorType"u8, exception.GetType().FullName);
                writer.WriteString("errorMessage"u8, exception.Message);
                writer.WriteStartArray("stackTrace"u8);
                foreach (string line in exception.ToString().Split('\n'))
                {
                    writer.WriteStringValue(line.Trim());
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
