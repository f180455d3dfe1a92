using System.Security.Cryptography;
using System.Text;

namespace Gateway.Security.Signing;

/// <summary>
/// SigV4's signing key for one secret: <c>kDate = HMAC("AWS4"+secret, yyyymmdd)</c>, <c>kRegion</c>, <c>kService</c>,
/// <c>kSigning = HMAC(kService, "aws4_request")</c> — four HMACs that change once a day per (region, service), so
/// they are made once and kept. A few slots per secret cover the day boundary and the two services (lambda, logs);
/// a lookup compares the request's scope spans with the slot's strings and allocates nothing.
/// </summary>
internal sealed class SigningKeyCache(byte[] secretKeyBytes)
{
    private sealed record Entry(string Date, string Region, string Service, SigningKey Key);

    private readonly Entry?[] _slots = new Entry?[4];
    private int _next;

    public SigningKey Get(ReadOnlySpan<char> date, ReadOnlySpan<char> region, ReadOnlySpan<char> service)
    {
        var slots = _slots;
        for (int i = 0; i < slots.Length; i++)
        {
            var entry = Volatile.Read(ref slots[i]);
            if (entry is not null && date.SequenceEqual(entry.Date) && region.SequenceEqual(entry.Region) && service.SequenceEqual(entry.Service))
            {
                return entry.Key;
            }
        }
        var made = new Entry(date.ToString(), region.ToString(), service.ToString(), new SigningKey(Derive(secretKeyBytes, date, region, service)));
        int slot = (Interlocked.Increment(ref _next) & int.MaxValue) % slots.Length;
        Volatile.Write(ref slots[slot], made);
        return made.Key;
    }

    /// <summary>The four HMAC-SHA256 steps (AWS General Reference, "Derive a signing key for SigV4").</summary>
    public static byte[] Derive(byte[] secretKeyBytes, ReadOnlySpan<char> date, ReadOnlySpan<char> region, ReadOnlySpan<char> service)
    {
        Span<byte> key = stackalloc byte[32];
        Span<byte> text = stackalloc byte[256];
        HMACSHA256.HashData(secretKeyBytes, text[..Encoding.UTF8.GetBytes(date, text)], key);
        HMACSHA256.HashData(key, text[..Encoding.UTF8.GetBytes(region, text)], key);
        HMACSHA256.HashData(key, text[..Encoding.UTF8.GetBytes(service, text)], key);
        HMACSHA256.HashData(key, "aws4_request"u8, key);
        return key.ToArray();
    }
}

/// <summary>
/// A derived signing key, ready to sign: HMAC-SHA256 (RFC 2104) is <c>H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m))</c>, and the
/// two keyed blocks <c>K ⊕ ipad</c>, <c>K ⊕ opad</c> are the same for every message, so their SHA-256 states are
/// hashed once here (a key lives a day) and each signature starts from copies of them: one block fewer per half,
/// no MAC object, no lock, per half the message's whole blocks then its padded last one
/// (<see cref="LibCryptoSha256.HashRest"/>). Where libcrypto's low-level API is not available, keyed
/// <see cref="IncrementalHash"/> instances are reused instead (a one-shot
/// <c>HMACSHA256.HashData</c> costs ≈ 4.7 µs on OpenSSL 3: it fetches the MAC again each time).
/// </summary>
internal sealed class SigningKey
{
    private const int BlockSize = 64;

    private readonly byte[] _key;
    private readonly Sha256Context _inner;
    private readonly Sha256Context _outer;
    private readonly System.Collections.Concurrent.ConcurrentQueue<IncrementalHash>? _macs;

    /// <param name="useLibCrypto">False: the .NET API whatever is available (the tests compare both).</param>
    public SigningKey(byte[] key, bool useLibCrypto = true)
    {
        _key = key;
        if (!useLibCrypto || !LibCryptoSha256.Available)
        {
            _macs = new();
            return;
        }
        Span<byte> block = stackalloc byte[BlockSize];
        block.Clear();
        if (key.Length > BlockSize)
        {
            SHA256.HashData(key, block); // RFC 2104: a key longer than the block is hashed first
        }
        else
        {
            key.CopyTo(block);
        }
        Span<byte> padded = stackalloc byte[BlockSize];
        for (int i = 0; i < BlockSize; i++)
        {
            padded[i] = (byte)(block[i] ^ 0x36);
        }
        _inner = LibCryptoSha256.Initial;
        LibCryptoSha256.Update(ref _inner, padded);
        for (int i = 0; i < BlockSize; i++)
        {
            padded[i] = (byte)(block[i] ^ 0x5c);
        }
        _outer = LibCryptoSha256.Initial;
        LibCryptoSha256.Update(ref _outer, padded);
        CryptographicOperations.ZeroMemory(block);
        CryptographicOperations.ZeroMemory(padded);
    }

    public byte[] Key => _key;

    /// <summary>HMAC-SHA256 of <paramref name="message"/> with this key into <paramref name="signature"/> (32 bytes).
    /// Thread-safe: the precomputed states are only read (copied onto the stack).</summary>
    public void Sign(ReadOnlySpan<byte> message, Span<byte> signature)
    {
        if (_macs is not null)
        {
            SignWithDotnet(message, signature);
            return;
        }
        // Each half starts after its one keyed block: the message's length in the padding counts that block too.
        Span<byte> innerHash = stackalloc byte[32];
        var state = _inner;
        LibCryptoSha256.HashRest(ref state, message, (ulong)(BlockSize + message.Length), innerHash);
        state = _outer;
        LibCryptoSha256.HashRest(ref state, innerHash, BlockSize + 32, signature);
    }

    private void SignWithDotnet(ReadOnlySpan<byte> message, Span<byte> signature)
    {
        var mac = _macs!.TryDequeue(out var reused) ? reused : IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        mac.AppendData(message);
        mac.GetHashAndReset(signature);
        if (_macs.Count < 64)
        {
            _macs.Enqueue(mac);
        }
        else
        {
            mac.Dispose();
        }
    }
}
