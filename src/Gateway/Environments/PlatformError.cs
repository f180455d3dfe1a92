using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.Invocations;

namespace Gateway.Environments;

/// <summary>
/// Error documents the platform itself produces for a caller (timeouts, runtime exits, oversized responses):
/// <c>{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: … Error: Task timed out after 3.00 seconds"}</c>.
/// Members with no value are left out, as the emulator does.
/// </summary>
internal static class PlatformError
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <param name="typeFirst">AWS writes errorType first for platform errors, errorMessage first for Function.ResponseSizeTooLarge.</param>
    public static void Write(PooledPayload destination, string errorType, string? message, bool typeFirst = true)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writer.WriteStartObject();
            if (typeFirst)
            {
                writer.WriteString("errorType", errorType);
            }
            if (!string.IsNullOrEmpty(message))
            {
                writer.WriteString("errorMessage", message);
            }
            if (!typeFirst)
            {
                writer.WriteString("errorType", errorType);
            }
            writer.WriteEndObject();
        }
        destination.Write(buffer.WrittenSpan);
    }
}
