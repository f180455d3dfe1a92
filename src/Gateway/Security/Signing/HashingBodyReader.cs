using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.ObjectPool;

namespace Gateway.Security.Signing;

/// <summary>
/// The request body as the endpoint reads it, hashed on the way: each byte is fed to SHA-256 the first time a read
/// returns it (Kestrel's own buffers; no copy, no second pass). The read that reaches the end of the body finishes
/// the signature check before it returns: on a mismatch it writes the refusal and throws
/// <see cref="SignatureMismatchException"/> instead of returning <c>IsCompleted</c>, so no endpoint ever holds a whole
/// body whose signature is wrong. Endpoints already treat an <see cref="IOException"/> mid-body as "nobody to answer"
/// and return; the refusal is already on its way.
/// <para>
/// Pooled (<see cref="Rent"/>): the reader, its <see cref="Stream"/> face and its feature are one object made once
/// and reused, given back when the request completes (registered for dispose: Kestrel runs that after the response,
/// before the connection's next request). A read that completes at once — a small body already in Kestrel's buffer —
/// returns without an async state machine; one that waits uses a pooled one.
/// </para>
/// </summary>
internal sealed class HashingBodyReader : PipeReader, IRequestBodyPipeFeature, IDisposable
{
    private static readonly DefaultObjectPool<HashingBodyReader> Pool = new(new Policy(), maximumRetained: 1024);

    private PipeReader _inner = null!;
    private HttpContext _context = null!;
    private SignedRequest? _signed;
    private RefusalShape _shape;
    private Sha256Bytes _claimedSha256;
    private bool _hasClaimedSha256;
    private ReadOnlySequence<byte> _last;
    private long _bufferStart;   // absolute offset of _last's start in the body
    private long _hashedUpTo;    // absolute offset of the first byte not yet hashed
    private bool _finished;
    private bool _refused;
    private bool _rented;
    private Stream? _stream;

    [InlineArray(32)]
    private struct Sha256Bytes
    {
        private byte _first;
    }

    private HashingBodyReader()
    {
    }

    /// <param name="signed">The pending signature; this reader releases it once the body's end decides it.</param>
    /// <param name="claimedSha256">The <c>x-amz-content-sha256</c> the client signed (already verified against the
    /// signature); the body must hash to it. Empty: the body's hash completes the signature.</param>
    public static HashingBodyReader Rent(HttpContext context, PipeReader inner, SignedRequest signed, RefusalShape shape, ReadOnlySpan<byte> claimedSha256)
    {
        var reader = Pool.Get();
        reader._rented = true;
        reader._context = context;
        reader._inner = inner;
        reader._signed = signed;
        reader._shape = shape;
        reader._hasClaimedSha256 = !claimedSha256.IsEmpty;
        claimedSha256.CopyTo(reader._claimedSha256);
        return reader;
    }

    PipeReader IRequestBodyPipeFeature.Reader => this;

    /// <summary>The body as a <see cref="System.IO.Stream"/> (for <c>HttpRequest.Body</c>): made once per pooled
    /// reader. Disposing it leaves the reader alone; the request's end gives the reader back.</summary>
    public Stream Stream => _stream ??= this.AsStream(leaveOpen: true);

    /// <summary>True once the body's end was read and the signature matched.</summary>
    public bool Verified { get; private set; }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfRefused();
        var pending = _inner.ReadAsync(cancellationToken);
        if (!pending.IsCompletedSuccessfully)
        {
            return ReadAwaitedAsync(pending);
        }
        var result = pending.Result;
        return Take(result) ? new ValueTask<ReadResult>(result) : RefuseAsync();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> ReadAwaitedAsync(ValueTask<ReadResult> pending)
    {
        var result = await pending.ConfigureAwait(false);
        if (!Take(result))
        {
            await RefuseAsync().ConfigureAwait(false);
        }
        return result;
    }

    /// <summary>Writes the refusal, then throws: the read that would have returned the body's end.</summary>
    private async ValueTask<ReadResult> RefuseAsync()
    {
        // The inner read given back, all of it consumed: the server's own drain at the request's end then finds the body
        // read to its end, not a read still in progress (Kestrel logs that as a failure, once per refused request).
        _inner.AdvanceTo(_last.End);
        _last = default;
        await RefusalWriter.WriteAsync(_context, SigningRefusal.Mismatch, _shape).ConfigureAwait(false);
        throw new SignatureMismatchException();
    }

