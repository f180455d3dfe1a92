using System.Security.Cryptography;

namespace Gateway.Security.Signing;

/// <summary>
/// A reusable incremental SHA-256 for a request's body and canonical request: libcrypto's low-level context
/// (<see cref="LibCryptoSha256"/>: one native call per append, one for the hash, none to start over) when it is
/// available, else a reused <see cref="IncrementalHash"/>. One per pooled <see cref="SignedRequest"/>; not thread-safe.
/// </summary>
internal sealed class Sha256Hasher : IDisposable
{
    private Sha256Context _context;
    private readonly IncrementalHash? _dotnet;

    /// <param name="useLibCrypto">False: the .NET API whatever is available (the tests compare both).</param>
    public Sha256Hasher(bool useLibCrypto = true)
    {
        if (useLibCrypto && LibCryptoSha256.Available)
        {
            _context = LibCryptoSha256.Initial;
        }
        else
        {
            _dotnet = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        }
    }

    /// <summary>True when this instance hashes through libcrypto's low-level API.</summary>
    public bool UsesLibCrypto => _dotnet is null;

    public void Append(ReadOnlySpan<byte> data)
    {
        if (_dotnet is null)
        {
            LibCryptoSha256.Update(ref _context, data);
        }
        else
        {
            _dotnet.AppendData(data);
        }
    }

    /// <summary>The hash of everything appended (32 bytes), and a fresh start.</summary>
    public void GetHashAndReset(Span<byte> hash)
    {
        if (_dotnet is null)
        {
            LibCryptoSha256.Final(ref _context, hash);
        }
        else
        {
            _dotnet.GetHashAndReset(hash);
        }
    }

    /// <summary>Drops whatever was appended (a body read only partly).</summary>
    public void Reset()
    {
        if (_dotnet is null)
        {
            _context = LibCryptoSha256.Initial;
        }
        else
        {
            _dotnet.GetHashAndReset(stackalloc byte[32]);
        }
    }

    public void Dispose() => _dotnet?.Dispose();
}
