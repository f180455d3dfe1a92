using System.Text;

namespace Gateway.Runtime.Tests;

public class ResponseBufferTests
{
    [Fact]
    public void Starts_empty_and_counts_what_is_advanced()
    {
        var buffer = new ResponseBuffer();
        Assert.Equal(0, buffer.WrittenCount);

        Write(buffer, "hello");
        Write(buffer, " world");

        Assert.Equal(11, buffer.WrittenCount);
        Assert.Equal("hello world", Encoding.ASCII.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void The_head_lands_right_against_the_body_in_one_span()
    {
        var buffer = new ResponseBuffer();
        Write(buffer, "{\"ok\":true}");

        var request = buffer.PrependHead("POST /x HTTP/1.1\r\nContent-Length: 11\r\n\r\n"u8);

        Assert.Equal("POST /x HTTP/1.1\r\nContent-Length: 11\r\n\r\n{\"ok\":true}", Encoding.ASCII.GetString(request));
        Assert.Equal(11, buffer.WrittenCount); // the head is not part of the body
    }

    [Fact]
    public void A_pipelined_request_follows_the_body_without_changing_it()
    {
        var buffer = new ResponseBuffer();
        Write(buffer, "body");

        var request = buffer.PrependHead("HEAD\r\n\r\n"u8, "GET /next\r\n\r\n"u8);

        Assert.Equal("HEAD\r\n\r\nbodyGET /next\r\n\r\n", Encoding.ASCII.GetString(request));
        Assert.Equal("body", Encoding.ASCII.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void An_empty_body_is_just_the_head()
    {
        var buffer = new ResponseBuffer();

        Assert.Equal("H", Encoding.ASCII.GetString(buffer.PrependHead("H"u8)));
    }

    [Fact]
    public void Growing_keeps_the_body_and_the_head_room()
    {
        var buffer = new ResponseBuffer();
        var data = new byte[300_000];
        new Random(7).NextBytes(data);
        for (int offset = 0; offset < data.Length; offset += 1000)
        {
            var span = buffer.GetSpan(1000);
            Assert.True(span.Length >= 1000);
            data.AsSpan(offset, 1000).CopyTo(span);
            buffer.Advance(1000);
        }

        var request = buffer.PrependHead(new byte[ResponseBuffer.HeadRoom]);

        Assert.Equal(data, buffer.WrittenSpan.ToArray());
        Assert.Equal(ResponseBuffer.HeadRoom + data.Length, request.Length);
    }

    [Fact]
    public void GetMemory_honours_its_size_hint_and_always_gives_room()
    {
        var buffer = new ResponseBuffer();

        Assert.True(buffer.GetMemory(100_000).Length >= 100_000);
        Assert.True(buffer.GetMemory().Length >= 1);
        Assert.True(buffer.GetSpan(0).Length >= 1);
    }

    [Fact]
    public void Clear_forgets_the_body()
    {
        var buffer = new ResponseBuffer();
        Write(buffer, "first response");

        buffer.Clear();
        Write(buffer, "2nd");

        Assert.Equal("2nd", Encoding.ASCII.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void Advancing_past_the_memory_handed_out_throws()
    {
        var buffer = new ResponseBuffer();
        int available = buffer.GetSpan().Length;

        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Advance(available + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Advance(-1));
        Assert.Equal(0, buffer.WrittenCount);
    }

    [Fact]
    public void A_head_larger_than_the_head_room_throws()
    {
        var buffer = new ResponseBuffer();

        Assert.Throws<InvalidOperationException>(() => buffer.PrependHead(new byte[ResponseBuffer.HeadRoom + 1]));
    }

    private static void Write(ResponseBuffer buffer, string text)
    {
        int n = Encoding.ASCII.GetBytes(text, buffer.GetSpan(text.Length));
        buffer.Advance(n);
    }
}
