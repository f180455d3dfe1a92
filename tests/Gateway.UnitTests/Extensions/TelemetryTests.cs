using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Extensions.Telemetry;

namespace Gateway.UnitTests.Extensions;

/// <summary>The Telemetry and Logs APIs' pieces: the subscription's validation (telemetry-api.html's limits, the
/// emulator's schema), the events' shapes, the replay and the filters of each API, and delivery in batches to a real
/// HTTP listener on loopback (by count, by time, and at a flush).</summary>
public class TelemetryTests
{
    private const string Valid = """{"schemaVersion":"2022-12-13","types":["platform","function"],"buffering":{"maxItems":1000,"maxBytes":262144,"timeoutMs":100},"destination":{"protocol":"HTTP","URI":"http://sandbox.localdomain:4243/path"}}""";

    [Fact]
    public void A_valid_subscription_is_read_with_its_limits_and_destination()
    {
        var (request, error) = SubscribeRequest.Parse(Encoding.UTF8.GetBytes(Valid), SubscriptionApi.Telemetry);
        Assert.Null(error);
        Assert.Equal(TelemetryCategories.Platform | TelemetryCategories.Function, request!.Types);
        Assert.Equal(["platform", "function"], request.TypeNames);
        Assert.Equal((1000, 262144, 100), (request.MaxItems, request.MaxBytes, request.TimeoutMs));
        Assert.Equal("http://sandbox.localdomain:4243/path", request.Uri!.ToString());
        Assert.Equal(4243, request.Port);
    }

    [Fact]
    public void Omitted_or_zero_buffering_takes_AWSs_defaults()
    {
        var (request, _) = SubscribeRequest.Parse("""{"schemaVersion":"2022-07-01","types":["platform"],"buffering":{"maxItems":0},"destination":{"protocol":"HTTP","URI":"http://sandbox:9999"}}"""u8, SubscriptionApi.Telemetry);
        Assert.Equal((10_000, 262_144, 1000), (request!.MaxItems, request.MaxBytes, request.TimeoutMs));
        // The Logs API's schemaVersion is optional.
        var (logs, error) = SubscribeRequest.Parse("""{"types":["function"],"destination":{"protocol":"HTTP","URI":"http://sandbox:9999"}}"""u8, SubscriptionApi.Logs);
        Assert.Null(error);
        Assert.Equal("2020-08-15", logs!.SchemaVersion);
    }

    [Theory]
    [InlineData("""{"types":["platform"],"destination":{"protocol":"HTTP","URI":"http://sandbox:1"}}""", "schemaVersion is required")]
    [InlineData("""{"schemaVersion":"2020-08-15","types":["platform"],"destination":{"protocol":"HTTP","URI":"http://sandbox:1"}}""", "schemaVersion must be one of")]
    [InlineData("""{"schemaVersion":"2022-12-13","types":[],"destination":{"protocol":"HTTP","URI":"http://sandbox:1"}}""", "types should not be empty")]
    [InlineData("""{"schemaVersion":"2022-12-13","types":["platform","metrics"],"destination":{"protocol":"HTTP","URI":"http://sandbox:1"}}""", "is not one of platform, function, extension")]
    [InlineData("""{"schemaVersion":"2022-12-13","types":["platform"],"buffering":{"maxItems":999},"destination":{"protocol":"HTTP","URI":"http://sandbox:1"}}""", "buffering.maxItems must be an integer from 1000 to 10000")]
    [InlineData("""{"schemaVersion":"2022-12-13","types":["platform"],"buffering":{"maxBytes":2000000},"destination":{"protocol":"HTTP","URI":"http://sandbox:1"}}""", "buffering.maxBytes must be an integer from 262144 to 1048576")]
    [InlineData("""{"schemaVersion":"2022-12-13","types":["platform"],"buffering":{"timeoutMs":24},"destination":{"protocol":"HTTP","URI":"http://sandbox:1"}}""", "buffering.timeoutMs must be an integer from 25 to 30000")]
    [InlineData("""{"schemaVersion":"2022-12-13","types":["platform"],"destination":{"protocol":"HTTP","URI":"http://localhost:4243"}}""", "destination.URI host must be sandbox.localdomain")]
    [InlineData("""{"schemaVersion":"2022-12-13","types":["platform"],"destination":{"protocol":"HTTP","URI":"http://sandbox.localdomain"}}""", "URI port is not provided")]
    [InlineData("""{"schemaVersion":"2022-12-13","types":["platform"],"destination":{"protocol":"HTTP","URI":"https://sandbox.localdomain:443"}}""", "destination.URI must be an http:// URI")]
    [InlineData("""{"schemaVersion":"2022-12-13","types":["platform"],"destination":{"protocol":"UDP","port":1}}""", "unknown protocol: UDP")]
    [InlineData("""{"schemaVersion":"2022-12-13","types":["platform"],"destination":{"protocol":"TCP","port":0}}""", "destination.port must be a port number")]
    [InlineData("""{"schemaVersion":"2022-12-13","types":["platform"]}""", "destination is required")]
    [InlineData("""[1]""", "must be an object")]
    [InlineData("""{bad""", "failed to parse JSON")]
    public void A_bad_subscription_is_refused_with_the_reason(string body, string reason)
    {
        var (request, error) = SubscribeRequest.Parse(Encoding.UTF8.GetBytes(body), SubscriptionApi.Telemetry);
        Assert.Null(request);
        Assert.Contains(reason, error);
    }

