using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Functions.Code;
using Gateway.UnitTests.Support;

namespace Gateway.UnitTests.Functions.Code;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ManagementBodyReaderTests : IDisposable
{
    private readonly TempDirectory _spool = new();

    public void Dispose() => _spool.Dispose();

    private static byte[] RandomBytes(int length, int seed = 7)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static byte[] CreateFunctionBody(string zipFileJson)
        => Encoding.UTF8.GetBytes(
            "{\"FunctionName\":\"f\",\"Role\":\"arn:aws:iam::123456789012:role/r\",\"Code\":{\"ZipFile\":\"" + zipFileJson +
            "\"},\"Environment\":{\"Variables\":{\"Q\":\"a\\\"b\\\\c\\u00e9\"}},\"Tags\":[\"ZipFile\",\"Code\"]}");

    private static string ExpectedSkeleton()
        => "{\"FunctionName\":\"f\",\"Role\":\"arn:aws:iam::123456789012:role/r\",\"Code\":{\"ZipFile\":\"" + ManagementBody.ZipFilePlaceholder +
           "\"},\"Environment\":{\"Variables\":{\"Q\":\"a\\\"b\\\\c\\u00e9\"}},\"Tags\":[\"ZipFile\",\"Code\"]}";

    private Task<ManagementBody> ReadAsync(PipeReader reader, ManagementBodyLimits? limits = null, long? contentLength = null)
        => ManagementBodyReader.ReadAsync(reader, contentLength, limits ?? ManagementBodyLimits.CreateFunction, _spool.Path, CancellationToken.None).WithTimeout();

