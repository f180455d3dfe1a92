using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Security.Signing;

/// <summary>
/// The request body as the endpoint reads it, hashed on the way: each byte is fed to SHA-256 the first time a read
/// returns it (Kestrel's own buffers; no copy, no second pass). The read that reaches the end of the body finishes
/// the signature check before it returns: on a mismatch it writes the refusal and throws
/// <see cref="SignatureMismatchException"/> instead of returning <c>IsCompleted</c>, so no endpoint ever holds a whole
/// body whose signature is wrong. Endpoints already treat an <see cref="IOException"/> mid-body as "nobody to answer"
/// and return; the refusal is already on its way.
/// </summary>
internal sealed class HashingBodyReader : PipeReader, IRequestBodyPipeFeature, IDisposable
{
    private static readonly ConcurrentQueue<IncrementalHash> Hashes = new();

    private readonly PipeReader _inner;
    private readonly HttpContext _context;
    private readonly SignedRequest _signed;
    private readonly RefusalShape _shape;
    private readonly byte[]? _claimedSha256;
    private IncrementalHash? _hash;
    private ReadOnlySequence<byte> _last;
    private long _bufferStart;   // absolute offset of _last's start in the body
    private long _hashedUpTo;    // absolute offset of the first byte not yet hashed
    private bool _finished;
    private SigningRefusal? _refused;

    /// <param name="claimedSha256">The <c>x-amz-content-sha256</c> the client signed (already verified against the
    /// signature); the body must hash to it. Null: the body's hash completes the signature.</param>
    public HashingBodyReader(HttpContext context, PipeReader inner, SignedRequest signed, RefusalShape shape, byte[]? claimedSha256)
    {
        _context = context;
        _inner = inner;
        _signed = signed;
        _shape = shape;
        _claimedSha256 = claimedSha256;
        _hash = Hashes.TryDequeue(out var reused) ? reused : IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    }

    PipeReader IRequestBodyPipeFeature.Reader => this;

    /// <summary>True once the body's end was read and the signature matched.</summary>
    public bool Verified { get; private set; }

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfRefused();
        var result = await _inner.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (!Take(result))
        {
            await RefusalWriter.WriteAsync(_context, _refused!, _shape).ConfigureAwait(false);
            ThrowIfRefused();
        }
        return result;
    }

    public override bool TryRead(out ReadResult result)
    {
        ThrowIfRefused();
        if (!_inner.TryRead(out result))
        {
            return false;
        }
        if (!Take(result))
        {
            // A synchronous caller: the refusal is written by whoever catches (the middleware, after the endpoint).
            ThrowIfRefused();
        }
        return true;
    }

    /// <summary>Reads the rest of the body and drops it (for a request whose endpoint does not read its body: the
    /// signature still covers it). False when the signature did not match (the refusal is written).</summary>
    public async ValueTask<bool> DrainAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var result = await ReadAsync(cancellationToken).ConfigureAwait(false);
                AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return true;
                }
            }
        }
        catch (SignatureMismatchException)
        {
            return false;
        }
    }

    /// <summary>Hashes the bytes this read returned for the first time; at the end, checks the signature.</summary>
    private bool Take(in ReadResult result)
    {
        var buffer = result.Buffer;
        _last = buffer;
        long fresh = _bufferStart + buffer.Length - _hashedUpTo;
        if (fresh > 0 && _hash is not null)
        {
            foreach (var segment in buffer.Slice(buffer.Length - fresh))
            {
                _hash.AppendData(segment.Span);
            }
            _hashedUpTo += fresh;
        }
        if (!result.IsCompleted || _finished)
        {
            return true;
        }
        _finished = true;
        Span<byte> sha256 = stackalloc byte[32];
        _hash!.GetHashAndReset(sha256);
        ReturnHash();
        bool matches = _claimedSha256 is not null
            ? CryptographicOperations.FixedTimeEquals(sha256, _claimedSha256)
            : _signed.Matches(sha256) || (_signed.Presigned && _signed.MatchesLiteral(SignedRequest.UnsignedPayload));
        _signed.Dispose();
        if (!matches)
        {
            _refused = SigningRefusal.Mismatch;
            return false;
        }
        Verified = true;
        return true;
    }

    private void ThrowIfRefused()
    {
        if (_refused is not null)
        {
            throw new SignatureMismatchException();
        }
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        _bufferStart += _last.Slice(_last.Start, consumed).Length;
        _last = default;
        _inner.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => _inner.CancelPendingRead();

    public override void Complete(Exception? exception = null)
    {
        ReturnHash();
        if (!_finished)
        {
            _finished = true;
            _signed.Dispose();
        }
        _inner.Complete(exception);
    }

    private void ReturnHash()
    {
        if (_hash is { } hash)
        {
            _hash = null;
            if (Hashes.Count < 256)
            {
                hash.GetHashAndReset(stackalloc byte[32]); // a body read halfway leaves state behind
                Hashes.Enqueue(hash);
            }
            else
            {
                hash.Dispose();
            }
        }
    }

    /// <summary>At the request's end (registered for dispose): pooled pieces back when the body's end was never read.</summary>
    public void Dispose()
    {
        ReturnHash();
        if (!_finished)
        {
            _finished = true;
            _signed.Dispose();
        }
    }
}

/// <summary>The body was read to its end and its signature did not match; the refusal has been written.</summary>
internal sealed class SignatureMismatchException() : IOException("The request signature does not match (the request body was refused).");