    [Fact]
    public void A_line_is_a_string_record_or_in_JSON_format_its_own_object()
    {
        var time = new DateTimeOffset(2026, 12, 7, 1, 2, 3, 456, TimeSpan.Zero);
        Assert.Equal("""{"time":"2026-12-07T01:02:03.456Z","type":"function","record":"hello \"world\" <3"}""",
            Encoding.UTF8.GetString(TelemetryEvents.Line(time, "function", "hello \"world\" <3"u8, jsonFormat: false)));
        Assert.Equal("""{"time":"2026-12-07T01:02:03.456Z","type":"function","record":{"level":"INFO","message":"m"}}""",
            Encoding.UTF8.GetString(TelemetryEvents.Line(time, "function", """{"level":"INFO","message":"m"}"""u8, jsonFormat: true)));
        // Not an object (or not only one): a string, also in JSON format.
        Assert.Equal("""{"time":"2026-12-07T01:02:03.456Z","type":"extension","record":"{\"a\":1} tail"}""",
            Encoding.UTF8.GetString(TelemetryEvents.Line(time, "extension", """{"a":1} tail"""u8, jsonFormat: true)));
        // Bytes that are not UTF-8 become U+FFFD rather than failing the event.
        var invalid = JsonNode.Parse(TelemetryEvents.Line(time, "function", [0x61, 0xFF, 0x62], jsonFormat: false))!;
        Assert.Equal("a\uFFFDb", invalid["record"]!.GetValue<string>());
    }

