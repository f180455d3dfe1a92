using System.IO.Pipelines;
using System.Text;
using Gateway.RuntimeApi;
using Gateway.UnitTests.Support;

namespace Gateway.UnitTests.Streaming;

public sealed class StreamedBodyReaderTests
{
    private static readonly RuntimeRequestHead Chunked = new() { ContentLength = -1, Chunked = true };

    private static async Task<(StreamedBody Body, List<string> Pieces)> ReadAsync(string wire, RuntimeRequestHead head, long limit = 1000)
    {
        var pipe = new Pipe(new PipeOptions(useSynchronizationContext: false));
        await pipe.Writer.WriteAsync(Encoding.ASCII.GetBytes(wire)).WithTimeout();
        await pipe.Writer.CompleteAsync().WithTimeout();
        var pieces = new List<string>();
        var body = await StreamedBodyReader.ReadAsync(pipe.Reader, head, limit, chunk =>
        {
            pieces.Add(Encoding.ASCII.GetString(chunk));
            return ValueTask.CompletedTask;
        }).AsTask().WithTimeout();
        return (body, pieces);
    }

    [Fact]
    public async Task Each_chunk_is_forwarded_and_a_plain_end_has_no_error()
    {
        var (body, pieces) = await ReadAsync("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", Chunked);
        Assert.Equal(BodyStatus.Complete, body.Status);
        Assert.Equal("hello world", string.Concat(pieces));
        Assert.Equal(11, body.Length);
        Assert.Null(body.ErrorType);
    }

    [Fact]
    public async Task Error_trailers_are_read()
    {
        var (body, pieces) = await ReadAsync(
            "7\r\npartial\r\n0\r\nLambda-Runtime-Function-Error-Type: TypeError\r\nlambda-runtime-function-error-body: e30=\r\n\r\n", Chunked);
        Assert.Equal(BodyStatus.Complete, body.Status);
        Assert.Equal("partial", string.Concat(pieces));
        Assert.Equal("TypeError", body.ErrorType);
        Assert.Equal("e30=", body.ErrorBodyBase64);
    }

    [Fact]
    public async Task A_body_over_the_limit_stops_before_the_chunk_that_crosses_it()
    {
        var (body, pieces) = await ReadAsync("4\r\nabcd\r\n4\r\nefgh\r\n0\r\n\r\n", Chunked, limit: 6);
        Assert.Equal(BodyStatus.TooLarge, body.Status);
        Assert.Equal("abcd", string.Concat(pieces));
    }

    [Fact]
    public async Task A_body_cut_off_mid_chunk_is_truncated()
    {
        var (body, _) = await ReadAsync("a\r\nabc", Chunked);
        Assert.Equal(BodyStatus.Truncated, body.Status);
    }

    [Fact]
    public async Task A_Content_Length_body_is_forwarded_too()
    {
        var (body, pieces) = await ReadAsync("hello", new RuntimeRequestHead { ContentLength = 5 });
        Assert.Equal(BodyStatus.Complete, body.Status);
        Assert.Equal("hello", string.Concat(pieces));
    }
}
