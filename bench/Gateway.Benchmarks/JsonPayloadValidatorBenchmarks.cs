using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Gateway.Invocations;
using Gateway.Invoke;

namespace Gateway.Benchmarks;

/// <summary>
/// The cost of checking that an invoke payload is JSON while it streams in: the product's own read loop with the
/// check (<see cref="LimitedBodyReader.ReadJsonAsync"/>) against the same loop without it
/// (<see cref="LimitedBodyReader.ReadAsync"/>, the baseline), at 64 B and at 6 MB (Lambda's sync limit). The body
/// arrives as 4 KB segments in reads of up to 64 KB (the gateway's read-ahead), Content-Length known.
/// Two shapes: many small tokens (an array of records) and one 6 MB string (a base64 blob in <c>{"data":"…"}</c>,
/// the case where a token spans every read).
/// </summary>
[MemoryDiagnoser]
[GcServer(false)]
[GcConcurrent(false)]
public class JsonPayloadValidatorBenchmarks
{
    private const long Limit = 6 * 1024 * 1024;

    private RewindablePipeReader _reads = null!;
    private readonly PooledPayload _payload = new();

    [ParamsSource(nameof(Sizes))]
    public int Size { get; set; }

    /// <summary>64 B and Lambda's 6 MB; under bench/check-allocations.sh (16384 operations per benchmark) 192 KB
    /// instead, which still crosses three 64 KB reads and many 4 KB segments, with a string spanning every read.</summary>
    public static IEnumerable<int> Sizes => Environment.GetEnvironmentVariable("GATEWAY_ALLOCATION_CHECK") == "1"
        ? [64, 192 * 1024]
        : [64, 6 * 1024 * 1024];

    [Params("records", "one-string")]
    public string Shape { get; set; } = "records";

    [GlobalSetup]
    public void Setup()
    {
        var bytes = Shape == "records" ? Records(Size) : OneString(Size);
        var body = RewindablePipeReader.Segmented(bytes, 4096);
        _reads = new RewindablePipeReader(body, 64 * 1024);
        // Warm the pools, the payload's segment list and the validator's sequence segments, as a warm gateway has them.
        _reads.Rewind();
        _payload.Reserve(Size);
        _ = LimitedBodyReader.ReadJsonAsync(_reads, _payload, Limit, CancellationToken.None).AsTask().Result;
        _payload.Reset();
    }

    [Benchmark(Baseline = true)]
    public async ValueTask<long> ReadAsync_NoCheck()
    {
        _reads.Rewind();
        _payload.Reserve(Size);
        var (_, seen) = await LimitedBodyReader.ReadAsync(_reads, _payload, Limit, CancellationToken.None).ConfigureAwait(false);
        _payload.Reset();
        return seen;
    }

    [Benchmark]
    public async ValueTask<long> ReadJsonAsync_Checked()
    {
        _reads.Rewind();
        _payload.Reserve(Size);
        var (_, seen, json) = await LimitedBodyReader.ReadJsonAsync(_reads, _payload, Limit, CancellationToken.None).ConfigureAwait(false);
        _payload.Reset();
        return json ? seen : -1;
    }

    /// <summary>{"items":[{"id":1,"name":"item-1","tags":["a","b"],"price":12.5,"ok":true},…]} padded to exactly <paramref name="size"/>.</summary>
    private static byte[] Records(int size)
    {
        if (size < 128)
        {
            var small = "{\"id\":1,\"name\":\"item-1\",\"ok\":true,\"pad\":\"";
            return Encoding.ASCII.GetBytes(small + new string('x', size - small.Length - 2) + "\"}");
        }
        var text = new StringBuilder("{\"items\":[");
        for (int i = 0; text.Length + i < size - 200; i++) // + i: each record's "é" is two bytes
        {
            text.Append(i == 0 ? "" : ",").Append("{\"id\":").Append(i).Append(",\"name\":\"item-").Append(i)
                .Append("\",\"tags\":[\"a\",\"b\"],\"price\":12.5,\"ok\":true,\"note\":\"héllo\"}");
        }
        text.Append("],\"pad\":\"");
        int padding = size - Encoding.UTF8.GetByteCount(text.ToString()) - 2;
        text.Append('x', padding).Append("\"}");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static byte[] OneString(int size)
    {
        const string head = "{\"data\":\"";
        return Encoding.ASCII.GetBytes(head + new string('Q', Math.Max(0, size - head.Length - 2)) + "\"}")[..size];
    }
}
