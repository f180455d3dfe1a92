using System.IO.Pipelines;
using Gateway.Invocations;
using Gateway.Invoke;
using Gateway.UnitTests.Support;

namespace Gateway.UnitTests;

public class LimitedBodyReaderTests
{
    private static byte[] Bytes(int length, int seed = 1)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static Pipe NewPipe(long pause = 0, long resume = 0)
        => new(new PipeOptions(pauseWriterThreshold: pause, resumeWriterThreshold: resume, useSynchronizationContext: false));

    /// <summary>Writes <paramref name="data"/> in <paramref name="chunk"/>-byte pieces, flushing each; completes the writer at the end.
    /// Stops early (and reports how much it wrote) when the reader has completed.</summary>
    private static async Task<long> WriteAsync(PipeWriter writer, byte[] data, int chunk)
    {
        long written = 0;
        for (int offset = 0; offset < data.Length; offset += chunk)
        {
            int n = Math.Min(chunk, data.Length - offset);
            var flush = await writer.WriteAsync(data.AsMemory(offset, n));
            written += n;
            if (flush.IsCompleted)
            {
                break;
            }
        }
        await writer.CompleteAsync();
        return written;
    }

    private static async Task<(bool Fits, long Seen, byte[] Body)> ReadAllAsync(byte[] data, long limit, int chunk)
    {
        var pipe = NewPipe();
        var payload = new PooledPayload();
        try
        {
            var writing = Task.Run(() => WriteAsync(pipe.Writer, data, chunk));
            var (fits, seen) = await LimitedBodyReader.ReadAsync(pipe.Reader, payload, limit, CancellationToken.None).WithTimeout();
            await pipe.Reader.CompleteAsync().WithTimeout();
            await writing.WithTimeout();
            return (fits, seen, payload.ToArray());
        }
        finally
        {
            payload.Reset();
        }
    }

    [Theory]
    [InlineData(0, 1000, 1000)]
    [InlineData(1, 1000, 1000)]
    [InlineData(999, 1000, 1000)]
    [InlineData(1000, 1000, 1000)]  // exactly at the limit
    [InlineData(1000, 1000, 1)]
    [InlineData(100_000, 100_000, 7)]
    [InlineData(300_000, 1_000_000, 4096)]
    public async Task Body_within_the_limit_is_read_whole(int length, long limit, int chunk)
    {
        var data = Bytes(length);
        var (fits, seen, body) = await ReadAllAsync(data, limit, chunk);
        Assert.True(fits);
        Assert.Equal(length, seen);
        Assert.Equal(data, body);
    }

    [Theory]
    [InlineData(1001, 1000, 1000)]
    [InlineData(1001, 1000, 1)]      // one byte over, trickled in
    [InlineData(1001, 1000, 1001)]   // one byte over, in one write
    [InlineData(1, 0, 1)]
    public async Task Body_one_byte_over_the_limit_is_refused(int length, long limit, int chunk)
    {
        var data = Bytes(length);
        var (fits, seen, body) = await ReadAllAsync(data, limit, chunk);
        Assert.False(fits);
        Assert.True(seen > limit, $"seen {seen}");
        Assert.True(body.Length <= limit, $"kept {body.Length} bytes");
    }

    [Fact]
    public async Task Empty_body_with_zero_limit_fits()
    {
        var (fits, seen, body) = await ReadAllAsync([], 0, 1);
        Assert.True(fits);
        Assert.Equal(0, seen);
        Assert.Empty(body);
    }

    [Fact]
    public async Task Stops_reading_once_over_the_limit_and_leaves_the_rest_unread()
    {
        const int limit = 64 * 1024;
        const int chunk = 1024;
        const int pause = 16 * 1024;
        var data = Bytes(limit + 100 * 1024);
        var pipe = NewPipe(pause: pause, resume: pause / 2);
        var payload = new PooledPayload();
        try
        {
            var writing = Task.Run(() => WriteAsync(pipe.Writer, data, chunk));
            var (fits, seen) = await LimitedBodyReader.ReadAsync(pipe.Reader, payload, limit, CancellationToken.None).WithTimeout();

            Assert.False(fits);
            Assert.True(seen > limit);
            // It returned after at most one buffer past the limit (the pipe holds at most pause + one write).
            Assert.True(seen <= limit + pause + chunk, $"seen {seen}");
            Assert.True(payload.Length <= limit, $"kept {payload.Length}");
            // The writer is still blocked with data left: it cannot finish without a reader.
            Assert.False(writing.IsCompleted);

            await pipe.Reader.CompleteAsync().WithTimeout();
            long written = await writing.WithTimeout();
            Assert.True(written < data.Length, $"the writer got everything out ({written} bytes)");
            Assert.True(written <= seen + pause + chunk, $"written {written}, seen {seen}");
        }
        finally
        {
            payload.Reset();
        }
    }

    [Fact]
    public async Task Body_read_before_the_writer_completes_waits_for_completion()
    {
        var pipe = NewPipe();
        var payload = new PooledPayload();
        try
        {
            await pipe.Writer.WriteAsync(new byte[10]).WithTimeout();
            var reading = LimitedBodyReader.ReadAsync(pipe.Reader, payload, 10, CancellationToken.None).AsTask();
            // Exactly at the limit but the body has not ended: not done yet (no sleep needed: it cannot finish).
            Assert.False(reading.IsCompleted);
            await pipe.Writer.CompleteAsync().WithTimeout();
            var (fits, seen) = await reading.WithTimeout();
            Assert.True(fits);
            Assert.Equal(10, seen);
        }
        finally
        {
            payload.Reset();
        }
    }

    [Fact]
    public async Task Cancellation_ends_a_read_waiting_for_data()
    {
        var pipe = NewPipe();
        var payload = new PooledPayload();
        using var cts = new CancellationTokenSource();
        var reading = LimitedBodyReader.ReadAsync(pipe.Reader, payload, 100, cts.Token).AsTask();
        Assert.False(reading.IsCompleted);
        await cts.CancelAsync().WithTimeout();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading.WithTimeout());
    }
}
