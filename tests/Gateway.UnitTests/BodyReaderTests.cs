using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Gateway.Invocations;
using Gateway.RuntimeApi;
using Gateway.UnitTests.Support;

namespace Gateway.UnitTests;

public class BodyReaderTests
{
    private const string Next = "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n\r\n";

    private static RuntimeRequestHead LengthHead(long length) => new() { ContentLength = length };

    private static RuntimeRequestHead ChunkedHead() => new() { ContentLength = -1, Chunked = true };

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private static async Task<PipeReader> FilledPipeAsync(byte[] data, bool complete = true)
    {
        var pipe = new Pipe(new PipeOptions(useSynchronizationContext: false));
        await pipe.Writer.WriteAsync(data).WithTimeout();
        if (complete)
        {
            await pipe.Writer.CompleteAsync().WithTimeout();
        }
        return pipe.Reader;
    }

    /// <summary>Everything still unread in <paramref name="reader"/> (whose writer has completed).</summary>
    private static async Task<string> RestAsync(PipeReader reader)
    {
        var result = await reader.ReadAtLeastAsync(int.MaxValue).WithTimeout(); // returns at completion
        var text = Encoding.ASCII.GetString(result.Buffer);
        reader.AdvanceTo(result.Buffer.End);
        return text;
    }

    private static async Task<(BodyStatus Status, string Body, string Remainder)> ReadAsync(string wire, RuntimeRequestHead head, int limit = 1000)
    {
        var reader = await FilledPipeAsync(Ascii(wire));
        var payload = new PooledPayload();
        try
        {
            var status = await BodyReader.ReadAsync(reader, head, payload, limit).WithTimeout();
            return (status, Encoding.ASCII.GetString(payload.ToArray()), await RestAsync(reader));
        }
        finally
        {
            payload.Reset();
        }
    }

    // ---- Content-Length ----

