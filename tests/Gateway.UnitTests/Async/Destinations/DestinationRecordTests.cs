using System.Text;
using System.Text.Json;
using Gateway.Async;
using Gateway.Async.Destinations;
using static Gateway.UnitTests.Async.Destinations.Outcomes;

namespace Gateway.UnitTests.Async.Destinations;

public class DestinationRecordTests
{
    private static string Record(AsyncOutcome outcome)
    {
        using var buffer = new PooledBufferWriter(16); // small start: growth is exercised too
        DestinationRecord.Write(buffer, outcome);
        var text = Encoding.UTF8.GetString(buffer.WrittenSpan);
        using var _ = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 1000 }); // always one valid JSON document…
        Assert.DoesNotContain('\n', text);      // …on one line
        return text;
    }

    [Fact]
    public void A_failed_event_is_AWSs_documented_example_member_for_member()
    {
        // Lambda developer guide, "Example invocation record" (an event that failed three attempts), compact.
        const string expected =
            """{"version":"1.0","timestamp":"2019-11-14T18:16:05.568Z","requestContext":{"requestId":"e4b46cbf-b738-xmpl-8880-a18cdf61200e","functionArn":"arn:aws:lambda:us-east-2:123456789012:function:my-function:$LATEST","condition":"RetriesExhausted","approximateInvokeCount":3},"requestPayload":{"ORDER_IDS":["9e07af03-ce31-4ff3-xmpl-36dce652cb4f","637de236-e7b2-464e-xmpl-baf57f86bb53"]},"responseContext":{"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"},"responsePayload":{"errorMessage":"RequestId: e4b46cbf-b738-xmpl-8880-a18cdf61200e Process exited before completing request"}}""";
        Assert.Equal(expected, Record(RetriesExhausted()));
    }

    [Fact]
    public void A_success_record_has_no_functionError()
    {
        const string expected =
            """{"version":"1.0","timestamp":"2019-11-14T18:16:05.568Z","requestContext":{"requestId":"e4b46cbf-b738-xmpl-8880-a18cdf61200e","functionArn":"arn:aws:lambda:us-east-2:123456789012:function:my-function:$LATEST","condition":"Success","approximateInvokeCount":1},"requestPayload":{"key":"value"},"responseContext":{"statusCode":200,"executedVersion":"$LATEST"},"responsePayload":{"ok":true}}""";
        Assert.Equal(expected, Record(Success()));
    }

    [Fact]
    public void An_event_that_never_ran_has_no_response_context_or_payload()
    {
        const string expected =
            """{"version":"1.0","timestamp":"2019-11-14T18:16:05.568Z","requestContext":{"requestId":"e4b46cbf-b738-xmpl-8880-a18cdf61200e","functionArn":"arn:aws:lambda:us-east-2:123456789012:function:my-function:$LATEST","condition":"EventAgeExceeded","approximateInvokeCount":0},"requestPayload":{"key":"value"}}""";
        Assert.Equal(expected, Record(NeverRan()));
    }

    [Fact]
    public void An_event_that_aged_out_after_attempts_carries_the_last_response()
    {
        var outcome = RetriesExhausted() with { Condition = OutcomeCondition.EventAgeExceeded, ApproximateInvokeCount = 2 };
        var text = Record(outcome);
        Assert.Contains(""","condition":"EventAgeExceeded","approximateInvokeCount":2},""", text);
        Assert.Contains(""","responseContext":{"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"},"responsePayload":{"errorMessage":""", text);
    }

    [Theory]
    [InlineData("hello world", "\"hello world\"")]                          // plain text → a JSON string
    [InlineData("{\"a\":1} trailing", "\"{\\\"a\\\":1} trailing\"")]         // not ONE JSON value → a string
    [InlineData("{\"a\":1,}", "\"{\\\"a\\\":1,}\"")]                          // trailing comma is not JSON
    [InlineData("line1\nline2", "\"line1\\nline2\"")]                         // escaped: the record stays on one line
    [InlineData("héllo <b>&'+", "\"héllo <b>&'+\"")]                          // no needless \u escapes
    [InlineData("", "null")]                                                  // nothing → null
    [InlineData("42", "42")]
    [InlineData("\"text\"", "\"text\"")]
    [InlineData("null", "null")]
    [InlineData("{\"a\": [1, 2]}", "{\"a\": [1, 2]}")]                        // valid JSON on one line: byte for byte
    [InlineData("{\n  \"a\": [1, 2],\n  \"s\": \"x y\\n\"\n}\n", "{\"a\":[1,2],\"s\":\"x y\\n\"}")] // pretty → compact
    public void Payloads_are_embedded_as_JSON_when_valid_else_as_strings(string payload, string embedded)
    {
        var text = Record(Success(response: payload));
        Assert.EndsWith(",\"responsePayload\":" + embedded + "}", text);
    }

    [Fact]
    public void A_byte_order_mark_is_not_part_of_the_payload()
    {
        var outcome = Success() with { RequestPayload = (byte[])[0xEF, 0xBB, 0xBF, .. "{\"a\":1}"u8] };
        Assert.Contains(""","requestPayload":{"a":1},""", Record(outcome));
    }

    [Fact]
    public void Bytes_that_are_not_UTF8_become_a_string_with_replacement_characters()
    {
        var outcome = Success() with { ResponsePayload = (byte[])[(byte)'o', (byte)'k', 0xFF, 0xFE] };
        Assert.EndsWith(""","responsePayload":"ok��"}""", Record(outcome));
    }

    [Fact]
    public void The_executed_version_is_the_ARNs_qualifier()
    {
        var outcome = Success() with { FunctionArn = "arn:aws:lambda:us-east-1:000000000000:function:echo:7" };
        Assert.Contains("\"executedVersion\":\"7\"", Record(outcome));
        outcome = Success() with { FunctionArn = "arn:aws:lambda:us-east-1:000000000000:function:echo" };
        Assert.Contains("\"executedVersion\":\"$LATEST\"", Record(outcome));
    }

    [Fact]
    public void The_timestamp_is_UTC_with_milliseconds_and_Z()
    {
        var outcome = Success() with { Timestamp = new DateTimeOffset(2026, 1, 2, 5, 4, 5, 7, TimeSpan.FromHours(2)) };
        Assert.StartsWith("""{"version":"1.0","timestamp":"2026-01-02T03:04:05.007Z",""", Record(outcome));
    }

    [Fact]
    public void Deeply_nested_and_large_payloads_are_embedded_whole()
    {
        string nested = new string('[', 500) + new string(']', 500);
        var big = "{\"pad\":\"" + new string('x', 2_000_000) + "\"}";
        var text = Record(Success(request: nested, response: big));
        Assert.Contains("\"requestPayload\":" + nested + ",", text);
        Assert.EndsWith("\"responsePayload\":" + big + "}", text);
    }
}
