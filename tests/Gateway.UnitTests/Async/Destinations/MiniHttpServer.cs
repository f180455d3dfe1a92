using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gateway.UnitTests.Async.Destinations;

/// <summary>
/// A real HTTP/1.1 server on a loopback socket, just enough for a destination POST: reads the head and a
/// Content-Length body, answers with the next status of its script (the last one repeats), closes the connection.
/// </summary>
internal sealed class MiniHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Queue<int> _statuses;
    private readonly int _lastStatus;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Request> _requests = [];
    private readonly Task _loop;

    public sealed record Request(string Head, byte[] Body);

    public MiniHttpServer(int port, params int[] statuses)
    {
        _statuses = new Queue<int>(statuses);
        _lastStatus = statuses[^1];
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _loop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}/records");

    public IReadOnlyList<Request> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>A loopback port nothing listens on (bound, then released).</summary>
    public static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                await ServeAsync(client.GetStream());
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task ServeAsync(NetworkStream stream)
    {
        var received = new List<byte>();
        var chunk = new byte[8192];
        int headEnd;
        while ((headEnd = IndexOfHeadEnd(received)) < 0)
        {
            int n = await stream.ReadAsync(chunk, _stop.Token);
            if (n == 0)
            {
                return;
            }
            received.AddRange(chunk.AsSpan(0, n));
        }
        string head = Encoding.ASCII.GetString(received.GetRange(0, headEnd).ToArray());
        int length = ContentLength(head);
        while (received.Count < headEnd + 4 + length)
        {
            int n = await stream.ReadAsync(chunk, _stop.Token);
            if (n == 0)
            {
                return;
            }
            received.AddRange(chunk.AsSpan(0, n));
        }
        int status;
        lock (_requests)
        {
            _requests.Add(new Request(head, received.GetRange(headEnd + 4, length).ToArray()));
            status = _statuses.Count > 0 ? _statuses.Dequeue() : _lastStatus;
        }
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status} Scripted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), _stop.Token);
    }

    private static int IndexOfHeadEnd(List<byte> data)
    {
        for (int i = 0; i + 3 < data.Count; i++)
        {
            if (data[i] == '\r' && data[i + 1] == '\n' && data[i + 2] == '\r' && data[i + 3] == '\n')
            {
                return i;
            }
        }
        return -1;
    }

    private static int ContentLength(string head)
    {
        foreach (var line in head.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                return int.Parse(line["Content-Length:".Length..].Trim());
            }
        }
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _loop.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}
