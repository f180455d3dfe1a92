using System.Text.Json;
using Gateway.Invoke;

namespace Gateway.Fuzz.Targets;

/// <summary>
/// The Invoke request headers: line 1 X-Amz-Invocation-Type, line 2 X-Amz-Log-Type, the rest X-Amz-Client-Context.
/// When the first byte is '#', the rest (after the '#') is base64-encoded here first, so the fuzzer reaches the JSON
/// object check behind the base64 decoding instead of spending its time on invalid base64. Refusal: false returns.
/// </summary>
internal static class InvokeHeadersTarget
{
    public static void Run(byte[] data)
    {
        if (data.Length > 0 && data[0] == (byte)'#')
        {
            CheckClientContext(Convert.ToBase64String(data, 1, data.Length - 1));
            return;
        }
        var (typeLine, afterType) = Input.SplitLine(data);
        var (logLine, context) = Input.SplitLine(afterType);
        string type = Input.HeaderValue(typeLine.Span);
        bool typeOk = InvokeRequestHeaders.TryParseInvocationType(type, out _, out var typeError);
        FuzzInvariantException.Check(typeOk == (typeError is null), "invocation type: result and error disagree");
        bool logOk = InvokeRequestHeaders.TryParseLogType(Input.HeaderValue(logLine.Span), out _, out var logError);
        FuzzInvariantException.Check(logOk == (logError is null), "log type: result and error disagree");
        CheckClientContext(Input.HeaderValue(context.Span));
    }

    private static void CheckClientContext(string header)
    {
        if (InvokeRequestHeaders.TryDecodeClientContext(header, out var json) && json is not null)
        {
            // It goes to the runtime as a header value (Lambda-Runtime-Client-Context) and must be a JSON object.
            FuzzInvariantException.Check(!json.Contains('\r') && !json.Contains('\n'), "client context keeps a line break");
            using var document = JsonDocument.Parse(json);
            FuzzInvariantException.Check(document.RootElement.ValueKind == JsonValueKind.Object, "client context is not a JSON object");
        }
    }
}
