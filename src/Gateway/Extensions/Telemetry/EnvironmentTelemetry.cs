using System.Net;
using System.Net.Sockets;

namespace Gateway.Extensions.Telemetry;

/// <summary>
/// The Telemetry API (<c>PUT /2022-07-01/telemetry</c>) and the Logs API (<c>PUT /2020-08-15/logs</c>) of one execution
/// environment: extensions subscribe during init, and from then on every event of the kinds they asked for — platform
/// events, the function's lines, the extensions' lines — goes to each of them (<see cref="TelemetrySubscriber"/>).
/// </summary>
/// <remarks>
/// Made for an environment with external extensions (or, at its first subscription, one whose runtime registered an
/// internal extension), so a function without them pays nothing. Events published before a
/// subscription (platform.initStart, the extensions' first lines) are kept until init ends and replayed to each new
/// subscriber, as AWS's runtime does (the emulator's telemetry relay: a subscriber's batches begin with
/// platform.initStart); after init no more subscriptions are taken (403 <c>Telemetry.SubscriptionClosed</c>, "After
/// the initialization phase completes, Lambda does not process subscription requests"). Thread-safe; publishing never
/// blocks (it queues), so it may be called under the log's lock, which keeps events in the log's order.
/// </remarks>
internal sealed class EnvironmentTelemetry
{
    /// <summary>Events kept for replay until init ends; more are not kept (an init that logs this much is unusual).</summary>
    private const int ReplayLimit = 10_000;

    private readonly object _lock = new();
    private readonly TimeProvider _time;
    private readonly List<TelemetrySubscriber> _subscribers = [];
    private List<TelemetryEvent>? _replay = [];
    private volatile TelemetrySubscriber[] _snapshot = [];
    private bool _stopped;

    public EnvironmentTelemetry(TimeProvider time) => _time = time;

    /// <summary>Someone subscribed.</summary>
    public bool HasSubscribers => _snapshot.Length > 0;

    /// <summary>Worth making events for: someone subscribed, or may still (init is not over).</summary>
    public bool Listening => _snapshot.Length > 0 || Volatile.Read(ref _replay) is not null;

    public void Publish(TelemetryEventKind kind, TelemetryCategories category, byte[] json)
    {
        var e = new TelemetryEvent(kind, category, json);
        lock (_lock)
        {
            if (_replay is { Count: < ReplayLimit } replay)
            {
                replay.Add(e);
            }
            foreach (var subscriber in _subscribers)
            {
                if (subscriber.Wants(e))
                {
                    subscriber.Add(json);
                }
            }
        }
    }

