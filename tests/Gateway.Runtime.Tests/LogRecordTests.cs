using System.Text.Json;

namespace Gateway.Runtime.Tests;

/// <summary>The runtime's log records in Amazon.Lambda.RuntimeSupport's shapes (DefaultLogMessageFormatter,
/// JsonLogMessageFormatter).</summary>
public class LogRecordTests
{
    private const string RequestId = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";
    private static readonly DateTime Now = new(2026, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc);

    [Fact]
    public void A_text_record_is_time_request_id_fail_and_the_whole_exception_on_one_line()
    {
        var exception = Nested();

        string line = LogRecord.Format(LogFormat.Default, Now, RequestId, "Root=1-a", null, exception);

        Assert.StartsWith($"2026-01-02T03:04:05.678Z\t{RequestId}\tfail\tSystem.InvalidOperationException: outer\r ---> System.FormatException: inner\r", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', line); // one line, one event; the gateway shows the CRs as LFs
        Assert.Equal(exception.ToString().Replace('\n', '\r'), line[line.IndexOf("System.", StringComparison.Ordinal)..]);
    }

    [Fact]
    public void A_text_record_without_an_invocation_has_an_empty_request_id()
    {
        Assert.Equal("2026-01-02T03:04:05.678Z\t\tfail\tcannot connect", LogRecord.Format(LogFormat.Default, Now, null, null, "cannot connect", null));
        Assert.Equal($"2026-01-02T03:04:05.678Z\t{RequestId}\tfail\tPOST /error: 413", LogRecord.Format(LogFormat.Default, Now, RequestId, null, "POST /error: 413", null));
    }

    [Fact]
    public void Unformatted_is_the_text_alone_as_it_is()
    {
        var exception = Nested();

        Assert.Equal(exception.ToString(), LogRecord.Format(LogFormat.Unformatted, Now, RequestId, null, null, exception));
    }

    [Fact]
    public void A_JSON_record_is_JsonLogMessageFormatter_s_object_at_level_Error()
    {
        var exception = Nested();

        string line = LogRecord.Format(LogFormat.Json, Now, RequestId, "Root=1-abc;Sampled=0", null, exception);

        Assert.DoesNotContain('\n', line);
        var root = JsonDocument.Parse(line).RootElement;
        Assert.Equal(["timestamp", "level", "requestId", "traceId", "message", "errorType", "errorMessage", "stackTrace"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("2026-01-02T03:04:05.678Z", root.GetProperty("timestamp").GetString());
        Assert.Equal("Error", root.GetProperty("level").GetString());
        Assert.Equal(RequestId, root.GetProperty("requestId").GetString());
        Assert.Equal("Root=1-abc;Sampled=0", root.GetProperty("traceId").GetString());
        Assert.Equal("", root.GetProperty("message").GetString());
        Assert.Equal("System.InvalidOperationException", root.GetProperty("errorType").GetString());
        Assert.Equal("outer", root.GetProperty("errorMessage").GetString());
        var lines = root.GetProperty("stackTrace").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal("System.InvalidOperationException: outer", lines[0]);
        Assert.Equal("---> System.FormatException: inner", lines[1]); // ToString(), trimmed line by line
        Assert.Contains("--- End of inner exception stack trace ---", lines);
    }

    [Fact]
    public void A_JSON_record_leaves_out_a_missing_request_id_and_trace_id()
    {
        var root = JsonDocument.Parse(LogRecord.Format(LogFormat.Json, Now, null, null, "cannot connect", null)).RootElement;

        Assert.Equal(["timestamp", "level", "message"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("cannot connect", root.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData(null, null, "Default")]
    [InlineData(null, "Text", "Default")]
    [InlineData(null, "JSON", "Json")]
    [InlineData(null, "json", "Json")]
    [InlineData("Unformatted", "JSON", "Unformatted")] // RuntimeSupport's own variable wins
    [InlineData("", "JSON", "Json")]
    public void The_format_is_read_as_RuntimeSupport_reads_it(string? handlerFormat, string? lambdaFormat, string expected)
    {
        var variables = new Dictionary<string, string?> { ["AWS_LAMBDA_HANDLER_LOG_FORMAT"] = handlerFormat, ["AWS_LAMBDA_LOG_FORMAT"] = lambdaFormat };

        Assert.Equal(expected, LogRecord.FormatFrom(name => variables[name]).ToString());
    }

    private static Exception Nested()
    {
        try
        {
            try
            {
                throw new FormatException("inner");
            }
            catch (FormatException inner)
            {
                throw new InvalidOperationException("outer", inner);
            }
        }
        catch (InvalidOperationException outer)
        {
            return outer;
        }
    }
}