    [Fact]
    public async Task Events_before_a_subscription_are_replayed_and_each_API_gets_its_own_kinds()
    {
        using var listener = new Listener();
        var telemetry = new EnvironmentTelemetry(TimeProvider.System);
        telemetry.Publish(TelemetryEventKind.TelemetryOnly, TelemetryCategories.Platform, Event("platform.initStart"));
        telemetry.Publish(TelemetryEventKind.Log, TelemetryCategories.Extension, Event("extension"));
        var ok = Reply(telemetry.Subscribe("ext", SubscriptionApi.Telemetry, Body(listener.Port, "telemetry", ["platform", "function"], 25)));
        Assert.Equal((200, "\"OK\""), ok);
        Assert.Equal((200, "\"OK\""), Reply(telemetry.Subscribe("ext", SubscriptionApi.Telemetry, Body(listener.Port, "telemetry", ["platform"], 25))));
        // One API per extension: "subscribe using the other API returns an error" (telemetry-api.html).
        var other = Reply(telemetry.Subscribe("ext", SubscriptionApi.Logs, Body(listener.Port, "logs", ["platform"], 25)));
        Assert.Equal(400, other.Status);
        Assert.Contains("already subscribed to the Telemetry API", other.Body);
        var logs = Reply(telemetry.Subscribe("logs-ext", SubscriptionApi.Logs, Body(listener.Port, "logs", ["platform", "function", "extension"], 25)));
        Assert.Equal(200, logs.Status);
        telemetry.CloseSubscriptions();
        Assert.Equal((403, """{"errorMessage":"Telemetry API subscription is closed","errorType":"Telemetry.SubscriptionClosed"}"""),
            Reply(telemetry.Subscribe("late", SubscriptionApi.Telemetry, Body(listener.Port, "telemetry", ["platform"], 25))));

        telemetry.Publish(TelemetryEventKind.Shared, TelemetryCategories.Platform, Event("platform.start"));
        telemetry.Publish(TelemetryEventKind.Log, TelemetryCategories.Function, Event("function"));
        telemetry.Publish(TelemetryEventKind.RuntimeDone, TelemetryCategories.Platform, Event("platform.runtimeDone"));
        telemetry.Publish(TelemetryEventKind.LogsOnly, TelemetryCategories.Platform, Event("platform.end"));
        telemetry.Publish(TelemetryEventKind.Shared, TelemetryCategories.Platform, Event("platform.report"));
        await telemetry.FlushAsync(TimeSpan.FromSeconds(5));

        // The Telemetry API subscriber: the replayed initStart (not the extension line: it asked for platform and
        // function), its own subscription, the logs subscriber's is not its kind; runtimeDone, not platform.end.
        Assert.Equal(["platform.initStart", "platform.telemetrySubscription", "platform.start", "function", "platform.runtimeDone", "platform.report"],
            listener.Types("/telemetry"));
        // The Logs API subscriber (schema 2020-08-15): no init events, no runtimeDone, but platform.end.
        Assert.Equal(["extension", "platform.logsSubscription", "platform.start", "function", "platform.end", "platform.report"],
            listener.Types("/logs"));
        telemetry.Stop();
    }

    [Fact]
    public async Task A_batch_goes_when_it_is_full_or_its_time_is_up_and_nothing_is_lost_between_batches()
    {
        using var listener = new Listener();
        var telemetry = new EnvironmentTelemetry(TimeProvider.System);
        Assert.Equal(200, Reply(telemetry.Subscribe("ext", SubscriptionApi.Telemetry, Body(listener.Port, "t", ["function"], 30_000, maxItems: 1000))).Status);
        telemetry.CloseSubscriptions();
        for (int i = 0; i < 2500; i++)
        {
            telemetry.Publish(TelemetryEventKind.Log, TelemetryCategories.Function, Event("function", i.ToString()));
        }
        // Two full batches go at once; the last 500 wait for their 30 s, so they come only with the flush.
        await listener.WaitForEventsAsync(2000);
        Assert.Equal([1000, 1000], listener.BatchSizes());
        await telemetry.FlushAsync(TimeSpan.FromSeconds(5));
        Assert.Equal([1000, 1000, 500], listener.BatchSizes());
        Assert.Equal(Enumerable.Range(0, 2500).Select(i => i.ToString()), listener.Records());

        // With a short timeout, a lone event goes by itself.
        var quick = new EnvironmentTelemetry(TimeProvider.System);
        quick.Subscribe("ext", SubscriptionApi.Telemetry, Body(listener.Port, "q", ["function"], 25));
        quick.Publish(TelemetryEventKind.Log, TelemetryCategories.Function, Event("function", "alone"));
        await listener.WaitForEventsAsync(2501);
        Assert.Equal("alone", listener.Records().Last());
        telemetry.Stop();
        quick.Stop();
    }

    [Fact]
    public async Task A_frozen_environment_delivers_nothing_until_it_is_thawed_or_flushed()
    {
        using var listener = new Listener();
        var telemetry = new EnvironmentTelemetry(TimeProvider.System);
        telemetry.Subscribe("ext", SubscriptionApi.Telemetry, Body(listener.Port, "f", ["function"], 25));
        telemetry.CloseSubscriptions();
        telemetry.Freeze();
        telemetry.Publish(TelemetryEventKind.Log, TelemetryCategories.Function, Event("function", "while idle"));
        await Task.Delay(300);
        Assert.Empty(listener.Records());
        telemetry.Thaw();
        await listener.WaitForEventsAsync(1);
        Assert.Equal(["while idle"], listener.Records());

        telemetry.Freeze();
        telemetry.Publish(TelemetryEventKind.Log, TelemetryCategories.Function, Event("function", "at shutdown"));
        await telemetry.FlushAsync(TimeSpan.FromSeconds(5)); // the shutdown's flush does not wait for a thaw
        Assert.Equal(["while idle", "at shutdown"], listener.Records());
        telemetry.Stop();
    }

