namespace Gateway.Invocations;

/// <summary>
/// The 64 KB arrays that large payloads are made of, kept for reuse up to a fixed number of bytes.
/// </summary>
/// <remarks>
/// Why not <c>ArrayPool&lt;byte&gt;.Shared</c> for big bodies: it keeps megabyte-sized arrays per core and per thread
/// with no overall bound, so one burst of 6 MB bodies left the gateway hundreds of megabytes larger for good
/// (docs/performance.md, "Oversize abuse"). Here every large payload is made of same-size segments (under the
/// 85,000-byte large-object threshold, so any that are not kept are ordinary short-lived garbage), and at most
/// <see cref="MaxRetainedBytes"/> of them are kept: together with the request-body budget that caps how many are
/// in use, the gateway's payload memory has a ceiling. Small payloads (≤ 32 KB) still use the shared pool, whose
/// arrays of that size are never 64 KB long, which is how <see cref="PooledPayload"/> tells the two apart.
/// </remarks>
internal sealed class PayloadSegmentPool
{
    public const int SegmentBytes = 64 * 1024;

    public static PayloadSegmentPool Shared { get; } = new(32 * 1024 * 1024);

    private readonly object _lock = new();
    private byte[][] _kept;
    private int _count;

    public PayloadSegmentPool(long maxRetainedBytes) => _kept = new byte[Math.Max(0, (int)(maxRetainedBytes / SegmentBytes))][];

    public long MaxRetainedBytes => (long)_kept.Length * SegmentBytes;

    /// <summary>Bytes held for reuse right now.</summary>
    public long RetainedBytes => (long)Volatile.Read(ref _count) * SegmentBytes;

    /// <summary>Sets how many bytes may be kept (at start-up, from <c>Gateway:RequestBodyBufferBytes</c>).</summary>
    public void SetMaxRetainedBytes(long bytes)
    {
        lock (_lock)
        {
            var kept = new byte[Math.Max(0, (int)(bytes / SegmentBytes))][];
            _count = Math.Min(_count, kept.Length);
            Array.Copy(_kept, kept, _count);
            _kept = kept;
        }
    }

    public byte[] Rent()
    {
        lock (_lock)
        {
            if (_count > 0)
            {
                var array = _kept[--_count];
                _kept[_count] = null!;
                return array;
            }
        }
        return GC.AllocateUninitializedArray<byte>(SegmentBytes);
    }

    public void Return(byte[] array)
    {
        lock (_lock)
        {
            if (_count < _kept.Length)
            {
                _kept[_count++] = array;
            }
        }
        // Otherwise dropped: the pool is full, the GC takes it.
    }
}
