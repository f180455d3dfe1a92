using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gateway.LoadTests;

/// <summary>
/// The oversize-abuse scenario: --connections clients that each post --body-mb MB bodies to the function, one
/// after another for --duration seconds, half with a Content-Length and half chunked, each sending until the
/// gateway answers or hangs up. One process with many connections, so that what is measured is the gateway
/// refusing bodies, not the cost of starting a client program per upload (loadtests/abuse.sh).
/// </summary>
internal static class Oversize
{
    private const int ChunkBytes = 64 * 1024;
    private static readonly byte[] Chunk = Enumerable.Repeat((byte)'a', ChunkBytes).ToArray();
    private static readonly byte[] ChunkHead = Encoding.ASCII.GetBytes($"{ChunkBytes:X}\r\n");
    private static readonly byte[] ChunkTail = "\r\n"u8.ToArray();

    private sealed class Counts
    {
        public long Uploads;
        public long BytesSent;
        public long Errors;
        public readonly Dictionary<string, long> Statuses = new(StringComparer.Ordinal);
    }

    public static async Task<int> RunAsync(Options o, EndPoint endPoint, string path)
    {
        var counts = new Counts();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(o.DurationSeconds));
        var clients = Enumerable.Range(0, o.Connections)
            .Select(i => Task.Run(() => ClientAsync(o, endPoint, path, chunked: i % 2 == 1, counts, stop.Token)))
            .ToArray();
        await Task.WhenAll(clients).ConfigureAwait(false);

        string statuses;
        lock (counts)
        {
            statuses = string.Join(' ', counts.Statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT label={o.Label} scenario=oversize clients={o.Connections} body_mb={o.BodyMegabytes} uploads={counts.Uploads} mb_sent={counts.BytesSent / 1_000_000} errors={counts.Errors} {statuses}"));
        return 0;
    }

    private static async Task ClientAsync(Options o, EndPoint endPoint, string path, bool chunked, Counts counts, CancellationToken stop)
    {
        long bodyBytes = (long)o.BodyMegabytes * 1024 * 1024;
        string mode = chunked ? "chunked" : "length";
        while (!stop.IsCancellationRequested)
        {
            var (status, sent) = await UploadAsync(o, endPoint, path, chunked, bodyBytes, stop).ConfigureAwait(false);
            lock (counts)
            {
                counts.Uploads++;
                counts.BytesSent += sent;
                if (status is null)
                {
                    counts.Errors++;
                }
                else
                {
                    string key = $"{mode}_{status}";
                    counts.Statuses[key] = counts.Statuses.GetValueOrDefault(key) + 1;
                }
            }
            try
            {
                await Task.Delay(o.PauseMilliseconds, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One upload on a fresh connection: the status code the gateway answered (null: none) and the
    /// bytes sent before it did.</summary>
    private static async Task<(string? Status, long Sent)> UploadAsync(Options o, EndPoint endPoint, string path, bool chunked, long bodyBytes, CancellationToken stop)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        long sent = 0;
        try
        {
            await socket.ConnectAsync(endPoint, stop).ConfigureAwait(false);
            string head = $"POST {path} HTTP/1.1\r\nHost: {o.Url.Authority}\r\n" +
                (chunked ? "Transfer-Encoding: chunked\r\n" : $"Content-Length: {bodyBytes}\r\n") + "\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(head), SocketFlags.None, stop).ConfigureAwait(false);
            var answer = ReadStatusAsync(socket);
            long started = Environment.TickCount64;
            while (sent < bodyBytes && !answer.IsCompleted && !stop.IsCancellationRequested)
            {
                if (chunked)
                {
                    await socket.SendAsync(ChunkHead, SocketFlags.None, stop).ConfigureAwait(false);
                }
                await socket.SendAsync(Chunk, SocketFlags.None, stop).ConfigureAwait(false);
                if (chunked)
                {
                    await socket.SendAsync(ChunkTail, SocketFlags.None, stop).ConfigureAwait(false);
                }
                sent += ChunkBytes;
                if (o.LimitRateBytesPerSecond > 0)
                {
                    // A slow client: no faster than the given rate.
                    long due = started + sent * 1000 / o.LimitRateBytesPerSecond;
                    long wait = due - Environment.TickCount64;
                    if (wait > 0)
                    {
                        await Task.Delay((int)wait, stop).ConfigureAwait(false);
                    }
                }
            }
            return (await answer.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None).ConfigureAwait(false), sent);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or TimeoutException)
        {
            // The gateway refused and hung up mid-upload (the usual ending), or the run is over.
            return (null, sent);
        }
    }

    /// <summary>The status code of the first response line, or null when the connection ends without one.</summary>
    private static async Task<string?> ReadStatusAsync(Socket socket)
    {
        var buffer = new byte[1024];
        int length = 0;
        try
        {
            while (length < buffer.Length)
            {
                int n = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }
                length += n;
                int end = Array.IndexOf(buffer, (byte)'\n', 0, length);
                if (end >= 0)
                {
                    var line = Encoding.ASCII.GetString(buffer, 0, end).Split(' ');
                    return line.Length > 1 ? line[1] : null;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
        return null;
    }
}
