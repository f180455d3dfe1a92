using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.Runtime;

/// <summary>
/// Writes the error document a runtime posts to <c>/error</c> and <c>/init/error</c>, as AWS's .NET runtime client
/// (Amazon.Lambda.RuntimeSupport's LambdaJsonExceptionWriter) writes it: <c>errorType</c>, <c>errorMessage</c> (left out
/// when the message is null), <c>stackTrace</c> (left out when there is none), then <c>cause</c> for the inner exception
/// and <c>causes</c> for an AggregateException's inner exceptions, each the same shape. Lambda hands this body to the
/// caller verbatim, so it is what a user sees when their function throws.
/// </summary>
/// <remarks>
/// The document is capped below 256 KB as RuntimeSupport caps it: a cause that does not fit in the room left is replaced
/// by <c>{"errorMessage":"Exception exceeded maximum payload size of 256KB."}</c>, a causes list ends with that object, and a
/// document that still does not fit is that object alone (the errorType header still names the type). So a huge exception
/// message reaches the caller as that message rather than as Function.ResponseSizeTooLarge with the real error gone.
/// </remarks>
internal sealed class ErrorBody
{
    /// <summary>LambdaJsonExceptionWriter.MAX_PAYLOAD_SIZE: a document must be smaller than this many bytes.</summary>
    public const int MaxBytes = 256 * 1024;

    /// <summary>Deeper causes are left out: far beyond any real exception chain, and well inside the writer's depth limit.</summary>
    private const int MaxCauseDepth = 200;

    // Relaxed escaping: the document is JSON for API clients, not HTML, and type names such as
    // "List`1" or "Outer+Inner" should read as they are rather than as \u0060 and \u002B.
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static ReadOnlySpan<byte> Truncated => """{"errorMessage":"Exception exceeded maximum payload size of 256KB."}"""u8;

    // One writer for the process, re-pointed at the response buffer each time (errors are rare, but
    // there is no reason for them to allocate a writer each).
    private Utf8JsonWriter? _writer;

    /// <summary>The errorType reported for an exception: a <see cref="LambdaException"/> names its own;
    /// anything else is reported by its type name, as AWS's .NET runtime does.</summary>
    public static string ErrorTypeOf(Exception exception) =>
        exception is LambdaException lambda ? lambda.ErrorType : exception.GetType().Name;

    public void Write(ResponseBuffer destination, string errorType, Exception exception)
    {
        destination.Clear(); // whatever the handler wrote before it threw is not part of the error
        Utf8JsonWriter writer = _writer ??= new Utf8JsonWriter(destination, Options);
        writer.Reset(destination);
        WriteException(writer, exception, errorType, depth: 0, room: int.MaxValue);
        writer.Flush();
        if (destination.WrittenCount < MaxBytes)
        {
            return; // nearly always: written once, straight into the buffer
        }

        // Too big: write it again piece by piece, measuring what each cause leaves room for.
        byte[] capped = Render(exception, errorType, depth: 0, MaxBytes);
        destination.Clear();
        destination.Write(capped.Length < MaxBytes ? capped : Truncated);
    }

    /// <summary>One exception's object, each cause rendered on its own and kept only if it fits the room that is left
    /// (LambdaJsonExceptionWriter.AppendJson's rule).</summary>
    private static byte[] Render(Exception exception, string errorType, int depth, int room)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using var writer = new Utf8JsonWriter(buffer, Options);
        WriteException(writer, exception, errorType, depth, room, buffer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes the object. With <paramref name="measured"/> (the capped pass) every cause is rendered apart and
    /// replaced by <see cref="Truncated"/> when it does not fit in <paramref name="room"/> less what precedes it.</summary>
    private static void WriteException(Utf8JsonWriter writer, Exception exception, string errorType, int depth, int room,
        ArrayBufferWriter<byte>? measured = null)
    {
        writer.WriteStartObject();
        writer.WriteString("errorType"u8, TrimAsEscaped(errorType));
        if (exception.Message is { } message)
        {
            writer.WriteString("errorMessage"u8, TrimAsEscaped(message));
        }

        WriteStackTrace(writer, exception.StackTrace);

        if (depth < MaxCauseDepth)
        {
            if (exception.InnerException is { } inner)
            {
                writer.WritePropertyName("cause"u8);
                if (!WriteCause(writer, inner, depth, room, measured))
                {
                    writer.WriteRawValue(Truncated, skipInputValidation: true);
                }
            }

            if (exception is AggregateException { InnerExceptions.Count: > 0 } aggregate)
            {
                writer.WriteStartArray("causes"u8);
                foreach (Exception each in aggregate.InnerExceptions)
                {
                    if (!WriteCause(writer, each, depth, room, measured))
                    {
                        writer.WriteRawValue(Truncated, skipInputValidation: true);
                        break; // as RuntimeSupport: the list ends at the first that does not fit
                    }
                }

                writer.WriteEndArray();
            }
        }

        writer.WriteEndObject();
    }

    private static bool WriteCause(Utf8JsonWriter writer, Exception cause, int depth, int room, ArrayBufferWriter<byte>? measured)
    {
        string type = cause.GetType().Name;
        if (measured is null)
        {
            WriteException(writer, cause, type, depth + 1, room);
            return true;
        }

        writer.Flush();
        int left = room - measured.WrittenCount;
        if (left <= 0)
        {
            return false;
        }

        byte[] json = Render(cause, type, depth + 1, left);
        if (json.Length >= left)
        {
            return false;
        }

        writer.WriteRawValue(json, skipInputValidation: true);
        return true;
    }

    /// <summary>
    /// RuntimeSupport's trim: it escapes a string for JSON first and trims the result (JsonExceptionWriterHelpers), so the
    /// whitespace it drops is only what its escaping leaves as is; a control character (a trailing "\n", "\t") is escaped
    /// before the trim, stays, and stops it. So "bad input\n" keeps its newline and " a " loses its spaces.
    /// </summary>
    internal static string TrimAsEscaped(string value)
    {
        int start = 0;
        int end = value.Length;
        while (start < end && TrimmedAfterEscaping(value[start]))
        {
            start++;
        }

        while (end > start && TrimmedAfterEscaping(value[end - 1]))
        {
            end--;
        }

        return start == 0 && end == value.Length ? value : value[start..end];
    }

    private static bool TrimmedAfterEscaping(char c) => c >= ' ' && char.IsWhiteSpace(c);

    /// <summary>The exception's stack trace, one trimmed frame per element; nothing when it was never thrown.</summary>
    private static void WriteStackTrace(Utf8JsonWriter writer, string? trace)
    {
        if (string.IsNullOrWhiteSpace(trace))
        {
            return;
        }

        writer.WriteStartArray("stackTrace"u8);
        foreach (string line in trace.Split('\n'))
        {
            string trimmed = line.Trim();
            if (trimmed.Length > 0)
            {
                writer.WriteStringValue(trimmed);
            }
        }

        writer.WriteEndArray();
    }
}