    [Fact]
    public async Task Content_length_body_is_read_exactly_and_the_next_request_is_left()
    {
        var (status, body, rest) = await ReadAsync("hello" + Next, LengthHead(5));
        Assert.Equal(BodyStatus.Complete, status);
        Assert.Equal("hello", body);
        Assert.Equal(Next, rest);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task No_body_reads_nothing(long length)
    {
        var (status, body, rest) = await ReadAsync(Next, LengthHead(length));
        Assert.Equal(BodyStatus.Complete, status);
        Assert.Equal("", body);
        Assert.Equal(Next, rest);
    }

    [Fact]
    public async Task Content_length_at_the_limit_is_read()
    {
        var data = new string('x', 1000);
        var (status, body, _) = await ReadAsync(data, LengthHead(1000), limit: 1000);
        Assert.Equal(BodyStatus.Complete, status);
        Assert.Equal(data, body);
    }

    [Fact]
    public async Task Content_length_over_the_limit_is_refused_before_any_byte_is_read()
    {
        var wire = new string('x', 1001);
        var (status, body, rest) = await ReadAsync(wire, LengthHead(1001), limit: 1000);
        Assert.Equal(BodyStatus.TooLarge, status);
        Assert.Equal("", body);
        Assert.Equal(wire, rest);
    }

    [Fact]
    public async Task Content_length_over_the_limit_does_not_wait_for_the_body()
    {
        var pipe = new Pipe(new PipeOptions(useSynchronizationContext: false)); // nothing will ever be written
        var status = await BodyReader.ReadAsync(pipe.Reader, LengthHead(long.MaxValue), new PooledPayload(), 6291556).WithTimeout();
        Assert.Equal(BodyStatus.TooLarge, status);
    }

    [Fact]
    public async Task Content_length_body_cut_short_is_truncated()
    {
        var (status, body, _) = await ReadAsync("hel", LengthHead(5));
        Assert.Equal(BodyStatus.Truncated, status);
        Assert.Equal("hel", body);
    }

    [Fact]
    public async Task Content_length_body_with_nothing_sent_is_truncated()
    {
        var (status, _, _) = await ReadAsync("", LengthHead(5));
        Assert.Equal(BodyStatus.Truncated, status);
    }

    [Fact]
    public async Task Content_length_body_trickled_one_byte_at_a_time()
    {
        var data = Enumerable.Range(0, 3000).Select(i => (byte)i).ToArray();
        var reader = new TricklePipeReader([.. data, .. Ascii(Next)]);
        var payload = new PooledPayload();
        try
        {
            var status = await BodyReader.ReadAsync(reader, LengthHead(data.Length), payload, 10_000).WithTimeout();
            Assert.Equal(BodyStatus.Complete, status);
            Assert.Equal(data, payload.ToArray());
            Assert.Equal(Ascii(Next), reader.Remaining());
        }
        finally
        {
            payload.Reset();
        }
    }

    [Fact]
    public async Task Content_length_body_from_a_pipe_written_in_pieces()
    {
        var data = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 13)).ToArray();
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4096, resumeWriterThreshold: 2048, useSynchronizationContext: false));
        var payload = new PooledPayload();
        try
        {
            var writing = Task.Run(async () =>
            {
                foreach (var piece in data.Chunk(777))
                {
                    await pipe.Writer.WriteAsync(piece);
                }
                await pipe.Writer.CompleteAsync();
            });
            var status = await BodyReader.ReadAsync(pipe.Reader, LengthHead(data.Length), payload, 200_000).WithTimeout();
            await writing.WithTimeout();
            Assert.Equal(BodyStatus.Complete, status);
            Assert.Equal(data, payload.ToArray());
        }
        finally
        {
            payload.Reset();
        }
    }

    // ---- chunked ----

    private const string Chunked = "5\r\nhello\r\n6;name=value\r\n world\r\n1;a;b=\"c\"\r\n!\r\n0\r\n\r\n";

    [Fact]
    public async Task Chunked_body_with_extensions()
    {
        var (status, body, rest) = await ReadAsync(Chunked + Next, ChunkedHead());
        Assert.Equal(BodyStatus.Complete, status);
        Assert.Equal("hello world!", body);
        Assert.Equal(Next, rest);
    }

    [Fact]
    public async Task Chunked_body_with_trailers()
    {
        var wire = "3\r\nabc\r\n0\r\nLambda-Runtime-Function-Error-Type: Runtime.StreamError\r\nLambda-Runtime-Function-Error-Body: e30=\r\n\r\n";
        var (status, body, rest) = await ReadAsync(wire + Next, ChunkedHead());
        Assert.Equal(BodyStatus.Complete, status);
        Assert.Equal("abc", body);
        Assert.Equal(Next, rest);
    }

    [Theory]
    [InlineData("0\r\n\r\n", "")]
    [InlineData("A\r\n0123456789\r\n0\r\n\r\n", "0123456789")]
    [InlineData("a\r\n0123456789\r\n0\r\n\r\n", "0123456789")]
    [InlineData("00000003\r\nxyz\r\n000\r\n\r\n", "xyz")]
    [InlineData("3 \r\nxyz\r\n0\r\n\r\n", "xyz")]
    [InlineData("1\r\n\n\r\n1\r\n\r\r\n0\r\n\r\n", "\n\r")]   // CR and LF inside chunk data are data
    public async Task Chunked_sizes_are_hex(string wire, string expected)
    {
        var (status, body, rest) = await ReadAsync(wire + Next, ChunkedHead());
        Assert.Equal(BodyStatus.Complete, status);
        Assert.Equal(expected, body);
        Assert.Equal(Next, rest);
    }

    [Theory]
    [InlineData("zz\r\nhello\r\n0\r\n\r\n")]            // not hex
    [InlineData("\r\nhello\r\n0\r\n\r\n")]              // empty size
    [InlineData("-5\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5\r\nhelloXX\r\n0\r\n\r\n")]           // data longer than its size
    [InlineData("5\r\nhello0\r\n\r\n")]                 // CRLF after data missing
    [InlineData("FFFFFFFFFFFFFFFF\r\nx\r\n0\r\n\r\n")]  // reads as -1 in 64 bits
    [InlineData("FFFFFFFFFFFFFFFFF\r\nx\r\n0\r\n\r\n")] // does not fit 64 bits
    public async Task Malformed_chunked_body_is_refused(string wire)
    {
        var (status, _, _) = await ReadAsync(wire, ChunkedHead());
        Assert.Equal(BodyStatus.Truncated, status);
    }

    [Fact]
    public async Task Chunk_size_line_over_1024_bytes_is_refused()
    {
        var (status, _, _) = await ReadAsync("5;" + new string('e', 1100) + "\r\nhello\r\n0\r\n\r\n", ChunkedHead());
        Assert.Equal(BodyStatus.Truncated, status);
    }

    [Fact]
    public async Task Chunk_size_line_over_1024_bytes_without_CRLF_is_refused_without_waiting()
    {
        var reader = await FilledPipeAsync(Ascii("5;" + new string('e', 2000)), complete: false);
        var status = await BodyReader.ReadAsync(reader, ChunkedHead(), new PooledPayload(), 1000).WithTimeout();
        Assert.Equal(BodyStatus.Truncated, status);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("5\r\nhel")]
    [InlineData("5\r\nhello")]
    [InlineData("5\r\nhello\r\n")]
    [InlineData("5\r\nhello\r\n0\r\nTrailer: x\r\n")]
    public async Task Chunked_body_cut_short_is_truncated(string wire)
    {
        var (status, _, _) = await ReadAsync(wire, ChunkedHead());
        Assert.Equal(BodyStatus.Truncated, status);
    }

    [Theory]
    [InlineData("5\r\n")]
    [InlineData("5\r\nhello\r\n0\r\n")]
    public async Task Chunked_body_cut_short_right_after_a_size_line_is_truncated(string wire)
    {
        var (status, _, _) = await ReadAsync(wire, ChunkedHead());
        Assert.Equal(BodyStatus.Truncated, status);
    }

    /// <summary>The shape a streaming runtime produces: each chunk's size line arrives (and is read) on its own.</summary>
    [Fact]
    public async Task Chunk_size_line_read_on_its_own_from_a_pipe()
    {
        var pipe = new Pipe(new PipeOptions(useSynchronizationContext: false));
        var payload = new PooledPayload();
        try
        {
            await pipe.Writer.WriteAsync(Ascii("5\r\n")).WithTimeout();
            var reading = BodyReader.ReadAsync(pipe.Reader, ChunkedHead(), payload, 1000).AsTask();
            await pipe.Writer.WriteAsync(Ascii("hello\r\n")).WithTimeout();
            await pipe.Writer.WriteAsync(Ascii("0\r\n\r\n")).WithTimeout();
            await pipe.Writer.CompleteAsync().WithTimeout();
            Assert.Equal(BodyStatus.Complete, await reading.WithTimeout());
            Assert.Equal("hello", Encoding.ASCII.GetString(payload.ToArray()));
        }
        finally
        {
            payload.Reset();
        }
    }

    [Theory]
    [InlineData(12, "Complete")]
    [InlineData(11, "TooLarge")]
    public async Task Chunked_total_is_checked_against_the_limit(int limit, string expected)
    {
        var (status, _, _) = await ReadAsync(Chunked, ChunkedHead(), limit);
        Assert.Equal(Enum.Parse<BodyStatus>(expected), status);
    }

    [Fact]
    public async Task Chunk_declared_over_the_limit_is_refused_before_its_data_arrives()
    {
        // Only the size line is ever written: TooLarge must come from the declared size alone.
        var reader = await FilledPipeAsync(Ascii("100000\r\n"), complete: false);
        var payload = new PooledPayload();
        var status = await BodyReader.ReadAsync(reader, ChunkedHead(), payload, 1000).WithTimeout();
        Assert.Equal(BodyStatus.TooLarge, status);
        Assert.Equal(0, payload.Length);
    }

    [Fact]
    public async Task Huge_chunk_size_after_a_small_chunk_is_too_large_not_buffered()
    {
        var wire = "1\r\na\r\n7FFFFFFFFFFFFFFF\r\n" + new string('x', 5000);
        var reader = await FilledPipeAsync(Ascii(wire));
        var payload = new PooledPayload();
        try
        {
            var status = await BodyReader.ReadAsync(reader, ChunkedHead(), payload, 100).WithTimeout();
            Assert.True(payload.Length <= 100, $"{payload.Length} bytes buffered with a limit of 100");
            Assert.Equal(BodyStatus.TooLarge, status);
        }
        finally
        {
            payload.Reset();
        }
    }

    // The trickle reader takes consumed bytes away like a real pipe (release: true); with release: false it keeps them,
    // which hides the use-after-AdvanceTo bug, so the one-byte-at-a-time framing stays covered until that is fixed.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Chunked_body_trickled_one_byte_per_read_across_segments(bool release)
    {
        var reader = new TricklePipeReader(Ascii(Chunked + Next), releaseConsumed: release);
        var payload = new PooledPayload();
        try
        {
            var status = await BodyReader.ReadAsync(reader, ChunkedHead(), payload, 1000).WithTimeout();
            Assert.Equal(BodyStatus.Complete, status);
            Assert.Equal("hello world!", Encoding.ASCII.GetString(payload.ToArray()));
            Assert.Equal(Ascii(Next), reader.Remaining());
        }
        finally
        {
            payload.Reset();
        }
    }

    [Theory]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(7, false)]
    [InlineData(2, true)]
    [InlineData(7, true)]
    public async Task Chunked_body_trickled_in_steps(int step, bool release)
    {
        const string wire = "3\r\nabc\r\n10;x=y\r\n0123456789abcdef\r\n0\r\nT: v\r\n\r\n";
        var reader = new TricklePipeReader(Ascii(wire + Next), step, release);
        var payload = new PooledPayload();
        try
        {
            Assert.Equal(BodyStatus.Complete, await BodyReader.ReadAsync(reader, ChunkedHead(), payload, 1000).WithTimeout());
            Assert.Equal("abc0123456789abcdef", Encoding.ASCII.GetString(payload.ToArray()));
            Assert.Equal(Ascii(Next), reader.Remaining());
        }
        finally
        {
            payload.Reset();
        }
    }

    [Fact]
    public async Task Chunked_body_written_one_byte_per_flush_through_a_pipe()
    {
        var body = string.Concat(Enumerable.Range(1, 40).Select(i => $"{i:X};i={i}\r\n{new string((char)('a' + (i % 26)), i)}\r\n")) + "0\r\nX-T: 1\r\n\r\n";
        var expected = string.Concat(Enumerable.Range(1, 40).Select(i => new string((char)('a' + (i % 26)), i)));
        var pipe = new Pipe(new PipeOptions(useSynchronizationContext: false));
        var payload = new PooledPayload();
        try
        {
            var bytes = Ascii(body + Next);
            var writing = Task.Run(async () =>
            {
                for (int i = 0; i < bytes.Length; i++)
                {
                    await pipe.Writer.WriteAsync(bytes.AsMemory(i, 1));
                }
                await pipe.Writer.CompleteAsync();
            });
            var status = await BodyReader.ReadAsync(pipe.Reader, ChunkedHead(), payload, 10_000).WithTimeout();
            await writing.WithTimeout();
            Assert.Equal(BodyStatus.Complete, status);
            Assert.Equal(expected, Encoding.ASCII.GetString(payload.ToArray()));
            Assert.Equal(Next, await RestAsync(pipe.Reader));
        }
        finally
        {
            payload.Reset();
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public async Task Truncated_chunked_body_trickled(int step)
    {
        var reader = new TricklePipeReader(Ascii("5\r\nhello\r\n3\r\nab"), step);
        Assert.Equal(BodyStatus.Truncated, await BodyReader.ReadAsync(reader, ChunkedHead(), new PooledPayload(), 1000).WithTimeout());
    }

    // ---- discard ----

    [Fact]
    public async Task Discard_mode_reads_a_content_length_body_without_keeping_it()
    {
        var reader = await FilledPipeAsync(Ascii("0123456789" + Next));
        Assert.Equal(BodyStatus.Complete, await BodyReader.ReadAsync(reader, LengthHead(10), null, 1000).WithTimeout());
        Assert.Equal(Next, await RestAsync(reader));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Discard_mode_reads_a_chunked_body_without_keeping_it(bool release)
    {
        var reader = new TricklePipeReader(Ascii(Chunked + Next), releaseConsumed: release);
        Assert.Equal(BodyStatus.Complete, await BodyReader.ReadAsync(reader, ChunkedHead(), null, 1000).WithTimeout());
        Assert.Equal(Ascii(Next), reader.Remaining());
    }

    [Fact]
    public async Task Discard_mode_still_applies_the_limit_and_truncation()
    {
        Assert.Equal(BodyStatus.TooLarge, await BodyReader.ReadAsync(await FilledPipeAsync(Ascii("x")), LengthHead(2000), null, 1000).WithTimeout());
        Assert.Equal(BodyStatus.TooLarge, await BodyReader.ReadAsync(await FilledPipeAsync(Ascii(Chunked)), ChunkedHead(), null, 5).WithTimeout());
        Assert.Equal(BodyStatus.Truncated, await BodyReader.ReadAsync(await FilledPipeAsync(Ascii("abc")), LengthHead(10), null, 1000).WithTimeout());
    }

    // ---- over the limit, read to the end (the runtime gets its 413 on a connection that goes on) ----

    [Fact]
    public async Task A_content_length_body_over_the_limit_within_the_drain_limit_is_read_whole_and_kept_nowhere()
    {
        var reader = await FilledPipeAsync(Ascii("0123456789" + Next));
        var payload = new PooledPayload();
        Assert.Equal(BodyStatus.TooLargeDiscarded, await BodyReader.ReadAsync(reader, LengthHead(10), payload, 5, drainLimit: 10).WithTimeout());
        Assert.Equal(0, payload.Length);
        Assert.Equal(Next, await RestAsync(reader));
    }

    [Fact]
    public async Task A_content_length_body_past_the_drain_limit_is_refused_unread()
    {
        var reader = await FilledPipeAsync(Ascii("0123456789" + Next));
        Assert.Equal(BodyStatus.TooLarge, await BodyReader.ReadAsync(reader, LengthHead(10), new PooledPayload(), 5, drainLimit: 9).WithTimeout());
        Assert.Equal("0123456789" + Next, await RestAsync(reader));
    }

    [Fact]
    public async Task A_content_length_body_over_the_limit_that_breaks_off_is_too_large_not_truncated()
    {
        var reader = await FilledPipeAsync(Ascii("01234"));
        Assert.Equal(BodyStatus.TooLarge, await BodyReader.ReadAsync(reader, LengthHead(10), new PooledPayload(), 3, drainLimit: 100).WithTimeout());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_chunked_body_over_the_limit_within_the_drain_limit_is_read_to_its_last_chunk(bool release)
    {
        var reader = new TricklePipeReader(Ascii(Chunked + Next), releaseConsumed: release);
        var payload = new PooledPayload();
        try
        {
            Assert.Equal(BodyStatus.TooLargeDiscarded, await BodyReader.ReadAsync(reader, ChunkedHead(), payload, 7, drainLimit: 12).WithTimeout());
            Assert.Equal(Ascii(Next), reader.Remaining());
        }
        finally
        {
            payload.Reset();
        }
    }

    [Fact]
    public async Task A_chunked_body_past_the_drain_limit_or_broken_off_after_the_limit_is_too_large()
    {
        Assert.Equal(BodyStatus.TooLarge, await BodyReader.ReadAsync(await FilledPipeAsync(Ascii(Chunked)), ChunkedHead(), null, 5, drainLimit: 11).WithTimeout());
        Assert.Equal(BodyStatus.TooLarge, await BodyReader.ReadAsync(await FilledPipeAsync(Ascii("5\r\nhello\r\n6\r\n wo")), ChunkedHead(), null, 5, drainLimit: 100).WithTimeout());
    }

    [Fact]
    public void The_drain_limit_is_the_limit_and_a_mebibyte_and_at_least_16_MiB()
    {
        Assert.Equal(16L * 1024 * 1024, BodyReader.DrainLimit(6_291_556));
        Assert.Equal(20L * 1024 * 1024 + 1024 * 1024, BodyReader.DrainLimit(20 * 1024 * 1024));
    }

    [Fact]
    public async Task Chunked_wins_over_content_length()
    {
        var head = new RuntimeRequestHead { ContentLength = 3, Chunked = true };
        var (status, body, rest) = await ReadAsync(Chunked + Next, head);
        Assert.Equal(BodyStatus.Complete, status);
        Assert.Equal("hello world!", body);
        Assert.Equal(Next, rest);
    }

    [Theory]
    [InlineData(true)] // the Runtime API's own event loop (--runtime-api-epoll true)
    [InlineData(false)] // .NET's socket engine (the default)
    public async Task A_large_body_is_read_past_the_pipe_straight_from_the_socket(bool epoll)
    {
        // A real socket pair: the head and the first bytes of the body arrive through the pipe, the rest is received
        // into the payload directly; the request after the body is left for the pipe.
        var (client, server) = await UnixSocketPairAsync();
        using (client)
        using (server)
        {
            var body = new byte[BodyReader.DirectReadBytes * 3 + 123];
            new Random(7).NextBytes(body);
            var wire = Ascii("POST /x HTTP/1.1\r\n\r\n").Concat(body).Concat(Ascii(Next)).ToArray();
            var sending = Task.Run(() => client.Send(wire));
            using var transport = RuntimeTransport.Create(server, epoll);
            var reader = PipeReader.Create(transport.Stream,
                new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true));
            var first = await reader.ReadAsync().WithTimeout();
            var headEnd = new SequenceReader<byte>(first.Buffer);
            Assert.True(headEnd.TryAdvanceTo((byte)'\n') && headEnd.TryAdvanceTo((byte)'\n'));
            reader.AdvanceTo(headEnd.Position);
            var target = new PooledPayload();
            var status = await BodyReader.ReadAsync(reader, LengthHead(body.Length), target, int.MaxValue, transport).WithTimeout();
            Assert.Equal(BodyStatus.Complete, status);
            Assert.Equal(body, target.ToArray());
            await sending.WithTimeout();
            client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            Assert.Equal(Next, await RestAsync(reader));
            target.Reset();
        }
    }

    [Theory]
    [InlineData(true)] // the Runtime API's own event loop (--runtime-api-epoll true)
    [InlineData(false)] // .NET's socket engine (the default)
    public async Task A_large_body_cut_short_on_the_socket_is_truncated(bool epoll)
    {
        var (client, server) = await UnixSocketPairAsync();
        using (client)
        using (server)
        {
            client.Send(new byte[BodyReader.DirectReadBytes + 10]);
            client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            using var transport = RuntimeTransport.Create(server, epoll);
            var reader = PipeReader.Create(transport.Stream, new StreamPipeReaderOptions(leaveOpen: true));
            var target = new PooledPayload();
            Assert.Equal(BodyStatus.Truncated, await BodyReader.ReadAsync(reader, LengthHead(BodyReader.DirectReadBytes * 2), target, int.MaxValue, transport).WithTimeout());
            target.Reset();
        }
    }

    private static async Task<(System.Net.Sockets.Socket Client, System.Net.Sockets.Socket Server)> UnixSocketPairAsync()
    {
        var path = Path.Combine(Path.GetTempPath(), "bodyreader-" + Guid.NewGuid().ToString("N") + ".sock");
        using var listener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        listener.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var client = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        var accepting = listener.AcceptAsync();
        await client.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(path)).WithTimeout();
        var server = await accepting.WithTimeout();
        File.Delete(path);
        return (client, server);
    }
}
