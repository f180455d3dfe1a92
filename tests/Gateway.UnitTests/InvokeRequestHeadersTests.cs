using System.Text;
using Gateway.Invocations;
using Gateway.Invoke;

namespace Gateway.UnitTests;

public class InvokeRequestHeadersTests
{
    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    [Theory]
    [InlineData(null, "RequestResponse")]
    [InlineData("", "RequestResponse")]
    [InlineData("RequestResponse", "RequestResponse")]
    [InlineData("Event", "Event")]
    [InlineData("DryRun", "DryRun")]
    public void Invocation_type_accepted(string? value, string expected)
    {
        Assert.True(InvokeRequestHeaders.TryParseInvocationType(value, out var type, out var error));
        Assert.Equal(Enum.Parse<InvocationType>(expected), type);
        Assert.Null(error);
    }

    [Theory]
    [InlineData("event")]
    [InlineData("EVENT")]
    [InlineData("Async")]
    [InlineData(" Event")]
    [InlineData("RequestResponse ")]
    public void Invocation_type_refused_with_the_enum_message(string value)
    {
        Assert.False(InvokeRequestHeaders.TryParseInvocationType(value, out _, out var error));
        Assert.Equal(
            $"1 validation error detected: Value '{value}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]",
            error);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("None", false)]
    [InlineData("Tail", true)]
    public void Log_type_accepted(string? value, bool expectedTail)
    {
        Assert.True(InvokeRequestHeaders.TryParseLogType(value, out var tail, out var error));
        Assert.Equal(expectedTail, tail);
        Assert.Null(error);
    }

    [Theory]
    [InlineData("tail")]
    [InlineData("TAIL")]
    [InlineData("none")]
    [InlineData("Full")]
    public void Log_type_refused_with_the_enum_message(string value)
    {
        Assert.False(InvokeRequestHeaders.TryParseLogType(value, out var tail, out var error));
        Assert.False(tail);
        Assert.Equal(
            $"1 validation error detected: Value '{value}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [Tail, None]",
            error);
    }

    [Fact]
    public void Client_context_error_text()
    {
        Assert.Equal("Client context must be a valid Base64-encoded JSON object.", InvokeRequestHeaders.ClientContextError);
        Assert.Equal(3583, InvokeRequestHeaders.MaxClientContextLength);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Absent_client_context_is_fine_and_null(string? value)
    {
        Assert.True(InvokeRequestHeaders.TryDecodeClientContext(value, out var json));
        Assert.Null(json);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"custom\":{\"k\":\"v\"},\"env\":{\"locale\":\"en-US\"},\"client\":{\"app_title\":\"x\"}}")]
    [InlineData("{\"unicode\":\"żółw ☃\"}")]
    [InlineData("  {\"a\":1}  ")]
    public void Valid_client_context_is_decoded(string text)
    {
        Assert.True(InvokeRequestHeaders.TryDecodeClientContext(Base64(text), out var json));
        Assert.Equal(text, json);
    }

    [Fact]
    public void Line_breaks_are_removed_from_the_decoded_json()
    {
        Assert.True(InvokeRequestHeaders.TryDecodeClientContext(Base64("{\r\n  \"a\": 1,\n  \"b\": \"c\"\r\n}"), out var json));
        Assert.Equal("{  \"a\": 1,  \"b\": \"c\"}", json);
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("e30")]          // "{}" without padding
    [InlineData("e30=x")]
    [InlineData("%%%%")]
    public void Invalid_base64_is_refused(string value)
    {
        Assert.False(InvokeRequestHeaders.TryDecodeClientContext(value, out var json));
        Assert.Null(json);
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("[1,2,3]")]
    [InlineData("[{\"a\":1}]")]
    [InlineData("\"a string\"")]
    [InlineData("42")]
    [InlineData("null")]
    [InlineData("{\"a\":")]
    [InlineData("{\"a\":1}{\"b\":2}")]
    [InlineData("{\"a\":1} x")]
    [InlineData("{'a':1}")]
    [InlineData("")]
    public void Base64_of_something_other_than_one_json_object_is_refused(string text)
    {
        var value = text.Length == 0 ? "AA==" : Base64(text); // "AA==" is one zero byte
        Assert.False(InvokeRequestHeaders.TryDecodeClientContext(value, out var json));
        Assert.Null(json);
    }

    [Fact]
    public void Base64_of_invalid_utf8_is_refused()
    {
        var value = Convert.ToBase64String([(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}']);
        Assert.False(InvokeRequestHeaders.TryDecodeClientContext(value, out _));
    }

    /// <summary>A JSON object whose base64 is exactly <paramref name="base64Length"/> characters (a multiple of 4).</summary>
    private static string ClientContextOfLength(int base64Length)
    {
        int bytes = base64Length / 4 * 3;
        var text = "{\"k\":\"" + new string('x', bytes - 8) + "\"}";
        var value = Base64(text);
        Assert.Equal(base64Length, value.Length);
        return value;
    }

    [Fact]
    public void Client_context_up_to_the_limit_is_accepted()
    {
        var value = ClientContextOfLength(3580);
        Assert.True(InvokeRequestHeaders.TryDecodeClientContext(value, out var json));
        Assert.Equal(2685, json!.Length);

        // 3,583 characters exactly: base64 is padded to multiples of 4, so the last three are ignorable whitespace.
        Assert.True(InvokeRequestHeaders.TryDecodeClientContext(value + "   ", out _));
    }

    [Fact]
    public void Client_context_over_the_limit_is_refused_even_when_valid()
    {
        var value = ClientContextOfLength(3584);
        Assert.True(Convert.TryFromBase64String(value, new byte[4000], out _));
        Assert.False(InvokeRequestHeaders.TryDecodeClientContext(value, out var json));
        Assert.Null(json);
        Assert.False(InvokeRequestHeaders.TryDecodeClientContext(ClientContextOfLength(3580) + "    ", out _));
    }
}
