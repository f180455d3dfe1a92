using System.Text;
using Gateway.Runtime.Http;

namespace Gateway.Runtime.Tests.Http;

/// <summary>
/// The chunked decoder fed the way <c>RuntimeConnection</c> feeds it: bytes arrive at the end of one buffer, the
/// decoder moves decoded data down in place, and after an incomplete call the framing bytes are dropped (the next
/// receive lands right after the decoded data). Every case runs whole and one byte at a time.
/// </summary>
public class ChunkedBodyDecoderTests
{
    public static TheoryData<int> PieceSizes => [1, 2, 3, 7, int.MaxValue];

    [Theory]
    [MemberData(nameof(PieceSizes))]
    public void Decodes_chunks_into_one_contiguous_body(int pieceSize)
    {
        var result = Decode("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", pieceSize);

        Assert.Equal("hello world", result.Body);
        Assert.Equal(11, result.DecodedBytes);
        Assert.Equal("", result.After);
    }

    [Theory]
    [MemberData(nameof(PieceSizes))]
    public void Stops_right_after_the_body_and_leaves_what_follows(int pieceSize)
    {
        var result = Decode("3\r\nabc\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n", pieceSize);

        Assert.Equal("abc", result.Body);
        Assert.Equal("HTTP/1.1 200 OK\r\n", result.After);
    }

    [Theory]
    [MemberData(nameof(PieceSizes))]
    public void Accepts_hex_sizes_in_either_case_extensions_and_bare_LF(int pieceSize)
    {
        var sixteen = new string('x', 16);
        var result = Decode($"1A;name=value ; other\r\n{sixteen}0123456789\n0f\n{sixteen[..15]}\n0\n\n", pieceSize);

        Assert.Equal(sixteen + "0123456789" + sixteen[..15], result.Body);
    }

    [Theory]
    [MemberData(nameof(PieceSizes))]
    public void Skips_trailers(int pieceSize)
    {
        var result = Decode("2\r\nok\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\nNEXT", pieceSize);

        Assert.Equal("ok", result.Body);
        Assert.Equal("NEXT", result.After);
    }

    [Fact]
    public void An_empty_body_is_one_last_chunk()
    {
        var result = Decode("0\r\n\r\n", int.MaxValue);

        Assert.Equal("", result.Body);
        Assert.Equal(0, result.DecodedBytes);
    }

    [Fact]
    public void Is_not_done_until_the_final_line_feed()
    {
        var bytes = "1\r\na\r\n0\r\n\r"u8.ToArray();
        var decoder = new ChunkedBodyDecoder(100);
        int read = 0;
        int written = 0;

        Assert.False(decoder.Decode(bytes, ref read, bytes.Length, ref written));
        Assert.False(decoder.IsDone);
        Assert.Equal(bytes.Length, read); // everything handed over is consumed
    }

    [Theory]
    [InlineData("x\r\n", "Malformed chunk size.")]
    [InlineData("\r\n", "Malformed chunk size.")]
    [InlineData("-5\r\n", "Malformed chunk size.")]
    [InlineData("5x\r\n", "Malformed chunk size line.")]
    [InlineData("5 x\r\n", "Malformed chunk size line.")]
    [InlineData("5\rX", "Malformed chunk framing.")]
    [InlineData("2\r\nabX", "Malformed chunk framing.")]
    [InlineData("2\r\nab\rX", "Malformed chunk framing.")]
    [InlineData("0\r\n\rX", "Malformed chunk framing.")]
    public void Malformed_framing_throws(string input, string message)
    {
        foreach (int pieceSize in new[] { 1, int.MaxValue })
        {
            var ex = Assert.Throws<RuntimeApiProtocolException>(() => Decode(input, pieceSize));
            Assert.Equal(message, ex.Message);
        }
    }

    [Fact]
    public void A_declared_size_over_the_limit_is_refused_before_any_data()
    {
        // "b" is 11 > 10: refused at the size digit, though not one data byte has arrived.
        var ex = Assert.Throws<RuntimeApiProtocolException>(() => Decode("b", int.MaxValue, maxBodyBytes: 10));

        Assert.Equal("Chunked body exceeds the maximum body size.", ex.Message);
    }