    private static async Task<ManagementBody> ReadThroughPipeAsync(byte[] body, int chunk, string spool, ManagementBodyLimits? limits = null)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 64 * 1024, resumeWriterThreshold: 32 * 1024, useSynchronizationContext: false));
        var writing = Task.Run(async () =>
        {
            for (int offset = 0; offset < body.Length; offset += chunk)
            {
                var flush = await pipe.Writer.WriteAsync(body.AsMemory(offset, Math.Min(chunk, body.Length - offset)));
                if (flush.IsCompleted)
                {
                    break;
                }
            }
            await pipe.Writer.CompleteAsync();
        });
        var result = await ManagementBodyReader.ReadAsync(pipe.Reader, null, limits ?? ManagementBodyLimits.CreateFunction, spool, CancellationToken.None).WithTimeout();
        await pipe.Reader.CompleteAsync();
        await writing.WithTimeout();
        return result;
    }

    private static void AssertZip(ManagementBody body, byte[] expected)
    {
        Assert.Null(body.Error);
        Assert.NotNull(body.Zip);
        Assert.Equal(expected.Length, body.Zip!.Size);
        Assert.Equal(expected, File.ReadAllBytes(body.Zip.Path));
        Assert.Equal(SHA256.HashData(expected), body.Zip.Sha256);
        Assert.Equal(Convert.ToBase64String(SHA256.HashData(expected)), body.Zip.CodeSha256);
    }

    [Theory]
    [InlineData(1)]          // every byte its own read and its own segment
    [InlineData(3)]
    [InlineData(65_536)]     // big reveals, still one segment per byte
    public async Task Trickled_body_gives_the_skeleton_and_the_decoded_zip(int step)
    {
        byte[] zip = RandomBytes(100_000); // base64 133 336 chars: over the divert threshold
        byte[] body = CreateFunctionBody(Convert.ToBase64String(zip));

        using var result = await ReadAsync(new TricklePipeReader(body, step));

        AssertZip(result, zip);
        Assert.Equal(ZipFileLocation.Code, result.ZipLocation);
        Assert.Equal(ExpectedSkeleton(), Encoding.UTF8.GetString(result.Json.Span));
        Assert.Equal(body.Length, result.BytesRead);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4096)]
    [InlineData(1 << 20)]
    public async Task Pipe_in_chunks_gives_the_same_result(int chunk)
    {
        byte[] zip = RandomBytes(300_000, seed: 3);
        byte[] body = CreateFunctionBody(Convert.ToBase64String(zip));

        using var result = await ReadThroughPipeAsync(body, chunk, _spool.Path);

        AssertZip(result, zip);
        Assert.Equal(ExpectedSkeleton(), Encoding.UTF8.GetString(result.Json.Span));
    }

    [Fact]
    public async Task Skeleton_is_valid_json_that_a_deserializer_reads()
    {
        byte[] body = CreateFunctionBody(Convert.ToBase64String(RandomBytes(200_000)));
        using var result = await ReadAsync(new TricklePipeReader(body, 4096));

        using var document = JsonDocument.Parse(result.Json);
        Assert.Equal(ManagementBody.ZipFilePlaceholder, document.RootElement.GetProperty("Code").GetProperty("ZipFile").GetString());
        // The placeholder is itself base64, so a byte[]-typed ZipFile member deserializes too.
        Assert.True(document.RootElement.GetProperty("Code").GetProperty("ZipFile").TryGetBytesFromBase64(out _));
        Assert.Equal("a\"b\\cé", document.RootElement.GetProperty("Environment").GetProperty("Variables").GetProperty("Q").GetString());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    public async Task Json_escapes_inside_the_base64_are_decoded(int step)
    {
        byte[] zip = RandomBytes(90_000, seed: 11);
        string base64 = Convert.ToBase64String(zip);
        Assert.Contains('/', base64);
        // "\/" (what some JSON writers emit for '/') and \u escapes for letters, digits, '+' and '='.
        var escaped = new StringBuilder();
        for (int i = 0; i < base64.Length; i++)
        {
            char c = base64[i];
            escaped.Append(c == '/' ? "\\/" : i % 97 == 0 ? $"\\u{(int)c:X4}" : i % 89 == 0 ? $"\\u{(int)c:x4}" : c.ToString());
        }
        using var result = await ReadAsync(new TricklePipeReader(CreateFunctionBody(escaped.ToString()), step));

        AssertZip(result, zip);
        Assert.Equal(ExpectedSkeleton(), Encoding.UTF8.GetString(result.Json.Span));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(1000)]
    public async Task Small_ZipFile_at_the_top_level_is_decoded_to_a_file_too(int length)
    {
        byte[] zip = RandomBytes(length, seed: length);
        byte[] body = Encoding.UTF8.GetBytes("{\"ZipFile\":\"" + Convert.ToBase64String(zip) + "\",\"Publish\":true}");

        using var result = await ReadAsync(new TricklePipeReader(body, 1));

        AssertZip(result, zip);
        Assert.Equal(ZipFileLocation.TopLevel, result.ZipLocation);
        Assert.Equal("{\"ZipFile\":\"" + ManagementBody.ZipFilePlaceholder + "\",\"Publish\":true}", Encoding.UTF8.GetString(result.Json.Span));
    }

    [Fact]
    public async Task Escaped_key_still_names_ZipFile()
    {
        using var result = await ReadAsync(new TricklePipeReader("{\"C\\u006fde\":{\"Zip\\u0046ile\":\"QUJD\"}}"u8, 1));
        AssertZip(result, "ABC"u8.ToArray());
        Assert.Equal(ZipFileLocation.Code, result.ZipLocation);
    }

    [Theory]
    [InlineData("{\"Other\":{\"ZipFile\":\"QUJD\"}}")]
    [InlineData("{\"Code\":{\"Inner\":{\"ZipFile\":\"QUJD\"}}}")]
    [InlineData("{\"Code\":[\"ZipFile\",\"QUJD\"]}")]
    [InlineData("{\"ZipFileX\":\"QUJD\"}")]
    public async Task ZipFile_elsewhere_is_an_ordinary_string(string json)
    {
        using var result = await ReadAsync(new TricklePipeReader(Encoding.UTF8.GetBytes(json), 1));
        Assert.Null(result.Error);
        Assert.Null(result.Zip);
        Assert.Equal(json, Encoding.UTF8.GetString(result.Json.Span));
    }

    [Theory]
    [InlineData("QUJ$")]        // not in the alphabet
    [InlineData("QU JD")]       // whitespace (Base64.DecodeFromUtf8 alone would skip it)
    [InlineData("Q===")]
    [InlineData("QQ==QUJD")]    // padding in the middle
    [InlineData("Q")]           // a lone character is no byte
    [InlineData("QQ")]          // padding left out (System.Text.Json refuses it too)
    [InlineData("QU\\nJD")]     // a legal JSON escape that is not base64
    [InlineData("QU\\u00e9JD")]
    public async Task ZipFile_that_is_not_base64_is_refused(string zipFile)
    {
        using var result = await ReadAsync(new TricklePipeReader(Encoding.UTF8.GetBytes("{\"ZipFile\":\"" + zipFile + "\"}"), 1));
        Assert.Equal(400, result.Error?.Status);
        Assert.Equal("SerializationException", result.Error?.ErrorType);
        Assert.Null(result.Zip);
        Assert.Empty(Directory.GetFiles(_spool.Path));
    }

    [Theory]
    [InlineData("{\"ZipFile\":\"QUJD")]
    [InlineData("{\"Description\":\"abc\\")]
    [InlineData("{\"Description\":\"\\u00")]
    [InlineData("{\"a\":1}}")]
    [InlineData("{\"Description\":\"\\u00zz\"}")]
    public async Task Malformed_json_the_lexer_meets_is_refused(string json)
    {
        using var result = await ReadAsync(new TricklePipeReader(Encoding.UTF8.GetBytes(json), 1));
        Assert.Equal(400, result.Error?.Status);
        Assert.Equal("SerializationException", result.Error?.ErrorType);
        Assert.True(result.Json.IsEmpty);
        Assert.Empty(Directory.GetFiles(_spool.Path));
    }

    [Fact]
    public async Task Nesting_deeper_than_64_is_refused()
    {
        string json = new string('[', 65) + new string(']', 65);
        using var result = await ReadAsync(new TricklePipeReader(Encoding.UTF8.GetBytes(json), 100));
        Assert.Equal("SerializationException", result.Error?.ErrorType);
    }

    [Fact]
    public async Task Long_string_that_is_not_ZipFile_is_dropped_and_its_length_kept()
    {
        string description = new('d', 100_000);
        byte[] body = Encoding.UTF8.GetBytes("{\"Description\":\"" + description + "\\n\",\"Code\":{\"ZipFile\":\"QUJD\"}}");

        using var result = await ReadAsync(new TricklePipeReader(body, 1000));

        Assert.Null(result.Error);
        var diverted = Assert.Single(result.DivertedStrings);
        Assert.Equal(100_002, diverted.EncodedLength);
        using var document = JsonDocument.Parse(result.Json);
        string? value = document.RootElement.GetProperty("Description").GetString();
        Assert.True(result.TryGetDivertedString(value, out var found));
        Assert.Equal(diverted, found);
        Assert.False(result.TryGetDivertedString("ordinary", out _));
        AssertZip(result, "ABC"u8.ToArray());
        Assert.True(result.PeakBufferedBytes < 256 * 1024, $"peak {result.PeakBufferedBytes}");
    }

    [Fact]
    public async Task Repeated_ZipFile_keeps_the_last_and_deletes_the_first()
    {
        using var result = await ReadAsync(new TricklePipeReader("{\"ZipFile\":\"QUJD\",\"ZipFile\":\"REVG\"}"u8, 1));
        AssertZip(result, "DEF"u8.ToArray());
        Assert.Single(Directory.GetFiles(_spool.Path));
    }

    [Fact]
    public async Task Dispose_deletes_the_spooled_zip()
    {
        var result = await ReadAsync(new TricklePipeReader("{\"ZipFile\":\"QUJD\"}"u8, 1));
        string path = result.Zip!.Path;
        Assert.True(File.Exists(path));
        result.Dispose();
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Zip_over_52428800_decoded_bytes_is_refused_without_buffering_the_upload()
    {
        // A 60 MB zip (an 80 MB base64 string) generated as it is written: nothing here holds the whole upload.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 64 * 1024, resumeWriterThreshold: 32 * 1024, useSynchronizationContext: false));
        const long base64Length = 60L * 1024 * 1024 / 3 * 4;
        long written = 0;
        bool finished = false;
        var writing = Task.Run(async () =>
        {
            await pipe.Writer.WriteAsync("{\"FunctionName\":\"big\",\"Code\":{\"ZipFile\":\""u8.ToArray());
            byte[] raw = RandomBytes(48 * 1024);
            byte[] chunk = Encoding.ASCII.GetBytes(Convert.ToBase64String(raw)); // 65 536 chars
            for (long sent = 0; sent < base64Length; sent += chunk.Length)
            {
                var flush = await pipe.Writer.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, base64Length - sent)));
                written += chunk.Length;
                if (flush.IsCompleted)
                {
                    return;
                }
            }
            await pipe.Writer.WriteAsync("\"}}"u8.ToArray());
            await pipe.Writer.CompleteAsync();
            finished = true;
        });

        using var result = await ManagementBodyReader.ReadAsync(pipe.Reader, null, ManagementBodyLimits.CreateFunction, _spool.Path, CancellationToken.None).WithTimeout();

        Assert.Equal(new ManagementBodyError(413, "RequestEntityTooLargeException", "Zipped size must be smaller than 52428800 bytes"), result.Error);
        Assert.Null(result.Zip);
        // Refused at the cap: 52428800 decoded bytes are 69905067 base64 characters; reading stopped within one pipe
        // buffer of them, before the 70167211-byte request cap and far short of the 83 886 080 characters sent.
        Assert.InRange(result.BytesRead, 69_905_067, 69_905_067 + 128 * 1024);
        Assert.True(result.PeakBufferedBytes < 256 * 1024, $"peak {result.PeakBufferedBytes}");
        Assert.Empty(Directory.GetFiles(_spool.Path));

        await pipe.Reader.CompleteAsync().WithTimeout();
        await writing.WithTimeout();
        Assert.False(finished);
        Assert.True(written < base64Length);
    }

    [Fact]
    public async Task Declared_length_over_the_limit_is_refused_before_reading()
    {
        var reader = new TricklePipeReader("{\"ZipFile\":\"QUJD\"}"u8, 1);

        using var result = await ReadAsync(reader, ManagementBodyLimits.CreateFunction, contentLength: 70_167_212);

        Assert.Equal(new ManagementBodyError(413, "RequestEntityTooLargeException", "Request must be smaller than 70167211 bytes for the CreateFunction operation"), result.Error);
        Assert.Equal(0, reader.Reads);
        Assert.Equal(0, result.BytesRead);
    }

    [Fact]
    public async Task Declared_length_at_the_limit_is_read()
    {
        byte[] body = "{\"ZipFile\":\"QUJD\"}"u8.ToArray();
        var limits = new ManagementBodyLimits("UpdateFunctionCode", body.Length, 100);
        using var result = await ReadAsync(new TricklePipeReader(body, 1), limits, contentLength: body.Length);
        AssertZip(result, "ABC"u8.ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(5000)]
    public async Task Chunked_body_over_the_limit_is_refused_at_the_first_byte_past_it(int chunk)
    {
        var limits = new ManagementBodyLimits("UpdateFunctionCode", MaxRequestBytes: 1000, MaxZippedBytes: 1_000_000);
        byte[] body = Encoding.UTF8.GetBytes("{\"Description\":\"" + new string('x', 5000) + "\"}");

        using var result = await ReadThroughPipeAsync(body, chunk, _spool.Path, limits);

        Assert.Equal(new ManagementBodyError(413, "RequestEntityTooLargeException", "Request must be smaller than 1000 bytes for the UpdateFunctionCode operation"), result.Error);
        Assert.True(result.BytesRead > 1000);
        Assert.True(result.BytesRead <= 1000 + Math.Max(chunk, 64 * 1024), $"read {result.BytesRead}");
    }

    [Fact]
    public async Task Chunked_body_exactly_at_the_limit_is_read()
    {
        byte[] body = Encoding.UTF8.GetBytes("{\"ZipFile\":\"" + Convert.ToBase64String(RandomBytes(300)) + "\"}");
        var limits = new ManagementBodyLimits("CreateFunction", body.Length, 1000);
        using var result = await ReadThroughPipeAsync(body, 7, _spool.Path, limits);
        Assert.Null(result.Error);
    }

    [Fact]
    public async Task Zip_over_its_cap_wins_over_the_request_cap_in_the_same_read()
    {
        // AWS checks the zipped size before the request size (LocalStack's AWS-validated test says so).
        byte[] body = Encoding.UTF8.GetBytes("{\"ZipFile\":\"" + Convert.ToBase64String(RandomBytes(3000)) + "\"}");
        var limits = new ManagementBodyLimits("CreateFunction", MaxRequestBytes: 2000, MaxZippedBytes: 1000);
        using var result = await ReadAsync(new TricklePipeReader(body, body.Length), limits);
        Assert.Equal(CodeErrors.ZippedTooLarge(1000), result.Error);
    }

    [Fact]
    public async Task Skeleton_over_its_cap_is_refused_as_an_oversize_request()
    {
        var limits = ManagementBodyLimits.CreateFunction with { MaxSkeletonBytes = 4096 };
        byte[] body = Encoding.UTF8.GetBytes("{\"Tags\":[" + string.Join(",", Enumerable.Repeat("1", 5000)) + "]}");
        using var result = await ReadAsync(new TricklePipeReader(body, 512), limits);
        Assert.Equal(CodeErrors.RequestTooLarge(70_167_211, "CreateFunction"), result.Error);
        Assert.True(result.PeakBufferedBytes <= 4096 * 2, $"peak {result.PeakBufferedBytes}");
    }

    [Fact]
    public async Task Failing_read_deletes_the_partial_upload()
    {
        // No pause threshold: the whole prefix is written before anyone reads.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes("{\"ZipFile\":\"" + Convert.ToBase64String(RandomBytes(100_000))));
        await pipe.Writer.CompleteAsync(new IOException("client went away"));

        await Assert.ThrowsAsync<IOException>(() => ReadAsync(pipe.Reader));
        Assert.Empty(Directory.GetFiles(_spool.Path));
    }
}
