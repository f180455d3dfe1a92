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
    private sealed record Entry(string Date, string Region, string Service, byte[] Key);

    private readonly Entry?[] _slots = new Entry?[4];
    private int _next;

    public byte[] Get(ReadOnlySpan<char> date, ReadOnlySpan<char> region, ReadOnlySpan<char> service)
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
        var made = new Entry(date.ToString(), region.ToString(), service.ToString(), Derive(secretKeyBytes, date, region, service));
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
