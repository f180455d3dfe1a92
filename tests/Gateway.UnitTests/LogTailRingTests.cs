using Gateway.Logs;

namespace Gateway.UnitTests;

public class LogTailRingTests
{
    private const int Capacity = LogTailRing.Capacity;

    /// <summary>The reference: the last 4096 bytes of everything appended, computed from the whole stream.</summary>
    private static byte[] LastBytes(List<byte> all) => [.. all.Skip(Math.Max(0, all.Count - Capacity))];

    private static byte[] Contents(LogTailRing ring)
    {
        var buffer = new byte[Capacity];
        int n = ring.CopyTo(buffer);
        return buffer[..n];
    }

    private static void AssertTail(LogTailRing ring, List<byte> all, string context = "")
    {
        var expected = LastBytes(all);
        var actual = Contents(ring);
        Assert.True(expected.SequenceEqual(actual), $"tail differs after {all.Count} bytes {context}");
        Assert.Equal(Convert.ToBase64String(expected), ring.ToBase64());
    }

    /// <summary>Distinct, position-dependent bytes: a misplaced byte cannot go unnoticed.</summary>
    private static byte[] Stream(int start, int length) => [.. Enumerable.Range(start, length).Select(i => (byte)(i * 7 + (i >> 8)))];

    [Fact]
    public void Capacity_is_4_KB()
    {
        Assert.Equal(4096, LogTailRing.Capacity);
    }

    [Fact]
    public void Empty_ring_is_empty()
    {
        var ring = new LogTailRing();
        Assert.Empty(Contents(ring));
        Assert.Equal("", ring.ToBase64());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(4095)]
    [InlineData(4096)]
    [InlineData(4097)]
    [InlineData(8192)]
    [InlineData(8193)]
    [InlineData(100_000)]
    public void One_append_keeps_the_last_4096_bytes(int length)
    {
        var ring = new LogTailRing();
        var data = Stream(0, length);
        ring.Append(data);
        AssertTail(ring, [.. data]);
    }

    [Theory]
    [InlineData(4095)]
    [InlineData(4096)]
    [InlineData(4097)]
    public void Under_at_and_over_capacity_in_two_appends(int total)
    {
        var ring = new LogTailRing();
        var data = Stream(0, total);
        ring.Append(data.AsSpan(0, 1000));
        ring.Append(data.AsSpan(1000));
        AssertTail(ring, [.. data]);
    }

    [Fact]
    public void Many_small_appends_wrap_around()
    {
        var ring = new LogTailRing();
        var all = new List<byte>();
        var random = new Random(42);
        int position = 0;
        for (int i = 0; i < 2000; i++)
        {
            int n = random.Next(0, 97);
            var piece = Stream(position, n);
            position += n;
            ring.Append(piece);
            all.AddRange(piece);
            AssertTail(ring, all, $"(append {i}, {n} bytes)");
        }
        Assert.True(all.Count > 10 * Capacity);
    }

    [Fact]
    public void Appends_of_every_size_around_the_wrap_point()
    {
        // Bring the write position to every offset near the end of the ring, then append across it.
        for (int offset = Capacity - 10; offset <= Capacity; offset++)
        {
            foreach (int n in new[] { 1, 9, 10, 11, 4095 })
            {
                var ring = new LogTailRing();
                var all = new List<byte>();
                var first = Stream(0, Capacity + offset);
                ring.Append(first.AsSpan(0, 3000));
                ring.Append(first.AsSpan(3000));
                all.AddRange(first);
                var second = Stream(first.Length, n);
                ring.Append(second);
                all.AddRange(second);
                AssertTail(ring, all, $"(offset {offset}, n {n})");
            }
        }
    }

    [Theory]
    [InlineData(1, 4096)]
    [InlineData(1000, 4096)]
    [InlineData(1000, 4097)]
    [InlineData(4000, 10_000)]
    [InlineData(5000, 5000)]
    public void A_single_append_larger_than_capacity_after_others(int before, int large)
    {
        var ring = new LogTailRing();
        var all = new List<byte>();
        var a = Stream(0, before);
        ring.Append(a);
        all.AddRange(a);
        var b = Stream(before, large);
        ring.Append(b);
        all.AddRange(b);
        AssertTail(ring, all);
        // and small appends after it continue correctly
        var c = Stream(before + large, 33);
        ring.Append(c);
        all.AddRange(c);
        AssertTail(ring, all);
    }

    [Fact]
    public void Clear_starts_again()
    {
        var ring = new LogTailRing();
        ring.Append(Stream(0, 10_000));
        ring.Clear();
        Assert.Empty(Contents(ring));
        Assert.Equal("", ring.ToBase64());
        var fresh = Stream(500, 10);
        ring.Append(fresh);
        AssertTail(ring, [.. fresh]);
    }

    [Fact]
    public void ToBase64_decodes_to_the_exact_tail_of_a_text_log()
    {
        var ring = new LogTailRing();
        var all = new List<byte>();
        for (int i = 0; i < 500; i++)
        {
            var line = System.Text.Encoding.UTF8.GetBytes($"2024-01-01T00:00:00.000Z\tline {i} ünïcödé\n");
            ring.Append(line);
            all.AddRange(line);
        }
        Assert.Equal(LastBytes(all), Convert.FromBase64String(ring.ToBase64()));
    }
}
