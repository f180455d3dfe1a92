using System.Text;
using System.Text.Json;
using Gateway.Environments;
using Gateway.Invocations;

namespace Gateway.UnitTests;

public class PlatformErrorTests
{
    private static string Write(string errorType, string? message, bool typeFirst = true)
    {
        var payload = new PooledPayload();
        try
        {
            PlatformError.Write(payload, errorType, message, typeFirst);
            return Encoding.UTF8.GetString(payload.ToArray());
        }
        finally
        {
            payload.Reset();
        }
    }

    [Fact]
    public void Type_first_by_default()
    {
        Assert.Equal(
            "{\"errorType\":\"Sandbox.Timedout\",\"errorMessage\":\"RequestId: 8476a536-e9f4-11e8-9739-2dfe598c3fcd Error: Task timed out after 3.00 seconds\"}",
            Write("Sandbox.Timedout", "RequestId: 8476a536-e9f4-11e8-9739-2dfe598c3fcd Error: Task timed out after 3.00 seconds"));
    }

    [Fact]
    public void Message_first_when_asked()
    {
        Assert.Equal(
            "{\"errorMessage\":\"Response payload size exceeded maximum allowed payload size (6291556 bytes).\",\"errorType\":\"Function.ResponseSizeTooLarge\"}",
            Write("Function.ResponseSizeTooLarge", "Response payload size exceeded maximum allowed payload size (6291556 bytes).", typeFirst: false));
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("", true)]
    [InlineData(null, false)]
    [InlineData("", false)]
    public void Missing_message_is_left_out(string? message, bool typeFirst)
    {
        Assert.Equal("{\"errorType\":\"Runtime.ExitError\"}", Write("Runtime.ExitError", message, typeFirst));
    }

    [Fact]
    public void Text_is_escaped_only_where_json_requires()
    {
        var json = Write("Runtime.ExitError", "exit \"3\" <fatal> & ünïcode\\path\n");
        Assert.Equal("{\"errorType\":\"Runtime.ExitError\",\"errorMessage\":\"exit \\\"3\\\" <fatal> & ünïcode\\\\path\\n\"}", json);
        using var document = JsonDocument.Parse(json);
        Assert.Equal("exit \"3\" <fatal> & ünïcode\\path\n", document.RootElement.GetProperty("errorMessage").GetString());
    }

    [Fact]
    public void Appends_to_what_the_payload_already_holds()
    {
        var payload = new PooledPayload();
        try
        {
            payload.Write("x"u8);
            PlatformError.Write(payload, "Runtime.Unknown", null);
            Assert.Equal("x{\"errorType\":\"Runtime.Unknown\"}", Encoding.UTF8.GetString(payload.ToArray()));
        }
        finally
        {
            payload.Reset();
        }
    }
}
