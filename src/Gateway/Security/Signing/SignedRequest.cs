using System.Runtime.CompilerServices;
using Microsoft.Extensions.ObjectPool;

namespace Gateway.Security.Signing;

/// <summary>
/// A request whose signature is checked but for the payload: the string to sign's first three lines and the canonical
/// request up to its last line are written (one pooled buffer), the signing key is looked up, the signature the
/// client sent is decoded. <see cref="Matches"/> finishes both with the body's SHA-256 and compares in constant time.
/// <para>
/// Rented per request (<see cref="Rent"/>) and given back with <see cref="Release"/> once the signature is decided:
/// a verified request allocates none of this. The SHA-256 instance it keeps is reused for the body's hash
/// (<see cref="HashingBodyReader"/>) and then for the canonical request's.
/// </para>
/// </summary>
internal sealed class SignedRequest
{
    public const string UnsignedPayload = "UNSIGNED-PAYLOAD";

    /// <summary>Enough for every request at once on a busy gateway; more are made and dropped.</summary>
    private static readonly DefaultObjectPool<SignedRequest> Pool = new(new Policy(), maximumRetained: 1024);

    /// <summary>The string to sign's prefix (<c>AWS4-HMAC-SHA256\n date \n scope \n</c>) then the canonical request
    /// without its payload line. A field, so <see cref="SigV4Verifier"/> writes into it in place.</summary>
    public ByteBuilder Text;

    private int _canonicalStart;
    private SigningKey? _key;
    private Signature32 _provided;

    [InlineArray(32)]
    private struct Signature32
    {
        private byte _first;
    }

    /// <summary>A SHA-256 kept with this object: the body's hash, then the canonical request's. A reused one costs
    /// only its hashing (libcrypto's low-level context, <see cref="Sha256Hasher"/>); a one-shot through the .NET API
    /// makes and frees an OpenSSL context each time.</summary>
    public Sha256Hasher Sha256 { get; } = new();

    /// <summary>Set while <see cref="Sha256"/> holds a body read only partly (a request that ended early): cleared
    /// before the next use.</summary>
    public bool Sha256InUse { get; set; }

    public SigningCredential Credential { get; private set; } = null!;

    public bool Presigned { get; private set; }

    /// <summary>A text buffer grown past this (a request with unusually long signed headers) goes back to the shared
    /// array pool when the request is released, rather than being kept by a pooled request.</summary>
    private const int KeptTextCapacity = 4096;

    /// <summary>An empty one. Its text buffer stays with it between requests (<see cref="Policy.Return"/> only empties
    /// it): renting one from the shared array pool per request and giving it back cost both every time.</summary>
    public static SignedRequest Rent()
    {
        var signed = t_spare;
        if (signed is not null)
        {
            t_spare = null;
        }
        else
        {
            signed = Pool.Get();
        }
        if (!signed.Text.HasBuffer)
        {
            signed.Text = new ByteBuilder(1024);
        }
        return signed;
    }

    /// <summary>Completes the rented request once <see cref="Text"/> holds the canonical request without its payload.</summary>
    public void Start(SigningCredential credential, SigningKey key, int canonicalStart, ReadOnlySpan<byte> providedSignature, bool presigned)
    {
        Credential = credential;
        _key = key;
        _canonicalStart = canonicalStart;
        providedSignature.CopyTo(_provided);
        Presigned = presigned;
    }

    /// <summary>True when the signature is right for this payload hash (the body's SHA-256, or the literal the client
    /// signed instead, e.g. <c>UNSIGNED-PAYLOAD</c>).</summary>
    public bool Matches(ReadOnlySpan<byte> payloadSha256) => Check(payloadSha256, literal: null);

    public bool MatchesLiteral(string payloadLine) => Check(default, payloadLine);

    /// <summary>The decision at a body's end: its SHA-256 against the <c>x-amz-content-sha256</c> the client signed
    /// (<paramref name="claimedSha256"/>, already checked against the signature), else as the payload hash that
    /// completes the signature (a presigned URL may have signed <c>UNSIGNED-PAYLOAD</c> instead).</summary>
    public bool MatchesBody(ReadOnlySpan<byte> bodySha256, ReadOnlySpan<byte> claimedSha256)
        => !claimedSha256.IsEmpty
            ? ConstantTime.Equals32(bodySha256, claimedSha256)
            : Matches(bodySha256) || (Presigned && MatchesLiteral(UnsignedPayload));

    [SkipLocalsInit] // every stack buffer here is written whole before it is read: no need to zero them per request
    private bool Check(ReadOnlySpan<byte> payloadSha256, string? literal)
    {
        int canonicalEnd = Text.Length;
        try
        {
            if (literal is null)
            {
                Text.AppendHex(payloadSha256);
            }
            else
            {
                Text.Append(literal);
            }
            Span<byte> hash = stackalloc byte[32];
            Sha256.Append(Text.Written[_canonicalStart..]);
            Sha256.GetHashAndReset(hash);
            // The string to sign: its prefix (kept at the buffer's start) and the canonical request's hash in hex.
            var prefix = Text.Written[.._canonicalStart];
            Span<byte> stringToSign = stackalloc byte[prefix.Length + 64];
            prefix.CopyTo(stringToSign);
            Hex.EncodeLower(hash, stringToSign[prefix.Length..]);
            Span<byte> signature = stackalloc byte[32];
            _key!.Sign(stringToSign, signature);
            return ConstantTime.Equals32(signature, _provided);
        }
        finally
        {
            Text.Length = canonicalEnd; // ready for a second try (presigned: the body's hash, then UNSIGNED-PAYLOAD)
        }
    }

    /// <summary>Back to the pool: the text buffer emptied, the hash reset, nothing of this request kept. Call once.</summary>
    public void Release()
    {
        if (t_spare is null)
        {
            Clear(this);
            t_spare = this;
        }
        else
        {
            Pool.Return(this);
        }
    }

    /// <summary>One emptied request kept per thread. A request verified before its endpoint (nearly all) is released on
    /// the thread that rented it, so the next one there takes it back without the shared pool's interlocked exchanges
    /// and policy calls (~0.1 µs per request in situ). One per thread, so at most a few more than the pool holds.</summary>
    [ThreadStatic]
    private static SignedRequest? t_spare;

    private static void Clear(SignedRequest signed)
    {
        if (signed.Text.Capacity > KeptTextCapacity)
        {
            signed.Text.Dispose();
        }
        signed.Text.Length = 0;
        if (signed.Sha256InUse)
        {
            signed.Sha256.Reset();
            signed.Sha256InUse = false;
        }
        signed.Credential = null!;
        signed._key = null;
        signed._provided = default;
    }

    private sealed class Policy : IPooledObjectPolicy<SignedRequest>
    {
        public SignedRequest Create() => new();

        public bool Return(SignedRequest signed)
        {
            Clear(signed);
            return true;
        }
    }
}