    [Fact]
    public void The_limit_counts_every_chunk()
    {
        Assert.Equal("0123456789", Decode("5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n", 1, maxBodyBytes: 10).Body);
        Assert.Throws<RuntimeApiProtocolException>(() => Decode("5\r\n01234\r\n6\r\n", 1, maxBodyBytes: 10));
    }

    [Fact]
    public void A_huge_size_cannot_overflow_past_the_limit()
    {
        Assert.Throws<RuntimeApiProtocolException>(() => Decode("ffffffffffffffffffffffff\r\n", 1, maxBodyBytes: long.MaxValue / 32));
    }

    [Fact]
    public void A_size_line_longer_than_the_bound_is_refused()
    {
        var line = "5;" + new string('e', HttpLimits.MaxChunkLineBytes);

        var ex = Assert.Throws<RuntimeApiProtocolException>(() => Decode(line + "\r\n", int.MaxValue));

        Assert.Equal("Chunk size line too long.", ex.Message);
    }

    [Fact]
    public void A_size_line_at_the_bound_is_accepted()
    {
        var line = "1;" + new string('e', HttpLimits.MaxChunkLineBytes - 2);

        Assert.Equal("a", Decode(line + "\r\na\r\n0\r\n\r\n", int.MaxValue).Body);
    }

    [Fact]
    public void Trailers_longer_than_a_head_are_refused()
    {
        var trailer = "X-Long: " + new string('t', HttpLimits.MaxHeadBytes);

        var ex = Assert.Throws<RuntimeApiProtocolException>(() => Decode("0\r\n" + trailer + "\r\n\r\n", int.MaxValue));

        Assert.Equal("Chunked trailers too long.", ex.Message);
    }

    [Fact]
    public void A_large_body_in_uneven_pieces_comes_out_intact()
    {
        var random = new Random(1234);
        var data = new byte[100_000];
        random.NextBytes(data);
        var encoded = new List<byte>();
        for (int offset = 0; offset < data.Length;)
        {
            int size = Math.Min(random.Next(1, 9000), data.Length - offset);
            encoded.AddRange(Encoding.ASCII.GetBytes($"{size:x}\r\n"));
            encoded.AddRange(data.AsSpan(offset, size).ToArray());
            encoded.AddRange("\r\n"u8.ToArray());
            offset += size;
        }
        encoded.AddRange("0\r\n\r\n"u8.ToArray());

        var result = Decode([.. encoded], pieceSize: 4093);

        Assert.Equal(data, result.BodyBytes);
    }

    private sealed record Result(byte[] BodyBytes, long DecodedBytes, string After)
    {
        public string Body => Encoding.Latin1.GetString(BodyBytes);
    }

    private static Result Decode(string input, int pieceSize, long maxBodyBytes = HttpLimits.MaxBodyBytes) =>
        Decode(Encoding.Latin1.GetBytes(input), pieceSize, maxBodyBytes);

    /// <summary>Feeds <paramref name="input"/> in pieces of <paramref name="pieceSize"/> bytes as RuntimeConnection does;
    /// throws (the decoder's exception) or returns the body and the bytes after it. Fails if the body never ends.</summary>
    private static Result Decode(byte[] input, int pieceSize, long maxBodyBytes = HttpLimits.MaxBodyBytes)
    {
        var buffer = new byte[input.Length];
        var decoder = new ChunkedBodyDecoder(maxBodyBytes);
        int fed = 0;
        int end = 0;
        int read = 0;
        int written = 0;
        while (true)
        {
            int piece = Math.Min(pieceSize, input.Length - fed);
            input.AsSpan(fed, piece).CopyTo(buffer.AsSpan(end));
            fed += piece;
            end += piece;
            if (decoder.Decode(buffer, ref read, end, ref written))
            {
                Assert.True(decoder.IsDone);
                // What follows the body is untouched: received but not consumed at buffer[read..end), then not yet fed.
                var after = Encoding.Latin1.GetString(buffer, read, end - read) + Encoding.Latin1.GetString(input, fed, input.Length - fed);
                return new Result(buffer[..written], decoder.DecodedBytes, after);
            }
            Assert.Equal(end, read); // an incomplete call consumes everything it was given
            Assert.True(fed < input.Length, "the body never ended");
            end = read = written; // drop the framing: the next bytes land right after the decoded data
        }
    }
}