    /// <summary>PUT /telemetry or /logs from <paramref name="extensionName"/> (an identifier already checked): the reply
    /// to send. The subscription's own event goes to every subscriber, this one included.</summary>
    public byte[] Subscribe(string extensionName, SubscriptionApi api, ReadOnlySpan<byte> body)
    {
        string prefix = api == SubscriptionApi.Telemetry ? "" : "Logs.";
        var (request, error) = SubscribeRequest.Parse(body, api);
        if (request is null)
        {
            return ExtensionReplies.Error(400, "Bad Request", prefix + "ValidationError", error!);
        }
        lock (_lock)
        {
            // Decided before a TCP destination is dialed (and again after: init may end meanwhile).
            if (_replay is null || _stopped)
            {
                return Closed(api);
            }
            if (_subscribers.Find(s => s.Name == extensionName) is { } first)
            {
                return first.Api == api ? ExtensionReplies.Subscribed : OtherApi(extensionName, first.Api, prefix);
            }
        }
        Socket? tcp = null;
        if (request.Tcp)
        {
            // As AWS's runtime does, the TCP destination is dialed at subscription: nothing listening is a 400.
            tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                tcp.Connect(new IPEndPoint(IPAddress.Loopback, request.Port));
            }
            catch (SocketException ex)
            {
                tcp.Dispose();
                return ExtensionReplies.Error(400, "Bad Request", prefix + "ValidationError", $"could not TCP dial provided address sandbox.localdomain:{request.Port}: {ex.Message}");
            }
        }
        lock (_lock)
        {
            if (_replay is null || _stopped)
            {
                tcp?.Dispose();
                return Closed(api);
            }
            if (_subscribers.Find(s => s.Name == extensionName) is { } existing)
            {
                tcp?.Dispose();
                return existing.Api == api ? ExtensionReplies.Subscribed : OtherApi(extensionName, existing.Api, prefix);
            }
            var subscriber = new TelemetrySubscriber(extensionName, api, request, _time, tcp);
            foreach (var e in _replay)
            {
                if (subscriber.Wants(e))
                {
                    subscriber.Add(e.Json);
                }
            }
            _subscribers.Add(subscriber);
            _snapshot = [.. _subscribers];
        }
        var kind = api == SubscriptionApi.Telemetry ? TelemetryEventKind.TelemetryOnly : TelemetryEventKind.LogsOnly;
        Publish(kind, TelemetryCategories.Platform, TelemetryEvents.Subscription(_time.GetUtcNow(), api, extensionName, request.TypeNames));
        return ExtensionReplies.Subscribed;
    }

    /// <summary>
    /// The environment is idle — the runtime waits in /next, every extension in /event/next — which is when Lambda
    /// freezes it ("Lambda freezes the execution environment when each process has completed and there are no pending
    /// events"): deliveries wait for the next invocation (or the shutdown's flush), so an invocation's last events
    /// (its platform.report) arrive during the next one, as on AWS, and a listener that logs what it receives is not
    /// fed its own lines for as long as the environment stays warm.
    /// </summary>
    public void Freeze()
    {
        foreach (var subscriber in _snapshot)
        {
            subscriber.Freeze();
        }
    }

    /// <summary>A batch is on its way to some listener: the environment's processes must run until it is answered
    /// (a stopped listener would answer only after the next invocation, and the post be retried meanwhile).</summary>
    public bool Sending => _snapshot.Any(static subscriber => subscriber.Sending);

    /// <summary>An invocation begins: deliveries go on.</summary>
    public void Thaw()
    {
        foreach (var subscriber in _snapshot)
        {
            subscriber.Thaw();
        }
    }

    /// <summary>Init is over: no more subscriptions, and nothing more kept for replay.</summary>
    public void CloseSubscriptions()
    {
        lock (_lock)
        {
            _replay = null;
        }
    }

    /// <summary>Sends every subscriber's queued events, for up to <paramref name="limit"/> (before SHUTDOWN: AWS's runtime
    /// flushes telemetry, waiting up to a second, before it sends the extensions their SHUTDOWN).</summary>
    public async Task FlushAsync(TimeSpan limit)
    {
        var subscribers = _snapshot;
        if (subscribers.Length == 0)
        {
            return;
        }
        var all = Task.WhenAll(subscribers.Select(static s => s.FlushAsync()));
        await Task.WhenAny(all, Task.Delay(limit, _time)).ConfigureAwait(false);
    }

    /// <summary>The environment has ended: deliveries stop.</summary>
    public void Stop()
    {
        lock (_lock)
        {
            _stopped = true;
            _replay = null;
            foreach (var subscriber in _subscribers)
            {
                subscriber.Stop();
            }
        }
    }

    /// <summary>403 after init (or after the environment ended).</summary>
    private static byte[] Closed(SubscriptionApi api) => api == SubscriptionApi.Telemetry
        ? ExtensionReplies.Forbidden("Telemetry.SubscriptionClosed", "Telemetry API subscription is closed")
        : ExtensionReplies.Forbidden("Logs.SubscriptionClosed", "Logs API subscription is closed");

    /// <summary>"An extension can subscribe with only one of the two APIs" (telemetry-api.html); a repeat through the
    /// same one is "idempotent" (runtimes-logs-api.html): the first subscription stays.</summary>
    private static byte[] OtherApi(string extensionName, SubscriptionApi subscribed, string prefix) =>
        ExtensionReplies.Error(400, "Bad Request", prefix + "ValidationError",
            $"extension {extensionName} is already subscribed to the {(subscribed == SubscriptionApi.Telemetry ? "Telemetry" : "Logs")} API");
}
