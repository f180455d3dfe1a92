using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Gateway.Security.Signing;

/// <summary>
/// A request whose signature is checked but for the payload: the string to sign's first three lines and the canonical
/// request up to its last line are written (one pooled buffer), the signing key is derived, the signature the client
/// sent is decoded. <see cref="Matches"/> finishes both with the body's SHA-256 and compares in constant time.
/// </summary>
internal sealed class SignedRequest : IDisposable
{
    public const string UnsignedPayload = "UNSIGNED-PAYLOAD";

    private ByteBuilder _text;
    private readonly int _canonicalStart;
    private readonly byte[] _key;
    private Signature32 _provided;

    [InlineArray(32)]
    private struct Signature32
    {
        private byte _first;
    }

    /// <param name="text">The string to sign's prefix (<c>AWS4-HMAC-SHA256\n date \n scope \n</c>) then the canonical
    /// request without its payload line; this object owns it from here.</param>
    public SignedRequest(SigningCredential credential, byte[] key, ByteBuilder text, int canonicalStart, ReadOnlySpan<byte> providedSignature, bool presigned)
    {
        Credential = credential;
        _key = key;
        _text = text;
        _canonicalStart = canonicalStart;
        providedSignature.CopyTo(_provided);
        Presigned = presigned;
    }

    public SigningCredential Credential { get; }

    public bool Presigned { get; }

    /// <summary>True when the signature is right for this payload hash (the body's SHA-256, or the literal the client
    /// signed instead, e.g. <c>UNSIGNED-PAYLOAD</c>).</summary>
    public bool Matches(ReadOnlySpan<byte> payloadSha256) => Check(payloadSha256, literal: null);

    public bool MatchesLiteral(string payloadLine) => Check(default, payloadLine);

    private bool Check(ReadOnlySpan<byte> payloadSha256, string? literal)
    {
        int canonicalEnd = _text.Length;
        try
        {
            if (literal is null)
            {
                _text.AppendHex(payloadSha256);
            }
            else
            {
                _text.Append(literal);
            }
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(_text.Written[_canonicalStart..], hash);
            // The string to sign: its prefix (kept at the buffer's start) and the canonical request's hash in hex.
            var prefix = _text.Written[.._canonicalStart];
            Span<byte> stringToSign = stackalloc byte[prefix.Length + 64];
            prefix.CopyTo(stringToSign);
            Convert.TryToHexStringLower(hash, stringToSign[prefix.Length..], out _);
            Span<byte> signature = stackalloc byte[32];
            HMACSHA256.HashData(_key, stringToSign, signature);
            return CryptographicOperations.FixedTimeEquals(signature, _provided);
        }
        finally
        {
            _text.Length = canonicalEnd; // ready for a second try (presigned: the body's hash, then UNSIGNED-PAYLOAD)
        }
    }

    public void Dispose() => _text.Dispose();
}
