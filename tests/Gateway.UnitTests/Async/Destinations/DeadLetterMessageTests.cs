using System.Text;
using System.Text.Json;
using Gateway.Async;
using Gateway.Async.Destinations;
using static Gateway.UnitTests.Async.Destinations.Outcomes;

namespace Gateway.UnitTests.Async.Destinations;

public class DeadLetterMessageTests
{
    private static string Message(AsyncOutcome outcome)
    {
        using var buffer = new PooledBufferWriter();
        DeadLetterMessage.Write(buffer, outcome);
        var text = Encoding.UTF8.GetString(buffer.WrittenSpan);
        using var _ = JsonDocument.Parse(text);
        Assert.DoesNotContain('\n', text);
        return text;
    }

    [Fact]
    public void The_body_is_the_event_as_is_with_AWSs_three_attributes()
    {
        var outcome = RetriesExhausted() with { ErrorMessage = "Test exception (this is intentional)" };
        const string expected =
            """{"body":{"ORDER_IDS":["9e07af03-ce31-4ff3-xmpl-36dce652cb4f","637de236-e7b2-464e-xmpl-baf57f86bb53"]},"messageAttributes":{"RequestID":{"stringValue":"e4b46cbf-b738-xmpl-8880-a18cdf61200e","dataType":"String"},"ErrorCode":{"stringValue":"200","dataType":"Number"},"ErrorMessage":{"stringValue":"Test exception (this is intentional)","dataType":"String"}}}""";
        Assert.Equal(expected, Message(outcome));
    }

    [Fact]
    public void An_event_that_never_ran_reports_the_throttle_429()
    {
        var text = Message(NeverRan() with { ErrorType = "EventAgeExceeded", ErrorMessage = null });
        Assert.Contains("""},"ErrorCode":{"stringValue":"429","dataType":"Number"}""", text);
        Assert.Contains("""},"ErrorMessage":{"stringValue":"EventAgeExceeded","dataType":"String"}""", text);
    }

    [Fact]
    public void A_body_that_is_not_JSON_is_a_string()
    {
        var text = Message(RetriesExhausted() with { RequestPayload = Utf8("plain text") });
        Assert.StartsWith("""{"body":"plain text","messageAttributes":""", text);
    }

    [Fact]
    public void The_error_message_is_cut_to_its_first_KB_on_a_character_boundary()
    {
        // 1,023 ASCII bytes then a 2-byte 'é': the 'é' would straddle byte 1,024, so it is left out whole.
        var message = new string('a', 1023) + "é" + new string('b', 5000);
        using var doc = JsonDocument.Parse(Message(RetriesExhausted() with { ErrorMessage = message }));
        var cut = doc.RootElement.GetProperty("messageAttributes").GetProperty("ErrorMessage").GetProperty("stringValue").GetString()!;
        Assert.Equal(new string('a', 1023), cut);

        var exact = new string('c', 1022) + "é" + "tail";
        using var doc2 = JsonDocument.Parse(Message(RetriesExhausted() with { ErrorMessage = exact }));
        cut = doc2.RootElement.GetProperty("messageAttributes").GetProperty("ErrorMessage").GetProperty("stringValue").GetString()!;
        Assert.Equal(new string('c', 1022) + "é", cut);
        Assert.Equal(1024, Encoding.UTF8.GetByteCount(cut));
    }

    [Theory]
    [InlineData(new byte[] { 0x61, 0x62 }, 5, 2)]
    [InlineData(new byte[] { 0x61, 0xC3, 0xA9 }, 2, 1)]             // 'é' would be cut in half
    [InlineData(new byte[] { 0xF0, 0x9F, 0x98, 0x80, 0x61 }, 3, 0)] // a 4-byte emoji
    [InlineData(new byte[] { 0xF0, 0x9F, 0x98, 0x80, 0x61 }, 4, 4)]
    public void Utf8_prefixes_end_on_character_boundaries(byte[] utf8, int maximum, int expected)
    {
        Assert.Equal(expected, DeadLetterMessage.Utf8Prefix(utf8, maximum));
    }
}
