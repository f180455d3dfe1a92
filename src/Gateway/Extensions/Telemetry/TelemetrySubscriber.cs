using System.Net;
using System.Net.Sockets;

namespace Gateway.Extensions.Telemetry;

/// <summary>
/// One subscription's delivery: the events it asked for, batched and sent to its destination one batch at a time — a
/// POST of a JSON array (HTTP) or one JSON line per event on a single connection (TCP). A batch goes when it holds
/// <c>maxItems</c> events or <c>maxBytes</c> bytes, or <c>timeoutMs</c> after its first event (telemetry-api.html,
/// "buffering"), and at once when the environment flushes before SHUTDOWN.
/// </summary>
/// <remarks>
/// The destination is inside the environment (<c>sandbox.localdomain</c>): environments share the host's network here,
/// so it is reached on 127.0.0.1 at its port, with its path, and its name as the Host header. A failed send is tried
/// again with backoff (AWS: "Lambda retries the attempt to send telemetry (with backoff)") while the subscriber may still
/// be starting its listener; what cannot be held — past four batches' worth — is dropped and counted in a
/// <c>platform.logsDropped</c> event, as Lambda reports it.
/// </remarks>
internal sealed class TelemetrySubscriber
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromSeconds(1),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        UseProxy = false,
        AllowAutoRedirect = false,
    })
    {
        Timeout = TimeSpan.FromSeconds(10),
    };

    private static readonly TimeSpan[] Backoff = [TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(400)];

    private static readonly byte[] Newline = "\n"u8.ToArray();

    private readonly object _lock = new();
    private readonly SubscribeRequest _request;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<byte[]> _pending = [];
    private readonly Uri? _target;
    private readonly string? _host;
    private Socket? _tcp;
    private long _pendingBytes;
    private long _batchOpenedAt;
    private int _droppedRecords;
    private long _droppedBytes;
    private bool _flushRequested;
    private bool _frozen;
    private bool _stopped;
    private bool _sending;
    private TaskCompletionSource? _drained;
    private int _failedBatches;

    public TelemetrySubscriber(string name, SubscriptionApi api, SubscribeRequest request, TimeProvider time, Socket? tcp)
    {
        Name = name;
        Api = api;
        _request = request;
        _time = time;
        _tcp = tcp;
        if (request.Uri is { } uri)
        {
            _target = new UriBuilder(uri) { Host = IPAddress.Loopback.ToString() }.Uri;
            _host = uri.Authority;
        }
        _ = RunAsync();
    }

    public string Name { get; }

    public SubscriptionApi Api { get; }

    /// <summary>Whether this subscriber gets <paramref name="e"/>: its API carries that kind, and it asked for the category.</summary>
    public bool Wants(in TelemetryEvent e)
    {
        if ((_request.Types & e.Category) == 0)
        {
            return false;
        }
        return e.Kind switch
        {
            TelemetryEventKind.TelemetryOnly => Api == SubscriptionApi.Telemetry,
            TelemetryEventKind.LogsOnly => Api == SubscriptionApi.Logs,
            TelemetryEventKind.RuntimeDone => Api == SubscriptionApi.Telemetry || _request.SchemaVersion == "2021-03-18",
            _ => true,
        };
    }

    /// <summary>Queues an event (the caller checked <see cref="Wants"/>). Never blocks: the sending happens on the loop.</summary>
    public void Add(byte[] json)
    {
        bool wake;
        lock (_lock)
        {
            if (_pendingBytes + json.Length > 4L * _request.MaxBytes)
            {
                _droppedRecords++;
                _droppedBytes += json.Length;
                return;
            }
            _pending.Add(json);
            _pendingBytes += json.Length;
            if (_pending.Count == 1)
            {
                _batchOpenedAt = _time.GetTimestamp();
            }
            wake = _pending.Count == 1 || Full();
        }
        if (wake)
        {
            _wake.Release();
        }
    }

    /// <summary>Sends what is queued now, and completes when it has gone (or could not go).</summary>
    public Task FlushAsync()
    {
        Task drained;
        lock (_lock)
        {
            if (_stopped || (_pending.Count == 0 && !_sending))
            {
                return Task.CompletedTask;
            }
            _flushRequested = true;
            // Read under the lock: the loop completes and clears it as soon as the queue is empty.
            drained = (_drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
        _wake.Release();
        return drained;
    }

    /// <summary>A batch is on its way to the listener (posted, not yet answered or given up).</summary>
    public bool Sending
    {
        get
        {
            lock (_lock)
            {
                return _sending;
            }
        }
    }

    /// <summary>The environment is idle (frozen, on AWS): nothing is sent until <see cref="Thaw"/> or a flush.</summary>
    public void Freeze()
    {
        lock (_lock)
        {
            _frozen = true;
        }
    }

    public void Thaw()
    {
        lock (_lock)
        {
            _frozen = false;
        }
        _wake.Release();
    }

    /// <summary>The environment has ended: nothing more is sent.</summary>
    public void Stop()
    {
        _stop.Cancel();
        lock (_lock)
        {
            _stopped = true;
            _tcp?.Dispose();
            _drained?.TrySetResult();
        }
    }

    private bool Full() => _pending.Count >= _request.MaxItems || _pendingBytes >= _request.MaxBytes;

    /// <summary>The delivery loop: sleeps until a batch is due (full, its time up, or flushed), sends it, and again.
    /// The decision is re-made after every wake-up, so an early or extra wake-up only costs a look.</summary>
    private async Task RunAsync()
    {
        var token = _stop.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                if (TakeBatch(out var wait) is { } batch)
                {
                    try
                    {
                        await SendAsync(batch, token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (!token.IsCancellationRequested)
                    {
                        // Whatever a send threw, the loop lives on (a dead loop would leave every later flush waiting).
                        Console.Error.WriteLine($"[gateway] telemetry for extension {Name}: {ex.GetType().Name}: {ex.Message}");
                    }
                    continue;
                }
                await _wake.WaitAsync(wait, token).ConfigureAwait(false);
            }
        }
        catch (Exception) when (token.IsCancellationRequested)
        {
            // Stopped (a send in flight ends with whatever its disposed socket threw).
        }
    }

    /// <summary>The next batch when one is due (with a logsDropped event first if events were dropped); else null and
    /// how long until the open batch is due (infinite when none is open). Completes a flush once the queue is empty.</summary>
    private List<byte[]>? TakeBatch(out TimeSpan wait)
    {
        lock (_lock)
        {
            _sending = false;
            if (_pending.Count == 0)
            {
                wait = Timeout.InfiniteTimeSpan;
                _flushRequested = false;
                _drained?.TrySetResult();
                _drained = null;
                return null;
            }
            if (_frozen && !_flushRequested)
            {
                wait = Timeout.InfiniteTimeSpan; // until the next invocation thaws the environment, or a flush
                return null;
            }
            var left = TimeSpan.FromMilliseconds(_request.TimeoutMs) - _time.GetElapsedTime(_batchOpenedAt);
            if (!Full() && !_flushRequested && left > TimeSpan.Zero)
            {
                // Rounded up to whole milliseconds (the wait's unit), so the wake-up is never before the batch is due.
                wait = TimeSpan.FromMilliseconds(Math.Ceiling(left.TotalMilliseconds));
                return null;
            }
            wait = TimeSpan.Zero;
            var batch = new List<byte[]>();
            if (_droppedRecords > 0)
            {
                batch.Add(TelemetryEvents.LogsDropped(_time.GetUtcNow(), _droppedRecords, _droppedBytes,
                    "Some logs were dropped because the downstream consumer is slower than the logs production rate"));
                _droppedRecords = 0;
                _droppedBytes = 0;
            }
            long bytes = 0;
            int count = 0;
            while (count < _pending.Count && count < _request.MaxItems && bytes < _request.MaxBytes)
            {
                bytes += _pending[count].Length;
                count++;
            }
            batch.AddRange(_pending.GetRange(0, count));
            _pending.RemoveRange(0, count);
            _pendingBytes -= bytes;
            if (_pending.Count > 0)
            {
                _batchOpenedAt = _time.GetTimestamp();
            }
            _sending = true;
            return batch;
        }
    }

    /// <summary>Sends one batch, trying again with backoff; a batch that cannot be delivered is counted as dropped.</summary>
    private async Task SendAsync(List<byte[]> batch, CancellationToken token)
    {
        Exception? last = null;
        foreach (var delay in Backoff)
        {
            try
            {
                if (_target is not null)
                {
                    await PostAsync(batch, token).ConfigureAwait(false);
                }
                else
                {
                    await WriteLinesAsync(batch, token).ConfigureAwait(false);
                }
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or SocketException or IOException or TaskCanceledException && !token.IsCancellationRequested)
            {
                last = ex;
                await Task.Delay(delay, _time, token).ConfigureAwait(false);
            }
        }
        // Said once per subscriber (then counted in platform.logsDropped): an extension whose listener is gone or broken.
        if (Interlocked.Increment(ref _failedBatches) == 1)
        {
            Console.Error.WriteLine($"[gateway] telemetry for extension {Name}: a batch of {batch.Count} events could not be delivered to {(_target?.ToString() ?? "TCP port " + _request.Port)}: {last?.Message}");
        }
        lock (_lock)
        {
            _droppedRecords += batch.Count;
            foreach (var e in batch)
            {
                _droppedBytes += e.Length;
            }
        }
    }

    private async Task PostAsync(List<byte[]> batch, CancellationToken token)
    {
        int length = 1 + batch.Count;
        foreach (var e in batch)
        {
            length += e.Length;
        }
        var body = new byte[length];
        int at = 0;
        body[at++] = (byte)'[';
        for (int i = 0; i < batch.Count; i++)
        {
            if (i > 0)
            {
                body[at++] = (byte)',';
            }
            batch[i].CopyTo(body, at);
            at += batch[i].Length;
        }
        body[at] = (byte)']';
        using var request = new HttpRequestMessage(HttpMethod.Post, _target) { Content = new ByteArrayContent(body) };
        request.Headers.Host = _host;
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
        if ((int)response.StatusCode >= 400)
        {
            throw new HttpRequestException($"the destination answered {(int)response.StatusCode}");
        }
    }

    /// <summary>TCP: newline-delimited JSON on one connection (made at subscription, made again if it breaks).</summary>
    private async Task WriteLinesAsync(List<byte[]> batch, CancellationToken token)
    {
        var socket = _tcp;
        if (socket is null || !socket.Connected)
        {
            socket?.Dispose();
            socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _request.Port), token).ConfigureAwait(false);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            lock (_lock)
            {
                if (_stopped)
                {
                    socket.Dispose();
                    return;
                }
                _tcp = socket;
            }
        }
        foreach (var e in batch)
        {
            await socket.SendAsync(e, SocketFlags.None, token).ConfigureAwait(false);
            await socket.SendAsync(Newline, SocketFlags.None, token).ConfigureAwait(false);
        }
    }
}
