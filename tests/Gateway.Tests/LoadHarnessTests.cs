using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Gateway.Tests;

/// <summary>
/// The load harness (loadtests/Gateway.LoadTests) is the instrument behind docs/performance.md's numbers, so its two
/// engines are run here against real servers: the gateway itself, and a server that answers in the awkward shapes
/// HTTP allows (split heads, chunked bodies cut mid-size-line, 429s, Connection: close). No timing assertions: the
/// checks are counts that a framing or bookkeeping bug would break (errors, answers beyond the tickets sent).
/// </summary>
public sealed partial class LoadHarnessTests : IClassFixture<LoadHarnessTests.Harness>
{
    private readonly Harness _harness;

    public LoadHarnessTests(Harness harness) => _harness = harness;

    /// <summary>Builds the harness once for the class.</summary>
    public sealed class Harness : IAsyncLifetime
    {
        private readonly string _directory = Path.Combine(Path.GetTempPath(), "gw-harness-" + Guid.NewGuid().ToString("N"));

        public string Dll => Path.Combine(_directory, "Gateway.LoadTests.dll");

        public async Task InitializeAsync()
        {
            var (exit, stdout, stderr) = await Processes.RunAsync("dotnet",
                ["build", Path.Combine(TestPaths.RepoRoot, "loadtests", "Gateway.LoadTests", "Gateway.LoadTests.csproj"),
                 "-c", "Release", "-nologo", "-v", "q", "-o", _directory], timeoutMs: 300_000);
            Assert.True(exit == 0, stdout + stderr);
        }

