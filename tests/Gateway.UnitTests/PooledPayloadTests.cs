using System.Buffers;
using Gateway.Invocations;
using Gateway.UnitTests.Support;

namespace Gateway.UnitTests;

public class PooledPayloadTests
{
    private static byte[] Bytes(int length, int seed = 3)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static byte[] Concat(IReadOnlyList<ArraySegment<byte>> segments)
        => [.. segments.SelectMany(s => s)];

    public static TheoryData<int> Sizes => new() { 0, 1, 4095, 4096, 4097, 8191, 8192, 12289, (1 << 20) + 1, 6 * 1024 * 1024 };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void One_write_round_trips(int size)
    {
        var data = Bytes(size);
        var payload = new PooledPayload();
        try
        {
            payload.Write(data);
            Assert.Equal(size, payload.Length);
            Assert.Equal(data, payload.ToArray());
            Assert.Equal(data, Concat(payload.Segments));
            Assert.Equal(size, payload.Segments.Sum(s => (long)s.Count));
            Assert.All(payload.Segments, s => Assert.True(s.Count > 0, "empty segment"));
        }
        finally
        {
            payload.Reset();
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Many_small_writes_round_trip(int size)
    {
        var data = Bytes(size, seed: size);
        var random = new Random(size);
        var payload = new PooledPayload();
        try
        {
            int offset = 0;
            while (offset < size)
            {
                int n = Math.Min(size - offset, random.Next(0, size < 10_000 ? 300 : 70_000));
                payload.Write(data.AsSpan(offset, n));
                offset += n;
                Assert.Equal(offset, payload.Length);
            }
            Assert.Equal(data, payload.ToArray());
            Assert.Equal(data, Concat(payload.Segments));
        }
        finally
        {
            payload.Reset();
        }
    }

    [Fact]
    public void Segments_grow_and_stay_in_order()
    {
        // Byte i has value i % 251, so any reordering or gap shows.
        var data = Enumerable.Range(0, 3 * 1024 * 1024).Select(i => (byte)(i % 251)).ToArray();
        var payload = new PooledPayload();
        try
        {
            foreach (var chunk in data.Chunk(1000))
            {
                payload.Write(chunk);
            }
            var segments = payload.Segments;
            Assert.True(segments.Count > 1);
            // 4 + 8 + 16 + 32 KB from the shared pool, then 64 KB segments from the bounded segment pool.
            Assert.Equal(4 + (3 * 1024 * 1024 - 60 * 1024 + PayloadSegmentPool.SegmentBytes - 1) / PayloadSegmentPool.SegmentBytes, segments.Count);
            Assert.All(segments, s => Assert.True(s.Array!.Length <= PayloadSegmentPool.SegmentBytes));
            long position = 0;
            foreach (var segment in segments)
            {
                for (int i = 0; i < segment.Count; i++, position++)
                {
                    if (segment[i] != (byte)(position % 251))
                    {
                        Assert.Fail($"byte {position} is {segment[i]}");
                    }
                }
            }
            Assert.Equal(data.Length, position);
        }
        finally
        {
            payload.Reset();
        }
    }

    [Fact]
    public void Sequence_write_round_trips()
    {
        var data = Bytes(50_000);
        var payload = new PooledPayload();
        try
        {
            payload.Write(Segments.Split(data, 1, 7, 4096, 0, 10_000));
            Assert.Equal(data, payload.ToArray());
        }
        finally
        {
            payload.Reset();
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4096)]
    [InlineData(5000)]
    [InlineData(32 * 1024)]
    public void Reserve_then_write_the_reserved_length_gives_one_segment(int size)
    {
        var data = Bytes(size);
        var payload = new PooledPayload();
        try
        {
            payload.Reserve(size);
            foreach (var chunk in data.Chunk(3001))
            {
                payload.Write(chunk);
            }
            Assert.Single(payload.Segments);
            Assert.Equal(data, payload.ToArray());
        }
        finally
        {
            payload.Reset();
        }
    }

    [Theory]
    [InlineData(32 * 1024 + 1)]
    [InlineData(6 * 1024 * 1024)]
    public void A_large_reserved_payload_is_made_of_64_KB_pool_segments(int size)
    {
        // Large bodies never take one big array (the shared pool would keep those for good): only 64 KB segments.
        var data = Bytes(size);
        var payload = new PooledPayload();
        try
        {
            payload.Reserve(size);
            foreach (var chunk in data.Chunk(3001))
            {
                payload.Write(chunk);
            }
            Assert.Equal((size + PayloadSegmentPool.SegmentBytes - 1) / PayloadSegmentPool.SegmentBytes, payload.Segments.Count);
            Assert.All(payload.Segments, s => Assert.Equal(PayloadSegmentPool.SegmentBytes, s.Array!.Length));
            Assert.Equal(data, payload.ToArray());
        }
        finally
        {
            payload.Reset();
        }
    }

    [Fact]
    public void Reserve_then_write_more_than_reserved_still_round_trips()
    {
        var data = Bytes(20_000);
        var payload = new PooledPayload();
        try
        {
            payload.Reserve(100);
            payload.Write(data.AsSpan(0, 50));
            payload.Write(data.AsSpan(50));
            Assert.Equal(data, payload.ToArray());
        }
        finally
        {
            payload.Reset();
        }
    }

    [Fact]
    public void Reserve_after_a_write_or_of_zero_changes_nothing()
    {
        var payload = new PooledPayload();
        try
        {
            payload.Reserve(0);
            Assert.Equal(0, payload.Length);
            Assert.Empty(payload.Segments);
            payload.Write([1, 2, 3]);
            payload.Reserve(1000);
            payload.Write([4, 5]);
            Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, payload.ToArray());
        }
        finally
        {
            payload.Reset();
        }
    }

    [Fact]
    public void Reserve_then_reset_without_writing_leaves_it_empty()
    {
        var payload = new PooledPayload();
        payload.Reserve(10_000);
        payload.Reset();
        Assert.Equal(0, payload.Length);
        Assert.Empty(payload.Segments);
        Assert.Empty(payload.ToArray());
    }

    [Fact]
    public void Writing_after_reading_segments_appends()
    {
        var payload = new PooledPayload();
        try
        {
            payload.Write([1, 2, 3]);
            Assert.Equal(new byte[] { 1, 2, 3 }, Concat(payload.Segments));
            payload.Write([4, 5]);
            Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, payload.ToArray());
            Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, Concat(payload.Segments));
        }
        finally
        {
            payload.Reset();
        }
    }

    [Fact]
    public void Reset_empties_and_the_payload_is_reusable()
    {
        var payload = new PooledPayload();
        var first = Bytes(100_000, 1);
        var second = Bytes(7, 2);
        payload.Write(first);
        payload.Reset();
        Assert.Equal(0, payload.Length);
        Assert.Empty(payload.Segments);
        Assert.Empty(payload.ToArray());

        payload.Write(second);
        Assert.Equal(second, payload.ToArray());
        payload.Reset();
        payload.Reset(); // twice is harmless
        Assert.Equal(0, payload.Length);

        payload.Reserve(3);
        payload.Write(second.AsSpan(0, 3));
        Assert.Equal(second[..3], payload.ToArray());
        payload.Reset();
    }

    /// <summary>
    /// An array returned to ArrayPool.Shared twice would later be rented by two owners at once. After each sequence of
    /// operations (and a second, redundant Reset), renting that size several times must give distinct arrays. It runs on
    /// a fresh thread (an empty thread-local pool slot), and the reserve cases use a 3 MB reservation, whose 4 MB bucket
    /// no other test uses, so a double return shows up reliably.
    /// </summary>
    [Theory]
    [InlineData("write", 4096)]
    [InlineData("write-full", 4096)]
    [InlineData("write-segments", 4096)]
    [InlineData("reserve", 3_000_000)]
    [InlineData("reserve-write-part", 3_000_000)]
    [InlineData("reserve-write-full", 3_000_000)]
    [InlineData("reserve-write-segments", 3_000_000)]
    [InlineData("reserve-write-more", 3_000_000)]
    public void Reset_returns_each_array_once(string scenario, int size)
    {
        int distinct = 0, rentedCount = 0;
        var thread = new Thread(() =>
        {
            var payload = new PooledPayload();
            switch (scenario)
            {
                case "write": payload.Write(new byte[10]); break;
                case "write-full": payload.Write(new byte[size]); break;
                case "write-segments": payload.Write(new byte[10]); _ = payload.Segments; break;
                case "reserve": payload.Reserve(size); break;
                case "reserve-write-part": payload.Reserve(size); payload.Write(new byte[1]); break;
                case "reserve-write-full": payload.Reserve(size); payload.Write(new byte[size]); break;
                case "reserve-write-segments": payload.Reserve(size); payload.Write(new byte[1]); _ = payload.Segments; break;
                case "reserve-write-more": payload.Reserve(size); payload.Write(new byte[size + 5000]); break;
            }
            payload.Reset();
            payload.Reset();
            var rented = Enumerable.Range(0, 8).Select(_ => ArrayPool<byte>.Shared.Rent(size)).ToArray();
            rentedCount = rented.Length;
            distinct = rented.Distinct(ReferenceEqualityComparer.Instance).Count();
            foreach (var array in rented)
            {
                ArrayPool<byte>.Shared.Return(array);
            }
        });
        thread.Start();
        Assert.True(thread.Join(TimeoutExtensions.Default));
        Assert.Equal(8, rentedCount);
        Assert.Equal(rentedCount, distinct);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4096)]
    [InlineData(4097)]
    [InlineData(10_000)]
    [InlineData(20_000)]
    [InlineData(30_000)]
    public void CopyTo_copies_a_prefix_or_everything(int destinationLength)
    {
        var data = Bytes(20_000);
        var payload = new PooledPayload();
        try
        {
            foreach (var chunk in data.Chunk(999))
            {
                payload.Write(chunk);
            }
            var destination = new byte[destinationLength];
            Array.Fill(destination, (byte)0xEE);
            payload.CopyTo(destination);
            int copied = Math.Min(destinationLength, data.Length);
            Assert.Equal(data[..copied], destination[..copied]);
            Assert.All(destination[copied..], b => Assert.Equal(0xEE, b));
        }
        finally
        {
            payload.Reset();
        }
    }

    [Fact]
    public void CopyTo_of_an_empty_payload_copies_nothing()
    {
        var payload = new PooledPayload();
        var destination = new byte[] { 1, 2 };
        payload.CopyTo(destination);
        Assert.Equal(new byte[] { 1, 2 }, destination);
    }
}
