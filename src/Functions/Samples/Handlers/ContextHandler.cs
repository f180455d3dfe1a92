using System.Buffers;
using System.Text.Json;
using Gateway.Runtime;

namespace Gateway.Samples.Handlers;

/// <summary>Test helper: the invocation context this function received, as JSON, plus the
/// <c>_X_AMZN_TRACE_ID</c> the runtime set for it — proof of what the gateway put on <c>/next</c>.</summary>
internal static class ContextHandler
{
    public static ValueTask Invoke(InvocationContext context, IBufferWriter<byte> response)
    {
        using var writer = new Utf8JsonWriter(response);
        writer.WriteStartObject();
        writer.WriteString("requestId", context.RequestId);
        writer.WriteNumber("deadlineMs", context.DeadlineMs);
        writer.WriteNumber("remainingMs", (long)context.RemainingTime.TotalMilliseconds);
        writer.WriteString("invokedFunctionArn", context.InvokedFunctionArn);
        writer.WriteString("traceId", context.TraceId);
        writer.WriteString("xAmznTraceId", Environment.GetEnvironmentVariable("_X_AMZN_TRACE_ID"));
        writer.WriteString("clientContext", context.ClientContext);
        writer.WriteString("cognitoIdentity", context.CognitoIdentity);
        writer.WriteNumber("payloadBytes", context.Payload.Length);
        writer.WriteEndObject();
        return ValueTask.CompletedTask;
    }
}
