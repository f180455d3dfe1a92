using System.Text;
using Gateway.Runtime.Http;

namespace Gateway.Runtime.Tests.Http;

public class RequestHeadWriterTests
{
    [Fact]
    public void Appends_pieces_in_order_without_gaps()
    {
        Span<byte> scratch = stackalloc byte[256];
        var writer = new RequestHeadWriter(scratch);

        writer.Append("POST /2018-06-01/runtime/invocation/"u8);
        writer.AppendAscii("8476a536-e9f4-11e8-9739-2dfe598c3fcd");
        writer.Append("/response HTTP/1.1\r\nContent-Length: "u8);
        writer.AppendInt(6_291_556);
        writer.Append("\r\n\r\n"u8);

        Assert.Equal(
            "POST /2018-06-01/runtime/invocation/8476a536-e9f4-11e8-9739-2dfe598c3fcd/response HTTP/1.1\r\nContent-Length: 6291556\r\n\r\n",
            Encoding.ASCII.GetString(writer.Written));
    }

    [Fact]
    public void Starts_empty()
    {
        var writer = new RequestHeadWriter(new byte[16]);

        Assert.True(writer.Written.IsEmpty);
    }

    [Theory]
    [InlineData(0, "0")]
    [InlineData(7, "7")]
    [InlineData(int.MaxValue, "2147483647")]
    public void Writes_integers_in_invariant_digits(int value, string expected)
    {
        var writer = new RequestHeadWriter(new byte[16]);

        writer.AppendInt(value);

        Assert.Equal(expected, Encoding.ASCII.GetString(writer.Written));
    }

    [Theory]
    [InlineData("Runtime.HandlerNotFound", "Runtime.HandlerNotFound")]
    [InlineData("Evil\r\nX-Injected: 1", "Evil??X-Injected: 1")]
    [InlineData("Tab\there", "Tab?here")]
    [InlineData("Ünïcode", "?n?code")]
    [InlineData("Del\u007f", "Del?")]
    [InlineData("", "")]
    public void Header_values_keep_printable_ASCII_only(string value, string expected)
    {
        var writer = new RequestHeadWriter(new byte[64]);
        writer.Append("X: "u8);

        writer.AppendHeaderValue(value);

        Assert.Equal("X: " + expected, Encoding.ASCII.GetString(writer.Written));
        Assert.Equal(3 + value.Length, writer.Written.Length); // one byte per char: the caller's size bound holds
    }

    [Fact]
    public void Running_out_of_room_is_a_bug_that_throws()
    {
        var scratch = new byte[4];

        Assert.ThrowsAny<ArgumentException>(() =>
        {
            var writer = new RequestHeadWriter(scratch);
            writer.Append("12345"u8);
        });
    }

    [Fact]
    public void A_header_value_built_as_a_string_follows_the_same_rule()
    {
        var writer = new RequestHeadWriter(new byte[64]);
        const string type = "My.Custom\r\nX-Injected: 1é";
        writer.AppendHeaderValue(type);

        Assert.Equal("My.Custom??X-Injected: 1?", RequestHeadWriter.ToHeaderValue(type));
        Assert.Equal(Encoding.ASCII.GetString(writer.Written), RequestHeadWriter.ToHeaderValue(type));
    }
}
