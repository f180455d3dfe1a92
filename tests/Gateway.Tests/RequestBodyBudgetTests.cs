using System.Net.Sockets;

namespace Gateway.Tests;

/// <summary>
/// The gateway-wide request-body budget (Gateway:RequestBodyBufferBytes): bodies that do not fit wait unread
/// instead of being buffered, small requests are not held up by them, and nothing is lost or refused for it.
/// </summary>
public sealed class RequestBodyBudgetTests : IAsyncLifetime
{
    // Just over one 6 MB sync payload: one chunked upload of unknown length (which takes the whole limit) fills it.
    private const long Budget = 7_000_000;
    private const int SyncLimit = 6 * 1024 * 1024;
    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayProcess.StartAsync(
        [TestFunction.Sample("echo") with { Provisioned = 2, MaxEnvironments = 8 }],
        $"--Gateway:RequestBodyBufferBytes={Budget}");

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task Oversized_chunked_bodies_wait_for_the_budget_while_small_requests_pass_and_a_6_MB_body_still_succeeds()
    {
        // 1. An upload of unknown length takes the whole limit (6 MB) of the 7 MB budget, and holds it while it
        //    dawdles after its first chunk.
        await using var holder = await ChunkedUpload.StartAsync(_gateway);
        await holder.SendChunksAsync(1);
        await Poll.UntilAsync(async () => await _gateway.MetricAsync("gateway_request_body_bytes") >= SyncLimit, "the first upload to take its share");

        // 2. More such uploads, and a legitimate 6 MB invoke: none fits, so they wait, unread.
        var abusers = Enumerable.Range(0, 4).Select(_ => ChunkedUpload.RunToRefusalAsync(_gateway, 20 * 1024 * 1024)).ToArray();
        var big = JsonPayload.OfSize(SyncLimit, seed: 6);
        var legitimate = _gateway.InvokeAsync("echo", big);
        await Poll.UntilAsync(async () => await _gateway.MetricAsync("gateway_request_body_waits_total") >= 5, "the later bodies to wait for the budget");

        // 3. Meanwhile small invokes still fit in what is left and are answered at once.
        for (int i = 0; i < 20; i++)
        {
            using var echoed = await _gateway.InvokeAsync("echo", $"{{\"n\":{i}}}").WithTimeout(30_000);
            Assert.Equal($"{{\"n\":{i}}}", await echoed.Content.ReadAsStringAsync());
        }
        Assert.False(legitimate.IsCompleted);

        // 4. The first upload goes on past the limit: 413, its share comes back, and the waiters get their turns,
        //    never holding more than the budget between them.
        double peak = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, await _gateway.MetricAsync("gateway_request_body_bytes"));
                await Task.Delay(10);
            }
        });
        var (holderStatus, holderSent) = await holder.RunToRefusalAsync(20 * 1024 * 1024);
        Assert.StartsWith("HTTP/1.1 413", holderStatus);
        Assert.True(holderSent < 20 * 1024 * 1024, "the gateway read the whole oversized body");

        foreach (var (status, sent) in await Task.WhenAll(abusers).WithTimeout(120_000))
        {
            Assert.StartsWith("HTTP/1.1 413", status);
            Assert.True(sent < 20 * 1024 * 1024, $"the gateway read all {sent} bytes before refusing");
        }
        using (var response = await legitimate.WithTimeout(120_000))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(big, await response.Content.ReadAsByteArrayAsync());
        }
        sampling.Cancel();
        await sampler;

        Assert.InRange(peak, 0, Budget);
        await Poll.UntilAsync(async () => await _gateway.MetricAsync("gateway_request_body_bytes") == 0, "every share to come back");
        Assert.Equal(Budget, await _gateway.MetricAsync("gateway_request_body_budget_bytes"));
    }

    /// <summary>A raw client posting a chunked body of 64 KB chunks, which keeps sending until the gateway answers.</summary>
    private sealed class ChunkedUpload : IAsyncDisposable
    {
        private static readonly byte[] Chunk = Enumerable.Repeat((byte)'a', 64 * 1024).ToArray();
        private static readonly byte[] ChunkHead = Encoding.ASCII.GetBytes($"{64 * 1024:X}\r\n");
        private readonly Socket _socket;
        private readonly NetworkStream _stream;
        private readonly Task<string> _statusLine;
        private long _sent;

        private ChunkedUpload(Socket socket)
        {
            _socket = socket;
            _stream = new NetworkStream(socket);
            _statusLine = StatusLine.ReadAsync(_stream);
        }

        public static async Task<ChunkedUpload> StartAsync(GatewayProcess gateway)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(gateway.BaseAddress.Host, gateway.BaseAddress.Port).WithTimeout(10_000);
            var upload = new ChunkedUpload(socket);
            await upload._stream.WriteAsync(Encoding.ASCII.GetBytes(
                "POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nHost: gateway\r\nTransfer-Encoding: chunked\r\n\r\n"));
            return upload;
        }

        public static async Task<(string Status, long Sent)> RunToRefusalAsync(GatewayProcess gateway, long total)
        {
            await using var upload = await StartAsync(gateway);
            return await upload.RunToRefusalAsync(total);
        }

        public async Task SendChunksAsync(int count)
        {
            for (int i = 0; i < count; i++)
            {
                await _stream.WriteAsync(ChunkHead);
                await _stream.WriteAsync(Chunk);
                await _stream.WriteAsync("\r\n"u8.ToArray());
                _sent += Chunk.Length;
            }
        }

        public async Task<(string Status, long Sent)> RunToRefusalAsync(long total)
        {
            try
            {
                while (_sent < total && !_statusLine.IsCompleted)
                {
                    await SendChunksAsync(1);
                }
            }
            catch (IOException)
            {
                // The gateway answered 413 and closed the connection mid-upload.
            }
            return (await _statusLine.WithTimeout(60_000), _sent);
        }

        public ValueTask DisposeAsync()
        {
            _stream.Dispose();
            _socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
