using System.Buffers;
using System.Text.Json;

namespace Gateway.Async.Destinations;

/// <summary>
/// Writes the invocation record Lambda sends to an on-success or on-failure destination, with AWS's member names
/// and order (Lambda developer guide, "Capturing records of Lambda asynchronous invocations"):
/// <code>
/// {"version":"1.0","timestamp":"2019-11-14T18:16:05.568Z",
///  "requestContext":{"requestId":"…","functionArn":"arn:aws:lambda:…:function:my-function:$LATEST",
///                    "condition":"RetriesExhausted","approximateInvokeCount":3},
///  "requestPayload":{…},
///  "responseContext":{"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"},
///  "responsePayload":{…}}
/// </code>
/// </summary>
/// <remarks>
/// <c>functionError</c> is present only when the last attempt failed (AWS's success records have none).
/// When the function never ran (<see cref="AsyncOutcome.StatusCode"/> null: the event aged out while throttled),
/// <c>responseContext</c> and <c>responsePayload</c> are left out — there was no response. AWS documents no example
/// of that case; records AWS produced for EventAgeExceeded after attempts carry the last attempt's response, which
/// is what the outcome holds then.
/// </remarks>
internal static class DestinationRecord
{
    public static void Write(IBufferWriter<byte> output, in AsyncOutcome outcome)
    {
        using var writer = new Utf8JsonWriter(output, RecordJson.WriterOptions);
        writer.WriteStartObject();
        writer.WriteString("version"u8, "1.0"u8);
        RecordJson.WriteTimestamp(writer, "timestamp"u8, outcome.Timestamp);

        writer.WriteStartObject("requestContext"u8);
        writer.WriteString("requestId"u8, outcome.RequestId);
        writer.WriteString("functionArn"u8, outcome.FunctionArn);
        writer.WriteString("condition"u8, ConditionName(outcome.Condition));
        writer.WriteNumber("approximateInvokeCount"u8, outcome.ApproximateInvokeCount);
        writer.WriteEndObject();

        writer.WritePropertyName("requestPayload"u8);
        JsonPayload.Write(writer, outcome.RequestPayload.Span);

        if (outcome.StatusCode is int statusCode)
        {
            writer.WriteStartObject("responseContext"u8);
            writer.WriteNumber("statusCode"u8, statusCode);
            writer.WriteString("executedVersion"u8, ExecutedVersion(outcome.FunctionArn));
            if (outcome.FunctionError is { } functionError)
            {
                writer.WriteString("functionError"u8, functionError);
            }
            writer.WriteEndObject();

            writer.WritePropertyName("responsePayload"u8);
            JsonPayload.Write(writer, outcome.ResponsePayload.Span);
        }
        writer.WriteEndObject();
        writer.Flush();
    }

    private static ReadOnlySpan<byte> ConditionName(OutcomeCondition condition) => condition switch
    {
        OutcomeCondition.Success => "Success"u8,
        OutcomeCondition.RetriesExhausted => "RetriesExhausted"u8,
        OutcomeCondition.EventAgeExceeded => "EventAgeExceeded"u8,
        OutcomeCondition.ZeroReservedConcurrency => "ZeroReservedConcurrency"u8,
        _ => throw new ArgumentOutOfRangeException(nameof(condition), condition, null),
    };

    /// <summary>The qualifier of a qualified function ARN (<c>…:function:name:$LATEST</c>), else <c>$LATEST</c>.</summary>
    internal static ReadOnlySpan<char> ExecutedVersion(string functionArn)
    {
        // arn:partition:lambda:region:account:function:name[:qualifier]
        ReadOnlySpan<char> rest = functionArn;
        for (int i = 0; i < 7; i++)
        {
            int colon = rest.IndexOf(':');
            if (colon < 0)
            {
                return Functions.FunctionVersions.Latest;
            }
            rest = rest[(colon + 1)..];
        }
        return rest.IsEmpty ? Functions.FunctionVersions.Latest : rest;
    }
}