        public Task DisposeAsync()
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
            }
            return Task.CompletedTask;
        }
    }

    [Theory]
    [InlineData("epoll", 0)]
    [InlineData("epoll", 50)]
    [InlineData("tasks", 0)]
    [InlineData("tasks", 50)]
    public async Task Each_engine_drives_a_real_gateway_in_both_loops(string engine, int rate)
    {
        // Lambda's request-rate limit (10 × the account's concurrency a second) lifted, as the load scripts lift it: a
        // fast box's closed loop passes 10,000 invokes a second on two connections, and this test is about the
        // harness, not admission.
        await using var gateway = await GatewayProcess.StartAsync([TestFunction.Sample("echo") with { Provisioned = 2 }],
            "--Gateway:RequestRateMultiplier=1000");
        var result = await RunAsync(gateway.BaseAddress, engine, rate, connections: 2, seconds: 2);

        // Each check prints the harness's whole RESULT line when it fails: which kind of answer it was says why.
        Assert.True(result["ok"] > 0, result.Line);
        Assert.True(result["errors"] == 0, result.Line);
        Assert.True(result["other4xx"] + result["5xx"] + result["throttled"] + result["function_errors"] == 0, result.Line);
        if (rate > 0)
        {
            // 100 tickets in 2 s at 50/s: every answer, every request still in flight and every ticket not yet sent
            // belongs to one of them, so more than 100 would be a request sent twice.
            Assert.True(result["ok"] + result["in_flight_at_end"] + result["unsent_due"] <= 100, result.Line);
        }
    }

    [Fact]
    public async Task The_epoll_engine_frames_split_chunked_throttled_and_closing_answers()
    {
        using var server = new AwkwardServer();
        var result = await RunAsync(server.BaseAddress, "epoll", rate: 0, connections: 2, seconds: 2);

        // The server cycles through four shapes per connection, so a run of any length sees each of them.
        Assert.Equal(0, result["errors"]);
        Assert.True(result["ok"] >= 3, result.Line);
        Assert.True(result["throttled"] >= 1, result.Line);
        Assert.True(server.Connections >= 2, $"a Connection: close answer must make the harness reconnect ({server.Connections} connections)");
    }

    private async Task<HarnessResult> RunAsync(Uri baseAddress, string engine, int rate, int connections, int seconds)
    {
        var (exit, stdout, stderr) = await Processes.RunAsync("dotnet",
            [_harness.Dll, "--url", baseAddress.ToString().TrimEnd('/'), "--engine", engine, "--rate", rate.ToString(CultureInfo.InvariantCulture),
             "--connections", connections.ToString(CultureInfo.InvariantCulture), "--duration", seconds.ToString(CultureInfo.InvariantCulture),
             "--warmup", "0", "--quiet"], timeoutMs: 120_000);
        string line = stdout.Split('\n').FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal)) ?? "";
        Assert.True(line.Length > 0, $"exit {exit}: {stdout}{stderr}");
        return new HarnessResult(line);
    }

    private sealed partial class HarnessResult(string line)
    {
        public string Line { get; } = line;

        public long this[string field]
        {
            get
            {
                var match = FieldPattern().Matches(Line).FirstOrDefault(m => m.Groups[1].Value == field);
                Assert.True(match is not null, $"no {field}= in {Line}");
                return long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
            }
        }

        [GeneratedRegex(@"(\w+)=(\d+)(?=\s|$)")]
        private static partial Regex FieldPattern();
    }

    /// <summary>
    /// An HTTP/1.1 server whose answers test the harness's framing: on each connection it cycles through a
    /// Content-Length answer written a few bytes at a time, a chunked answer cut inside its size lines, a 429 with
    /// Lambda's throttle body, and an answer with Connection: close after which it hangs up.
    /// </summary>
    private sealed class AwkwardServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private int _connections;

        public AwkwardServer()
        {
            _listener.Start();
            _ = AcceptAsync();
        }

        public Uri BaseAddress => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

        public int Connections => Volatile.Read(ref _connections);

        private async Task AcceptAsync()
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    Interlocked.Increment(ref _connections);
                    _ = ServeAsync(client);
                }
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
            }
        }

        private async Task ServeAsync(TcpClient client)
        {
            using var _ = client;
            client.NoDelay = true;
            var stream = client.GetStream();
            var received = new List<byte>();
            var buffer = new byte[4096];
            try
            {
                for (int shape = 0; ; shape = (shape + 1) % 4)
                {
                    // One request: the head, then Content-Length bytes of body.
                    int headEnd;
                    while ((headEnd = IndexOf(received, "\r\n\r\n"u8)) < 0)
                    {
                        int n = await stream.ReadAsync(buffer, _stop.Token);
                        if (n == 0)
                        {
                            return;
                        }
                        received.AddRange(buffer.AsSpan(0, n));
                    }
                    string head = Encoding.ASCII.GetString(received.GetRange(0, headEnd).ToArray());
                    int length = int.Parse(Regex.Match(head, @"Content-Length:\s*(\d+)", RegexOptions.IgnoreCase).Groups[1].Value, CultureInfo.InvariantCulture);
                    while (received.Count < headEnd + 4 + length)
                    {
                        int n = await stream.ReadAsync(buffer, _stop.Token);
                        if (n == 0)
                        {
                            return;
                        }
                        received.AddRange(buffer.AsSpan(0, n));
                    }
                    received.RemoveRange(0, headEnd + 4 + length);

                    switch (shape)
                    {
                        case 0:
                            await WriteInPiecesAsync(stream, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"ok\":\"yes\"}\n", 5);
                            break;
                        case 1:
                            await WriteInPiecesAsync(stream, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n1b;ext=1\r\n:\"abcdefghijklmnopqrstuvw\"}\r\n0\r\n\r\n", 3);
                            break;
                        case 2:
                            await WriteInPiecesAsync(stream, "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nRetry-After: 1\r\n" +
                                "x-amzn-ErrorType: TooManyRequestsException\r\nContent-Length: 95\r\n\r\n" +
                                "{\"Reason\":\"ReservedFunctionConcurrentInvocationLimitExceeded\",\"Type\":\"User\",\"message\":\"Rate.\"}\n", 64);
                            break;
                        default:
                            await WriteInPiecesAsync(stream, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}", 1000);
                            return;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
            {
                // The harness hung up at the run's end (or the test is over): nothing to answer.
            }
        }

        private async Task WriteInPiecesAsync(NetworkStream stream, string response, int piece)
        {
            byte[] bytes = Encoding.ASCII.GetBytes(response);
            for (int at = 0; at < bytes.Length; at += piece)
            {
                await stream.WriteAsync(bytes.AsMemory(at, Math.Min(piece, bytes.Length - at)), _stop.Token);
                await stream.FlushAsync(_stop.Token);
                if (piece < bytes.Length)
                {
                    await Task.Delay(1, _stop.Token);   // separate segments, so the harness sees the answer in parts
                }
            }
        }

        private static int IndexOf(List<byte> bytes, ReadOnlySpan<byte> pattern)
        {
            for (int i = 0; i + pattern.Length <= bytes.Count; i++)
            {
                int j = 0;
                while (j < pattern.Length && bytes[i + j] == pattern[j])
                {
                    j++;
                }
                if (j == pattern.Length)
                {
                    return i;
                }
            }
            return -1;
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }
    }
}
