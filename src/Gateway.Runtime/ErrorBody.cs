using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.Runtime;

/// <summary>
/// Writes the error document a runtime posts to <c>/error</c> and <c>/init/error</c>:
/// <c>{"errorMessage":…,"errorType":…,"stackTrace":[…]}</c> (the Runtime API convention, LAMBDA.md §2).
/// Lambda hands this body to the caller verbatim, so it is what a user sees when their function throws.
/// </summary>
internal sealed class ErrorBody
{
    // Relaxed escaping: the document is JSON for API clients, not HTML, and type names such as
    // "List`1" or "Outer+Inner" should read as they are rather than as \u0060 and \u002B.
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

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

        writer.WriteStartObject();
        writer.WriteString("errorMessage"u8, exception.Message);
        writer.WriteString("errorType"u8, errorType);
        writer.WriteStartArray("stackTrace"u8);
        foreach (string line in StackTraceLines(exception))
        {
            writer.WriteStringValue(line);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.Flush();
    }

    /// <summary>The exception's stack trace, one trimmed frame per element (inner exceptions' frames
    /// follow, as <see cref="Exception.ToString"/> would show them).</summary>
    private static IEnumerable<string> StackTraceLines(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current != exception)
            {
                yield return $"--- inner {current.GetType().Name}: {current.Message}";
            }

            string? trace = current.StackTrace;
            if (trace is null)
            {
                continue;
            }

            foreach (string line in trace.Split('\n'))
            {
                string trimmed = line.Trim();
                if (trimmed.Length > 0)
                {
                    yield return trimmed;
                }
            }
        }
    }
}