    /// <summary>
    /// A synchronous read cannot write the refusal, so the read that would reach the body's end is left to
    /// <see cref="ReadAsync"/>: it is put back unread (nothing consumed, nothing examined, so the next read returns it
    /// at once) and this answers "nothing now". Every other read passes through hashed.
    /// </summary>
    public override bool TryRead(out ReadResult result)
    {
        ThrowIfRefused();
        if (!_inner.TryRead(out result))
        {
            return false;
        }
        if (result.IsCompleted && !_finished)
        {
            _inner.AdvanceTo(result.Buffer.Start, result.Buffer.Start);
            result = default;
            return false;
        }
        Take(result);
        return true;
    }

    /// <summary>True while the signature waits for the body's end: not read to it yet, not completed.</summary>
    public bool Pending => _signed is not null;

    /// <summary>
    /// Reads the rest of the body, hashing and dropping it, to decide the signature before an answer that would not
    /// read it (<see cref="UnreadBody"/>, and a GET or DELETE with a body: RequestSigning). Memory stays bounded (each read is released at once); so does the work:
    /// past <paramref name="limit"/> bytes it stops and says so.
    /// </summary>
    public async ValueTask<BodyDecision> DecideAsync(long limit, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var result = await ReadAsync(cancellationToken).ConfigureAwait(false);
                AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return BodyDecision.Matches;
                }
                if (_bufferStart > limit)
                {
                    return BodyDecision.TooLarge;
                }
            }
        }
        catch (SignatureMismatchException)
        {
            return BodyDecision.Refused;
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return BodyDecision.TooLarge; // the server's own body limit
        }
        catch (Exception ex) when (ex is BadHttpRequestException or IOException or OperationCanceledException or InvalidOperationException)
        {
            return BodyDecision.Unreadable;
        }
    }

    /// <summary>Hashes the bytes this read returned for the first time; at the end, checks the signature. False: it
    /// did not match.</summary>
    private bool Take(in ReadResult result)
    {
        var buffer = result.Buffer;
        _last = buffer;
        if (_finished)
        {
            return true;
        }
        var signed = _signed!;
        long fresh = _bufferStart + buffer.Length - _hashedUpTo;
        if (fresh > 0)
        {
            signed.Sha256InUse = true;
            var unseen = fresh == buffer.Length ? buffer : buffer.Slice(buffer.Length - fresh);
            if (unseen.IsSingleSegment)
            {
                signed.Sha256.Append(unseen.FirstSpan);
            }
            else
            {
                foreach (var segment in unseen)
                {
                    signed.Sha256.Append(segment.Span);
                }
            }
            _hashedUpTo += fresh;
        }
        if (!result.IsCompleted)
        {
            return true;
        }
        _finished = true;
        Span<byte> sha256 = stackalloc byte[32];
        signed.Sha256.GetHashAndReset(sha256);
        signed.Sha256InUse = false;
        bool matches = signed.MatchesBody(sha256, _hasClaimedSha256 ? (ReadOnlySpan<byte>)_claimedSha256 : default);
        ReleaseSigned();
        if (!matches)
        {
            _refused = true;
            return false;
        }
        Verified = true;
        return true;
    }

    private void ThrowIfRefused()
    {
        if (_refused)
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
        _finished = true;
        ReleaseSigned();
        _inner.Complete(exception);
    }

    private void ReleaseSigned()
    {
        if (_signed is { } signed)
        {
            _signed = null;
            signed.Release();
        }
    }

    /// <summary>At the request's end (registered for dispose): the pending signature released when the body's end was
    /// never read, and this reader back to the pool. Only once per rental.</summary>
    public void Dispose()
    {
        if (_rented)
        {
            _rented = false;
            Pool.Return(this);
        }
    }

    private sealed class Policy : IPooledObjectPolicy<HashingBodyReader>
    {
        public HashingBodyReader Create() => new();

        public bool Return(HashingBodyReader reader)
        {
            reader.ReleaseSigned();
            reader._inner = null!;
            reader._context = null!;
            reader._claimedSha256 = default;
            reader._hasClaimedSha256 = false;
            reader._last = default;
            reader._bufferStart = 0;
            reader._hashedUpTo = 0;
            reader._finished = false;
            reader._refused = false;
            reader.Verified = false;
            return true;
        }
    }
}

/// <summary>What reading the rest of a body decided (<see cref="HashingBodyReader.DecideAsync"/>).</summary>
internal enum BodyDecision
{
    /// <summary>Read to its end; the signature matches.</summary>
    Matches,

    /// <summary>Read to its end; the signature does not match, and that refusal is written.</summary>
    Refused,

    /// <summary>Longer than the limit: not read to its end, the signature undecided.</summary>
    TooLarge,

    /// <summary>The client went away or the body could not be read: undecided, and nobody to answer.</summary>
    Unreadable,
}

/// <summary>The body was read to its end and its signature did not match; the refusal has been written.</summary>
internal sealed class SignatureMismatchException() : IOException("The request signature does not match (the request body was refused).");
