using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Gateway.Security.Signing;

/// <summary>
/// A reusable incremental SHA-256 for a request's body and canonical request: libcrypto's low-level context
/// (<see cref="LibCryptoSha256"/>: whole blocks hashed in place, the last partial block and the padding finished with
/// <see cref="LibCryptoSha256.HashRest"/>, nothing to call to start over) when it is available, else a reused
/// <see cref="IncrementalHash"/>. One per pooled <see cref="SignedRequest"/>; not thread-safe.
/// </summary>
internal sealed class Sha256Hasher : IDisposable
{
    private Sha256Context _context;
    private readonly IncrementalHash? _dotnet;

    /// <summary>Bytes appended since the last whole block (fewer than 64), kept here: the library's context is only
    /// ever given whole blocks.</summary>
    private Block _pending;
    private int _pendingLength;

    /// <summary>Bytes hashed into <see cref="_context"/> (whole blocks).</summary>
    private ulong _hashed;

    [InlineArray(LibCryptoSha256.BlockSize)]
    private struct Block
    {
        private byte _first;
    }

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
        if (_dotnet is not null)
        {
            _dotnet.AppendData(data);
            return;
        }
        Span<byte> pending = _pending;
        if (_pendingLength > 0)
        {
            int take = Math.Min(LibCryptoSha256.BlockSize - _pendingLength, data.Length);
            data[..take].CopyTo(pending[_pendingLength..]);
            _pendingLength += take;
            data = data[take..];
            if (_pendingLength < LibCryptoSha256.BlockSize)
            {
                return;
            }
            LibCryptoSha256.Update(ref _context, pending);
            _hashed += LibCryptoSha256.BlockSize;
            _pendingLength = 0;
        }
        int whole = data.Length & ~(LibCryptoSha256.BlockSize - 1);
        if (whole > 0)
        {
            LibCryptoSha256.Update(ref _context, data[..whole]);
            _hashed += (ulong)whole;
        }
        data[whole..].CopyTo(pending);
        _pendingLength = data.Length - whole;
    }

    /// <summary>The hash of everything appended (32 bytes), and a fresh start.</summary>
    public void GetHashAndReset(Span<byte> hash)
    {
        if (_dotnet is not null)
        {
            _dotnet.GetHashAndReset(hash);
            return;
        }
        ReadOnlySpan<byte> pending = _pending;
        LibCryptoSha256.HashRest(ref _context, pending[.._pendingLength], _hashed + (ulong)_pendingLength, hash);
        Reset();
    }

    /// <summary>Drops whatever was appended (a body read only partly).</summary>
    public void Reset()
    {
        if (_dotnet is null)
        {
            _context = LibCryptoSha256.Initial;
            _pendingLength = 0;
            _hashed = 0;
        }
        else
        {
            _dotnet.GetHashAndReset(stackalloc byte[32]);
        }
    }

    public void Dispose() => _dotnet?.Dispose();
}
