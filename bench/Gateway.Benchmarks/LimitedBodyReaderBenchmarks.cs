using System.Buffers;
using BenchmarkDotNet.Attributes;
using Gateway.Invocations;
using Gateway.Invoke;

namespace Gateway.Benchmarks;

/// <summary>
/// The invoke request body path: <see cref="LimitedBodyReader.ReadAsync"/> from the request's PipeReader into a
/// <see cref="PooledPayload"/> (Reset after every operation, as the invocation pool does), against a plain copy of
/// the same bytes into one pooled array. The body arrives as 4 KB segments (Kestrel's block size).
/// </summary>
[MemoryDiagnoser]
[GcServer(false)]
[GcConcurrent(false)]
public class LimitedBodyReaderBenchmarks
{
    private const long Limit = 6 * 1024 * 1024; // Lambda's synchronous payload limit

    private ReadOnlySequence<byte> _body;
    private RewindablePipeReader _oneRead = null!;
    private RewindablePipeReader _socketReads = null!;
    private readonly PooledPayload _payload = new();

    [Params(64, 64 * 1024, 1024 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var bytes = new byte[Size];
        new Random(42).NextBytes(bytes);
        _body = RewindablePipeReader.Segmented(bytes, 4096);
        _oneRead = new RewindablePipeReader(_body, long.MaxValue);
        _socketReads = new RewindablePipeReader(_body, 16 * 1024);

        // Fill the pool's buckets and the payload's segment list once, as a warm gateway has them.
        _payload.Write(_body);
        _payload.Reset();
    }

    /// <summary>The floor: copy the body into one array rented at its known size, give it back.</summary>
    [Benchmark(Baseline = true)]
    public int CopyToPooledArray()
    {
        byte[] array = ArrayPool<byte>.Shared.Rent(Size);
        _body.CopyTo(array);
        int first = array[0];
        ArrayPool<byte>.Shared.Return(array);
        return first;
    }

    /// <summary>Content-Length known (the usual invoke): the payload reserves one array, the whole body in one read.</summary>
    [Benchmark]
    public async ValueTask<long> ReadAsync_ContentLength()
    {
        _oneRead.Rewind();
        _payload.Reserve(Size);
        var (_, seen) = await LimitedBodyReader.ReadAsync(_oneRead, _payload, Limit, CancellationToken.None).ConfigureAwait(false);
        _payload.Reset();
        return seen;
    }

    /// <summary>No Content-Length (chunked): the payload grows in doubling segments; the body comes in 16 KB reads.</summary>
    [Benchmark]
    public async ValueTask<long> ReadAsync_Chunked16KbReads()
    {
        _socketReads.Rewind();
        var (_, seen) = await LimitedBodyReader.ReadAsync(_socketReads, _payload, Limit, CancellationToken.None).ConfigureAwait(false);
        _payload.Reset();
        return seen;
    }
}
