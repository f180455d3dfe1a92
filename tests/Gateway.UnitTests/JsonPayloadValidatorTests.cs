using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Gateway.Invocations;
using Gateway.Invoke;
using Gateway.UnitTests.Support;

namespace Gateway.UnitTests;

/// <summary>The invoke payload's JSON check while it streams in: split at every byte, across chunks and pipe reads.</summary>
public class JsonPayloadValidatorTests
{
    public static TheoryData<string> ValidPayloads => new()
    {
        "", "   ", " \r\n\t ", "{}", "[]", "\"x\"", "123", "-0.5e+10", "true", "false", "null",
        "{\"a\":1}", " { \"a\" : [1, 2.5, -3e2, true, false, null, \"s\", {}] , \"b\":{\"c\":\"\\u00e9\\n\\\"\"} } ",
        "\"héllo wörld €𝄞\"", "[[[[[]]]]]", "{\"key\":\"value\"}\n",
    };

    public static TheoryData<string> InvalidPayloads => new()
    {
        "abc", "{bad", "{\"a\":1", "{\"a\":", "{\"a\"", "\"abc", "[1,", "[1,]", "{\"a\":1,}", "{} x", "{}{}", "1 2",
        "01", "-", "1.", "1e", "+1", "NaN", "nul", "truex", "'a'", "{a:1}", "{\"a\" 1}", "[1 2]", "\"a\u0001b\"",
        "\"\\x\"", "\"\\u12g4\"", "}", "]", ",", "/* c */ {}",
    };

    [Theory]
    [MemberData(nameof(ValidPayloads))]
    public void Valid_payloads_pass_at_every_split(string text) => AssertAtEverySplit(Encoding.UTF8.GetBytes(text), valid: true);

    [Theory]
    [MemberData(nameof(InvalidPayloads))]
    public void Invalid_payloads_fail_at_every_split(string text) => AssertAtEverySplit(Encoding.UTF8.GetBytes(text), valid: false);

    [Theory]
    [InlineData(new byte[] { (byte)'"', 0x87, (byte)'"' })]           // a continuation byte with no start
    [InlineData(new byte[] { (byte)'"', 0xC3, (byte)'"' })]           // a start byte with no continuation
    [InlineData(new byte[] { (byte)'"', 0xE2, 0x82 })]                // cut at the end of the body
    [InlineData(new byte[] { (byte)'"', 0xC0, 0xAF, (byte)'"' })]     // overlong
    [InlineData(new byte[] { (byte)'"', 0xED, 0xA0, 0x80, (byte)'"' })] // a UTF-16 surrogate
    [InlineData(new byte[] { (byte)'{', (byte)'"', 0xFF, (byte)'"', (byte)':', (byte)'1', (byte)'}' })]
    [InlineData(new byte[] { (byte)'n', 0x87, (byte)'r', 0x9E })]
    [InlineData(new byte[] { 0x99, 0xEB, (byte)',', (byte)'j' })]
    public void Invalid_utf8_fails_at_every_split(byte[] payload) => AssertAtEverySplit(payload, valid: false);

    [Fact]
    public void Nesting_is_allowed_to_1000_levels_as_Jackson_allows_and_refused_beyond()
    {
        AssertAtEverySplit(Encoding.ASCII.GetBytes(new string('[', 1000) + new string(']', 1000)), valid: true, step: 97);
        AssertAtEverySplit(Encoding.ASCII.GetBytes(new string('[', 1001) + new string(']', 1001)), valid: false, step: 97);
        Assert.Contains("Document nesting depth (1001) exceeds the maximum allowed (1000",
            JsonParseError.Describe(Encoding.ASCII.GetBytes(new string('[', 1001) + new string(']', 1001))));
    }

    [Theory]
    [InlineData(100_000, 1000)]
    [InlineData(6 * 1024 * 1024 - 20, 65536)]
    public void A_string_spanning_many_chunks_and_reads_is_validated(int stringLength, int piece)
    {
        var text = "{\"data\":\"" + new string('a', stringLength) + "é\"}";
        var bytes = Encoding.UTF8.GetBytes(text);
        Assert.True(Validate(bytes, SplitEvery(bytes.Length, piece)));
        bytes[^3] = (byte)'\n'; // a raw control character at the very end of the long string
        Assert.False(Validate(bytes, SplitEvery(bytes.Length, piece)));
    }

