using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using Gateway.Security.Signing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.UnitTests.Security.Signing;

/// <summary>
/// Verification's hashing through libcrypto's low-level API (<see cref="LibCryptoSha256"/>, <see cref="Sha256Hasher"/>,
/// <see cref="SigningKey"/>'s precomputed HMAC states) is bit-exact with the .NET API: random inputs hashed whole and in
/// random pieces, random keys (shorter and longer than a block) and messages, signatures made from several threads at
/// once, and signed bodies of every size delivered as multi-segment sequences, read in pieces. The .NET fallback
/// (what runs where libcrypto's low-level API cannot be loaded) is held to the same answers.
/// </summary>
public sealed class LibCryptoSha256Tests
{
    [Fact]
    public void Libcrypto_s_low_level_SHA256_is_loaded_and_passed_its_self_test_here()
    {
        // Debian 12 and the Dockerfile's noble image both ship libcrypto.so.3: the fast path must be the one tested.
        Assert.True(LibCryptoSha256.Available, LibCryptoSha256.Description);
        Assert.True(new Sha256Hasher().UsesLibCrypto);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Random_inputs_hash_as_SHA256_HashData_whole_and_in_random_pieces(bool useLibCrypto)
    {
        var random = new Random(1305);
        using var hasher = new Sha256Hasher(useLibCrypto);
        Span<byte> actual = stackalloc byte[32];
        for (int round = 0; round < 600; round++)
        {
            var data = new byte[round < 300 ? round : random.Next(0, 20_000)];
            random.NextBytes(data);
            if (round % 7 == 3)
            {
                hasher.Append(data.AsSpan(0, data.Length / 2)); // a body left half-read: Reset drops it
                hasher.Reset();
            }
            int position = 0;
            while (position < data.Length)
            {
                int piece = Math.Min(data.Length - position, random.Next(0, 3) switch { 0 => random.Next(1, 4), 1 => random.Next(1, 130), _ => random.Next(1, 5000) });
                hasher.Append(data.AsSpan(position, piece));
                position += piece;
            }
            hasher.GetHashAndReset(actual);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), Convert.ToHexStringLower(actual));
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Hmac_from_precomputed_states_is_HMACSHA256_HashData(bool useLibCrypto)
    {
        var random = new Random(2104);
        Span<byte> actual = stackalloc byte[32];
        foreach (int keyLength in new[] { 0, 1, 31, 32, 33, 63, 64, 65, 100, 128, 200 })
        {
            var key = new byte[keyLength];
            random.NextBytes(key);
            var signingKey = new SigningKey(key, useLibCrypto);
            for (int round = 0; round < 60; round++)
            {
                var message = new byte[round < 40 ? round * 5 : random.Next(0, 3000)];
                random.NextBytes(message);
                signingKey.Sign(message, actual);
                Assert.Equal(Convert.ToHexStringLower(HMACSHA256.HashData(key, message)), Convert.ToHexStringLower(actual));
            }
        }
    }

    [Fact]
    public async Task One_signing_key_signs_from_many_threads_at_once()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var signingKey = new SigningKey(key);
        var messages = Enumerable.Range(0, 64).Select(i => RandomNumberGenerator.GetBytes(50 + i * 7)).ToArray();
        var expected = messages.Select(m => HMACSHA256.HashData(key, m)).ToArray();
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            var signature = new byte[32];
            for (int i = 0; i < 5000; i++)
            {
                int m = (i * 13 + w) % messages.Length;
                signingKey.Sign(messages[m], signature);
                if (!signature.AsSpan().SequenceEqual(expected[m]))
                {
                    return false;
                }
            }
            return true;
        })).ToArray();
        Assert.All(await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(60)), Assert.True);
    }

    /// <summary>The AWS signing key derivation's own published example (AWS General Reference, "Examples of how to
    /// derive a signing key for Signature Version 4"): the derived key, then a signature made with it, through the
    /// precomputed states.</summary>
    [Fact]
    public void The_published_signing_key_example_derives_and_signs()
    {
        var derived = SigningKeyCache.Derive(Encoding.UTF8.GetBytes("AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), "20120215", "us-east-1", "iam");
        Assert.Equal("f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d", Convert.ToHexStringLower(derived));
        var signature = new byte[32];
        new SigningKey(derived).Sign("AWS4-HMAC-SHA256\n20120215T000000Z\n20120215/us-east-1/iam/aws4_request\nabc"u8, signature);
        Assert.Equal(HMACSHA256.HashData(derived, "AWS4-HMAC-SHA256\n20120215T000000Z\n20120215/us-east-1/iam/aws4_request\nabc"u8), signature);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(1000)]
    [InlineData(70_000)]
    public async Task A_signed_body_in_many_segments_read_in_pieces_verifies_and_one_changed_byte_is_refused(int size)
    {
        var random = new Random(size);
        var body = new byte[size];
        random.NextBytes(body);
        for (int attempt = 0; attempt < 6; attempt++)
        {
            var context = SignedContext(body, random);
            Assert.NotNull(await Signing().VerifyAsync(context, "lambda", RefusalShape.Lambda));
            await ReadInPiecesAsync(context.Request.BodyReader, random);
            Assert.Equal(200, context.Response.StatusCode);
        }
        var tampered = (byte[])body.Clone();
        tampered[random.Next(size)] ^= 0x01;
        var refused = SignedContext(body, random, sent: tampered);
        Assert.NotNull(await Signing().VerifyAsync(refused, "lambda", RefusalShape.Lambda));
        await Assert.ThrowsAsync<SignatureMismatchException>(() => ReadInPiecesAsync(refused.Request.BodyReader, random));
        Assert.Equal(403, refused.Response.StatusCode);
    }

    private static readonly DateTimeOffset Now = new(2026, 12, 6, 1, 2, 3, TimeSpan.Zero);

    private static RequestSigning Signing()
        => new(new SigV4Verifier(CredentialsFile.Parse("[t]\naws_access_key_id = AKIATEST\naws_secret_access_key = secret\n", "123456789012"), "us-east-1", new FixedClock(Now)));

    /// <summary>A request signed here with the .NET API only (as botocore signs an invoke), its body (or
    /// <paramref name="sent"/> instead) arriving in random segments.</summary>
    private static DefaultHttpContext SignedContext(byte[] body, Random random, byte[]? sent = null)
    {
        const string path = "/2015-03-31/functions/echo/invocations";
        string amzDate = Now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        string scope = $"{amzDate[..8]}/us-east-1/lambda/aws4_request";
        string canonical = $"POST\n{path}\n\nhost:127.0.0.1:9000\nx-amz-date:{amzDate}\n\nhost;x-amz-date\n{Convert.ToHexStringLower(SHA256.HashData(body))}";
        string stringToSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = HMACSHA256.HashData("AWS4secret"u8, Encoding.UTF8.GetBytes(amzDate[..8]));
        key = HMACSHA256.HashData(key, "us-east-1"u8);
        key = HMACSHA256.HashData(key, "lambda"u8);
        key = HMACSHA256.HashData(key, "aws4_request"u8);
        string signature = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));

        var context = new DefaultHttpContext();
        var request = context.Request;
        request.Method = "POST";
        request.Path = path;
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = path;
        request.Headers.Host = "127.0.0.1:9000";
        request.Headers["X-Amz-Date"] = amzDate;
        request.Headers.Authorization = $"AWS4-HMAC-SHA256 Credential=AKIATEST/{scope}, SignedHeaders=host;x-amz-date, Signature={signature}";
        request.ContentLength = body.Length;
        context.Features.Set<IRequestBodyPipeFeature>(new BodyPipe(new SegmentedReader(sent ?? body, random)));
        context.Response.Body = new MemoryStream();
        return context;
    }

    /// <summary>Reads to the end consuming about half of what each read returns (the rest is returned again with more).</summary>
    private static async Task ReadInPiecesAsync(PipeReader reader, Random random)
    {
        while (true)
        {
            var result = await reader.ReadAsync();
            if (result.IsCompleted)
            {
                reader.AdvanceTo(result.Buffer.End);
                return;
            }
            var consumed = result.Buffer.GetPosition(random.Next(0, (int)result.Buffer.Length / 2 + 1));
            reader.AdvanceTo(consumed, result.Buffer.End);
        }
    }

    private sealed class BodyPipe(PipeReader reader) : IRequestBodyPipeFeature
    {
        public PipeReader Reader => reader;
    }

    /// <summary>A body whose reads return multi-segment sequences (segments of 1 to 700 bytes), a few more segments
    /// revealed by each read, completed at the last.</summary>
    private sealed class SegmentedReader : PipeReader
    {
        private readonly ReadOnlySequence<byte> _whole;
        private readonly Random _random;
        private long _consumed;
        private long _revealed;

        public SegmentedReader(byte[] body, Random random)
        {
            _random = random;
            Chunk? first = null, last = null;
            for (int position = 0; position < body.Length;)
            {
                int length = Math.Min(body.Length - position, random.Next(1, 700));
                last = new Chunk(body.AsMemory(position, length), last);
                first ??= last;
                position += length;
            }
            _whole = first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
        }

        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            TryRead(out var result);
            return new ValueTask<ReadResult>(result);
        }

        public override bool TryRead(out ReadResult result)
        {
            _revealed = Math.Min(_whole.Length, _revealed + _random.Next(1, 3000));
            result = new ReadResult(_whole.Slice(_consumed, _revealed - _consumed), isCanceled: false, isCompleted: _revealed == _whole.Length);
            return true;
        }

        public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
            => _consumed = _whole.Slice(_whole.Start, consumed).Length;

        public override void CancelPendingRead()
        {
        }

        public override void Complete(Exception? exception = null)
        {
        }

        private sealed class Chunk : ReadOnlySequenceSegment<byte>
        {
            public Chunk(ReadOnlyMemory<byte> memory, Chunk? previous)
            {
                Memory = memory;
                if (previous is not null)
                {
                    RunningIndex = previous.RunningIndex + previous.Memory.Length;
                    previous.Next = this;
                }
            }
        }
    }
}
