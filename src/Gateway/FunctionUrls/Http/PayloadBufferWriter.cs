using System.Buffers;
using Gateway.Invocations;

namespace Gateway.FunctionUrls.Http;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> over a <see cref="PooledPayload"/>, so Utf8JsonWriter can write an event straight
/// into the invocation's request payload. Spans come from one rented scratch array that is copied in on Advance;
/// the scratch array is kept between uses (one per thread, see <see cref="UrlEventWriter"/>).
/// </summary>
internal sealed class PayloadBufferWriter : IBufferWriter<byte>
{
    private byte[] _scratch = ArrayPool<byte>.Shared.Rent(4096);

    public PooledPayload? Target { get; set; }

    public void Advance(int count) => Target!.Write(_scratch.AsSpan(0, count));

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _scratch;
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _scratch;
    }

    private void Ensure(int sizeHint)
    {
        if (sizeHint > _scratch.Length)
        {
            // A large base64 body asks for its whole encoded length at once: rent that, give the big one back after.
            ArrayPool<byte>.Shared.Return(_scratch);
            _scratch = ArrayPool<byte>.Shared.Rent(sizeHint);
        }
    }

    /// <summary>Drops an oversized scratch array so one 8 MB body does not pin 8 MB per thread.</summary>
    public void Trim()
    {
        Target = null;
        if (_scratch.Length > 64 * 1024)
        {
            ArrayPool<byte>.Shared.Return(_scratch);
            _scratch = ArrayPool<byte>.Shared.Rent(4096);
        }
    }
}