    [Fact]
    public void The_sandboxs_hosts_file_adds_the_two_names_to_the_hosts()
    {
        Assert.Equal("127.0.0.1\tlocalhost\n127.0.0.1\tsandbox.localdomain sandbox\n", Gateway.Environments.Sandbox.SandboxHosts.Contents("127.0.0.1\tlocalhost"));
        Assert.Equal("::1 localhost\n127.0.0.1\tsandbox.localdomain sandbox\n", Gateway.Environments.Sandbox.SandboxHosts.Contents("::1 localhost\n"));
    }

    private static byte[] Event(string type, string record = "r") => Encoding.UTF8.GetBytes(
        new JsonObject { ["time"] = "2026-12-07T00:00:00.000Z", ["type"] = type, ["record"] = record }.ToJsonString());

    /// <summary>A subscription body; to the path "logs" a Logs API one (no schemaVersion, as its samples send it).</summary>
    private static byte[] Body(int port, string path, string[] types, int timeoutMs, int maxItems = 1000) => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["schemaVersion"] = path == "logs" ? null : "2022-12-13",
        ["types"] = new JsonArray([.. types.Select(t => (JsonNode)t)]),
        ["buffering"] = new JsonObject { ["maxItems"] = maxItems, ["timeoutMs"] = timeoutMs },
        ["destination"] = new JsonObject { ["protocol"] = "HTTP", ["URI"] = $"http://sandbox.localdomain:{port}/{path}" },
    }.ToJsonString());

    private static (int Status, string Body) Reply(byte[] reply)
    {
        var text = Encoding.UTF8.GetString(reply);
        return (int.Parse(text.Split(' ')[1]), text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
    }

    /// <summary>A real HTTP listener on loopback that keeps each POSTed batch (path, events) and answers 200.</summary>
    private sealed class Listener : IDisposable
    {
        private readonly TcpListener _tcp = new(IPAddress.Loopback, 0);
        private readonly List<(string Path, JsonArray Events)> _batches = [];
        private readonly CancellationTokenSource _stop = new();

        public Listener()
        {
            _tcp.Start();
            _ = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_tcp.LocalEndpoint).Port;

        public string[] Types(string path)
        {
            lock (_batches)
            {
                return [.. _batches.Where(b => b.Path == path).SelectMany(b => b.Events).Select(e => e!["type"]!.GetValue<string>())];
            }
        }

        public int[] BatchSizes()
        {
            lock (_batches)
            {
                return [.. _batches.Select(b => b.Events.Count)];
            }
        }

        public string[] Records()
        {
            lock (_batches)
            {
                return [.. _batches.SelectMany(b => b.Events).Select(e => e!["record"]!.GetValue<string>())];
            }
        }

        public async Task WaitForEventsAsync(int count)
        {
            for (int i = 0; i < 500 && BatchSizes().Sum() < count; i++)
            {
                await Task.Delay(10);
            }
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var client = await _tcp.AcceptTcpClientAsync(_stop.Token);
                    _ = ServeAsync(client);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
            }
        }

        private async Task ServeAsync(TcpClient client)
        {
            using (client)
            {
                var stream = client.GetStream();
                var reader = new StreamReader(stream, Encoding.UTF8);
                while (await reader.ReadLineAsync() is { } requestLine)
                {
                    int length = 0;
                    string? line;
                    while (!string.IsNullOrEmpty(line = await reader.ReadLineAsync()))
                    {
                        if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                        {
                            length = int.Parse(line["Content-Length:".Length..].Trim());
                        }
                    }
                    var body = new char[length];
                    int read = 0;
                    while (read < length)
                    {
                        read += await reader.ReadAsync(body.AsMemory(read));
                    }
                    lock (_batches)
                    {
                        _batches.Add((requestLine.Split(' ')[1], JsonNode.Parse(new string(body))!.AsArray()));
                    }
                    await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"u8.ToArray());
                }
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _tcp.Stop();
        }
    }
}
