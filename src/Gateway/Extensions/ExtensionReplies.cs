using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Gateway.Extensions;

/// <summary>
/// The Extensions API's answers (<c>/2020-01-01/extension/…</c>), as AWS's runtime (RAPID, published as the runtime
/// interface emulator) writes them: every refusal is 403 with <c>{"errorMessage":…,"errorType":…}</c>
/// (rapi/rendering/render_error.go), an accepted error report is 202 <c>{"status":"OK"}</c>, and an event is 200
/// with its JSON document.
/// </summary>
internal static class ExtensionReplies
{
    public static readonly byte[] Accepted = Build(202, "Accepted", """{"status":"OK"}"""u8, extraHeaders: null);

    /// <summary>The gateway's own launcher (see <see cref="ExternalExtensions"/>) is answered with an empty 200.</summary>
    public static readonly byte[] LauncherOk = Build(200, "OK", "{}"u8, extraHeaders: null);

    /// <summary>The Telemetry and Logs APIs' success: 200 with <c>"OK"</c>, quotes included (telemetry-api-reference).</summary>
    public static readonly byte[] Subscribed = Build(200, "OK", "\"OK\""u8, extraHeaders: null);

    public static byte[] Forbidden(string errorType, string message) => Error(403, "Forbidden", errorType, message);

    /// <summary>An error in RAPID's shape: <c>{"errorMessage":…,"errorType":…}</c>.</summary>
    public static byte[] Error(int status, string reason, string errorType, string message)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("errorMessage", message);
            json.WriteString("errorType", errorType);
            json.WriteEndObject();
        }
        return Build(status, reason, buffer.WrittenSpan, extraHeaders: null);
    }

    /// <summary>200 to /register: <c>Lambda-Extension-Identifier</c> and the function's name, version and handler
    /// (accountId first, only when the extension asked for it with <c>Lambda-Extension-Accept-Feature: accountId</c>).</summary>
    public static byte[] Registered(string identifier, string functionName, string functionVersion, string handler, string? accountId)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (accountId is not null)
            {
                json.WriteString("accountId", accountId);
            }
            json.WriteString("functionName", functionName);
            json.WriteString("functionVersion", functionVersion);
            json.WriteString("handler", handler);
            json.WriteEndObject();
        }
        return Build(200, "OK", buffer.WrittenSpan, "Lambda-Extension-Identifier: " + identifier + "\r\n");
    }

    /// <summary>An INVOKE event (rapi/model/agentevent.go's member order); <c>tracing</c> only with a trace header.</summary>
    public static byte[] InvokeEvent(long deadlineMs, string requestId, string invokedFunctionArn, string? traceId)
    {
        var buffer = new ArrayBufferWriter<byte>(384);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("eventType", "INVOKE");
            json.WriteNumber("deadlineMs", deadlineMs);
            json.WriteString("requestId", requestId);
            json.WriteString("invokedFunctionArn", invokedFunctionArn);
            if (!string.IsNullOrEmpty(traceId))
            {
                json.WriteStartObject("tracing");
                json.WriteString("type", "X-Amzn-Trace-Id");
                json.WriteString("value", traceId);
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        return Event(buffer.WrittenSpan);
    }

    /// <summary>A SHUTDOWN event: <c>shutdownReason</c> is <c>spindown</c>, <c>timeout</c> or <c>failure</c>, lower case on
    /// the wire (the documentation's prose writes them in capitals), and deadlineMs a number of epoch milliseconds.</summary>
    public static byte[] ShutdownEvent(long deadlineMs, string reason)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("eventType", "SHUTDOWN");
            json.WriteNumber("deadlineMs", deadlineMs);
            json.WriteString("shutdownReason", reason);
            json.WriteEndObject();
        }
        return Event(buffer.WrittenSpan);
    }

    private static byte[] Event(ReadOnlySpan<byte> body) =>
        Build(200, "OK", body, "Lambda-Extension-Event-Identifier: " + Guid.NewGuid().ToString("D") + "\r\n");

    private static byte[] Build(int status, string reason, ReadOnlySpan<byte> body, string? extraHeaders)
    {
        var head = $"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n{extraHeaders}Content-Length: {body.Length}\r\n\r\n";
        return [.. Encoding.ASCII.GetBytes(head), .. body];
    }
}
