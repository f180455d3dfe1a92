using System.Globalization;
using System.Security.Cryptography;
using Gateway.Security.Signing;

namespace Gateway.Benchmarks;

/// <summary>
/// <c>--sigv4-hash-cpu-time [ROUNDS] [OPS]</c>: the hashing one verified 64 B invoke does — the body's SHA-256 (64 B),
/// the canonical request's (330 B, as botocore's invoke), the signature's HMAC-SHA256 (the 150 B string to sign) with
/// the cached signing key — through libcrypto's low-level API (what verification uses now) and through the .NET API
/// (a reused IncrementalHash each, what it used before and still uses where libcrypto cannot be loaded), timed in
/// this thread's CPU time as <see cref="SigV4CpuTime"/> does.
/// </summary>
internal static class SigV4HashCpuTime
{
    public static int Run(string[] args)
    {
        int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 15;
        int ops = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20_000;
        var body = RandomNumberGenerator.GetBytes(64);
        var canonical = RandomNumberGenerator.GetBytes(330);
        var stringToSign = RandomNumberGenerator.GetBytes(150);
        var key = RandomNumberGenerator.GetBytes(32);
        var sides = new (string Name, Sha256Hasher Hasher, SigningKey Key)[]
        {
            ("libcrypto", new Sha256Hasher(useLibCrypto: true), new SigningKey(key, useLibCrypto: true)),
            ("dotnet", new Sha256Hasher(useLibCrypto: false), new SigningKey(key, useLibCrypto: false)),
        };
        var samples = sides.Select(_ => new List<double>()).ToArray();
        Span<byte> hash = stackalloc byte[32];
        for (int round = -3; round < rounds; round++)
        {
            for (int s = 0; s < sides.Length; s++)
            {
                var (_, hasher, signingKey) = sides[round % 2 == 0 ? s : sides.Length - 1 - s];
                long start = SigV4CpuTime.ThreadCpuNanoseconds();
                for (int i = 0; i < ops; i++)
                {
                    hasher.Append(body);
                    hasher.GetHashAndReset(hash);
                    hasher.Append(canonical);
                    hasher.GetHashAndReset(hash);
                    signingKey.Sign(stringToSign, hash);
                }
                if (round >= 0)
                {
                    samples[round % 2 == 0 ? s : sides.Length - 1 - s].Add((double)(SigV4CpuTime.ThreadCpuNanoseconds() - start) / ops);
                }
            }
        }
        for (int s = 0; s < sides.Length; s++)
        {
            var sorted = samples[s].Order().ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ROW hashing_per_verification {sides[s].Name,-9} median={sorted[sorted.Length / 2],6:F0} ns/op  p25={sorted[sorted.Length / 4],6:F0}  p75={sorted[sorted.Length * 3 / 4],6:F0}"));
        }
        return 0;
    }
}