    [Fact]
    public void Agrees_with_Utf8JsonReader_on_random_mutations_at_random_splits()
    {
        var random = new Random(13);
        var seeds = new[] { "{}", "[]", "\"x\"", "123", "{\"a\":[1,2.5,-3e2,true,false,null,\"s\",{}],\"b\":{\"c\":\"\\u00e9\"}}", "\"héllo €𝄞\"" }.Where(s => s.Trim().Length > 0).ToArray();
        byte[] alphabet = "{}[]\",:0123456789-+.eEtrufalsn \\u\n\x01\xC3\xA9"u8.ToArray();
        for (int round = 0; round < 4000; round++)
        {
            var bytes = Encoding.UTF8.GetBytes(seeds[random.Next(seeds.Length)]).ToList();
            for (int m = random.Next(1, 4); m > 0; m--)
            {
                int at = random.Next(bytes.Count + 1);
                switch (random.Next(3))
                {
                    case 0 when bytes.Count > 0 && at < bytes.Count: bytes.RemoveAt(at); break;
                    case 1: bytes.Insert(at, alphabet[random.Next(alphabet.Length)]); break;
                    default: if (at < bytes.Count) { bytes[at] = alphabet[random.Next(alphabet.Length)]; } break;
                }
            }
            var payload = bytes.ToArray();
            bool expected = ReferenceIsJson(payload);
            var splits = Enumerable.Range(0, random.Next(0, 4)).Select(_ => random.Next(payload.Length + 1)).Order().ToArray();
            Assert.True(expected == Validate(payload, splits), $"'{Encoding.UTF8.GetString(payload)}' split at {string.Join(",", splits)}: expected {(expected ? "valid" : "invalid")}");
            if (!expected)
            {
                Assert.StartsWith(JsonParseError.Prefix, JsonParseError.Describe(payload));
            }
        }
    }

    [Theory]
    [InlineData("abc", "Unrecognized token 'abc': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 4]")]
    [InlineData("{bad", "Unexpected character ('b' (code 98)): was expecting double-quote to start field name\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 2]")]
    [InlineData("{\"a\":1", "Unexpected end-of-input: expected close marker for Object (start marker at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 1])\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 7]")]
    [InlineData("{\n\"a\" : 1\n \"b\":2}", "Unexpected character ('\"' (code 34)): was expecting comma to separate Object entries\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 3, column: 2]")]
    [InlineData("\"abc", "Unexpected end-of-input: was expecting closing quote for a string value\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 5]")]
    public void Messages_use_Jacksons_words(string payload, string expected)
        => Assert.Equal(JsonParseError.Prefix + expected, JsonParseError.Describe(Encoding.UTF8.GetBytes(payload)));

    /// <summary>The two messages recorded against AWS (localstack snapshot, 2025-11-24), byte for byte.</summary>
    [Fact]
    public void Recorded_AWS_messages_are_reproduced()
    {
        Assert.Equal(JsonParseError.Prefix + "Invalid UTF-8 start byte 0x87\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 3]",
            JsonParseError.Describe([(byte)'n', 0x87, (byte)'r', 0x9E, 0xE9, 0xB5, 0xD7, (byte)'I', 0xEE, 0x9B, (byte)'m', (byte)'t']));
        Assert.Equal(JsonParseError.Prefix + "Unexpected character ((CTRL-CHAR, code 153)): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 1]",
            JsonParseError.Describe([0x99, 0xEB, (byte)',', (byte)'j', 0x07, 0xA1, (byte)'z', (byte)'Y', (byte)'h']));
    }

    [Theory]
    [InlineData("{\"a\":[1,2,{\"b\":\"c\"}]}", true)]
    [InlineData("{\"a\":[1,2,{\"b\":\"c\"}]", false)]
    public async Task ReadJsonAsync_checks_a_body_fed_one_byte_at_a_time_through_a_pipe(string text, bool valid)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false));
        var payload = new PooledPayload();
        try
        {
            var writing = Task.Run(async () =>
            {
                foreach (byte b in bytes)
                {
                    await pipe.Writer.WriteAsync(new[] { b });
                }
                await pipe.Writer.CompleteAsync();
            });
            var (fits, seen, json) = await LimitedBodyReader.ReadJsonAsync(pipe.Reader, payload, 1000, CancellationToken.None).WithTimeout();
            await writing.WithTimeout();
            Assert.True(fits);
            Assert.Equal(bytes.Length, seen);
            Assert.Equal(valid, json);
            Assert.Equal(bytes, payload.ToArray());
        }
        finally
        {
            payload.Reset();
        }
    }

    [Fact]
    public async Task ReadJsonAsync_reports_too_large_before_not_json()
    {
        var pipe = new Pipe();
        var payload = new PooledPayload();
        try
        {
            await pipe.Writer.WriteAsync(Encoding.ASCII.GetBytes(new string('a', 2000)));
            await pipe.Writer.CompleteAsync();
            var (fits, _, _) = await LimitedBodyReader.ReadJsonAsync(pipe.Reader, payload, 1000, CancellationToken.None).WithTimeout();
            Assert.False(fits);
        }
        finally
        {
            payload.Reset();
        }
    }

    private static void AssertAtEverySplit(byte[] payload, bool valid, int step = 1)
    {
        Assert.Equal(valid, Validate(payload, []));
        for (int a = 0; a <= payload.Length; a += step)
        {
            Assert.True(valid == Validate(payload, [a]), $"split at {a}");
            for (int b = a; b <= payload.Length && payload.Length <= 64; b++)
            {
                Assert.True(valid == Validate(payload, [a, b]), $"split at {a} and {b}");
            }
        }
        Assert.Equal(valid, Validate(payload, SplitEvery(payload.Length, 1)));
    }

    private static int[] SplitEvery(int length, int piece) => Enumerable.Range(1, Math.Max(0, (length - 1) / piece)).Select(i => i * piece).ToArray();

    /// <summary>Feeds <paramref name="payload"/> in pieces cut at <paramref name="splits"/>, as the read loop does, both
    /// ways a body can end: its last bytes arriving with the end (IsCompleted), or an empty final read after them.
    /// Returns whether it was found valid (the two ways must agree).</summary>
    private static bool Validate(byte[] payload, int[] splits)
    {
        bool withData = Validate(payload, splits, endWithLastBytes: true);
        Assert.Equal(withData, Validate(payload, splits, endWithLastBytes: false));
        return withData;
    }

    private static bool Validate(byte[] payload, int[] splits, bool endWithLastBytes)
    {
        var target = new PooledPayload();
        try
        {
            var validator = new JsonPayloadValidator();
            int from = 0;
            foreach (int to in splits.Append(payload.Length))
            {
                var piece = new ReadOnlySequence<byte>(payload, from, to - from);
                validator.CheckUtf8(piece);
                target.Write(piece);
                validator.Advance(target, isFinal: endWithLastBytes && to == payload.Length);
                from = to;
            }
            if (!endWithLastBytes)
            {
                validator.Advance(target, isFinal: true);
            }
            Assert.Equal(payload, target.ToArray());
            return !validator.Failed;
        }
        finally
        {
            target.Reset();
        }
    }

    /// <summary>The reference: Utf8JsonReader over the whole payload at once (depth 1000), plus strict UTF-8, with an
    /// empty or whitespace-only payload allowed.</summary>
    private static bool ReferenceIsJson(byte[] payload)
    {
        if (!System.Text.Unicode.Utf8.IsValid(payload))
        {
            return false;
        }
        if (payload.AsSpan().IndexOfAnyExcept(" \t\r\n"u8) < 0)
        {
            return true;
        }
        try
        {
            var reader = new Utf8JsonReader(payload, new JsonReaderOptions { MaxDepth = 1000 });
            while (reader.Read())
            {
            }
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
