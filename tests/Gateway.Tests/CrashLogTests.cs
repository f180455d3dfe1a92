using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>
/// Function logs survive a SIGKILL of the gateway: for every invocation whose response a client received in full (and
/// every Event whose destination record was written), START, the function's own lines, END and REPORT are in the log
/// files on disk. The files are read after the kill, as a user reads them after a crash: no restart, no flush.
/// </summary>
public sealed class CrashLogTests
{
    private const int KillAfterSync = 600;
    private const int SyncSenders = 6;
    private const int EventSenders = 3;

    // The "log" sample writes "log line 1 of 2 to stdout" and "log line 2 of 2 to stderr", then answers {"ok":true}.
    private const string TwoLines = """{"lines":2,"bytes":0}""";

    [Fact]
    public async Task A_SIGKILL_mid_flood_loses_no_log_line_of_a_completed_invocation()
    {
        var destination = Directory.CreateTempSubdirectory("gateway-crashlog-destination-").FullName;
        try
        {
            var text = TestFunction.Sample("text-log", "log") with
            {
                Provisioned = 2,
                MaxEnvironments = 4,
                Extra = AsyncInvocationTests.Config(onSuccess: "file://" + destination),
            };
            var json = TestFunction.Sample("json-log", "log") with
            {
                Provisioned = 2,
                MaxEnvironments = 4,
                Extra = new JsonObject { ["LoggingConfig"] = new JsonObject { ["LogFormat"] = "JSON" } },
            };
            await using var gateway = await GatewayProcess.StartAsync([text, json], "--quiet");

            // Sync invocations of both functions and Events of the Text one, from several connections each; the gateway
            // is killed once enough sync responses have been received, while the others are in flight.
            var completed = new ConcurrentBag<(string Function, string RequestId)>();
            using var killed = new CancellationTokenSource();
            async Task SyncAsync(string function)
            {
                using var client = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
                while (!killed.IsCancellationRequested)
                {
                    try
                    {
                        using var response = await client.PostAsync($"/2015-03-31/functions/{function}/invocations", new StringContent(TwoLines));
                        var body = await response.Content.ReadAsStringAsync(); // the whole response, or an exception
                        if (response.StatusCode == HttpStatusCode.OK && body == """{"ok":true}""")
                        {
                            completed.Add((function, response.Headers.GetValues("x-amzn-RequestId").Single()));
                            if (completed.Count == KillAfterSync)
                            {
                                gateway.Kill();
                                await killed.CancelAsync();
                            }
                        }
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                    {
                        return; // the gateway is gone: this response never arrived in full, so nothing was promised
                    }
                }
            }
            async Task EventsAsync()
            {
                using var client = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
                while (!killed.IsCancellationRequested)
                {
                    try
                    {
                        using var request = new HttpRequestMessage(HttpMethod.Post, "/2015-03-31/functions/text-log/invocations") { Content = new StringContent(TwoLines) };
                        request.Headers.Add("X-Amz-Invocation-Type", "Event");
                        using var response = await client.SendAsync(request);
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                    {
                        return;
                    }
                }
            }
            var senders = Enumerable.Range(0, SyncSenders).Select(i => Task.Run(() => SyncAsync(i % 2 == 0 ? "text-log" : "json-log")))
                .Concat(Enumerable.Range(0, EventSenders).Select(_ => Task.Run(EventsAsync)));
            await Task.WhenAll(senders).WithTimeout(300_000);
            await gateway.WaitForExitAsync();
            Assert.True(completed.Count >= KillAfterSync, $"only {completed.Count} sync invocations completed before the kill");

            // Every Event whose run was over (its success record written) before the kill.
            var events = DestinationRecords.Read(Path.Combine(destination, "text-log.jsonl"))
                .Select(r => r.GetProperty("requestContext").GetProperty("requestId").GetString()!).ToList();
            Assert.NotEmpty(events);

            var textLog = InvocationLogs.ReadText(gateway, "text-log");
            var jsonLog = InvocationLogs.ReadJson(gateway, "json-log");
            var missing = new List<string>();
            foreach (var (function, requestId) in completed)
            {
                InvocationLogs.Check(function == "text-log" ? textLog : jsonLog, requestId, ["log line 1 of 2 to stdout", "log line 2 of 2 to stderr"], missing);
            }
            foreach (var requestId in events)
            {
                InvocationLogs.Check(textLog, requestId, ["log line 1 of 2 to stdout", "log line 2 of 2 to stderr"], missing);
            }
            Assert.True(missing.Count == 0,
                $"{missing.Count} of {completed.Count} sync and {events.Count} Event invocations lack log lines on disk:\n{string.Join('\n', missing.Take(20))}");
        }
        finally
        {
            Directory.Delete(destination, recursive: true);
        }
    }

    [Fact]
    public async Task Output_written_just_before_the_response_is_on_disk_and_in_the_tail_when_the_caller_has_it()
    {
        // 200 lines of 1,000 bytes (more than the socket's buffer holds at once) written just before the response;
        // the gateway is killed the moment the last response has arrived.
        const string Payload = """{"lines":200,"bytes":1000}""";
        await using var gateway = await GatewayProcess.StartAsync([TestFunction.Sample("chatty", "log"), TestFunction.Sample("streamer", "stream")], "--quiet");
        var requestIds = new List<string>();
        for (int i = 0; i < 10; i++)
        {
            using var response = await gateway.InvokeAsync("chatty", Payload, logType: "Tail");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();
            requestIds.Add(requestId);
            // The tail (the last 4 KB) carries the same lines as the file: the last of the worker's, END and REPORT.
            var tail = Encoding.UTF8.GetString(Convert.FromBase64String(response.Headers.GetValues("X-Amz-Log-Result").Single()));
            Assert.Contains("log line 200 of 200 to stderr ", tail, StringComparison.Ordinal);
            Assert.Contains($"END RequestId: {requestId}\nREPORT RequestId: {requestId}\t", tail, StringComparison.Ordinal);
        }

        // A streamed response: complete once its InvokeComplete event has arrived.
        var stream = new HttpRequestMessage(HttpMethod.Post, "/2021-11-15/functions/streamer/response-streaming-invocations") { Content = new StringContent("{}") };
        using var streamed = await gateway.Client.SendAsync(stream).WithTimeout(60_000);
        Assert.Equal(HttpStatusCode.OK, streamed.StatusCode);
        var streamedBody = await streamed.Content.ReadAsByteArrayAsync();
        Assert.Contains("InvokeComplete", Encoding.ASCII.GetString(streamedBody), StringComparison.Ordinal);
        var streamedId = streamed.Headers.GetValues("x-amzn-RequestId").Single();

        gateway.Kill();
        await gateway.WaitForExitAsync();

        var logs = InvocationLogs.ReadText(gateway, "chatty");
        var expected = Enumerable.Range(1, 200).Select(n => $"log line {n} of 200 to {(n % 2 == 1 ? "stdout" : "stderr")} ").ToArray();
        var missing = new List<string>();
        foreach (var requestId in requestIds)
        {
            InvocationLogs.Check(logs, requestId, expected, missing);
        }
        InvocationLogs.Check(InvocationLogs.ReadText(gateway, "streamer"), streamedId, [], missing);
        Assert.True(missing.Count == 0, string.Join('\n', missing.Take(20)));
    }
}

/// <summary>
/// A function's log files as they are on disk, cut into invocations by request id: for each, the lines from its START
/// up to its END, and whether a REPORT for it follows the END. An environment runs one invocation at a time, so every
/// line between an invocation's START and its END in one stream file belongs to it.
/// </summary>
internal static class InvocationLogs
{
    internal sealed record Invocation(List<string> Lines, bool Ended, bool Reported);

    public static Dictionary<string, Invocation> ReadText(GatewayProcess gateway, string function) =>
        Read(gateway, function, static line =>
            line.StartsWith("START RequestId: ", StringComparison.Ordinal) ? ("start", line.Split(' ')[2])
            : line.StartsWith("END RequestId: ", StringComparison.Ordinal) ? ("end", line["END RequestId: ".Length..])
            : line.StartsWith("REPORT RequestId: ", StringComparison.Ordinal) ? ("report", line["REPORT RequestId: ".Length..].Split('\t')[0])
            : null);

    /// <summary>LoggingConfig JSON: platform.start and platform.report objects (no END line at SystemLogLevel INFO).</summary>
    public static Dictionary<string, Invocation> ReadJson(GatewayProcess gateway, string function) =>
        Read(gateway, function, static line =>
        {
            if (!line.StartsWith("{\"time\"", StringComparison.Ordinal))
            {
                return null;
            }
            using var document = JsonDocument.Parse(line);
            var type = document.RootElement.TryGetProperty("type", out var t) ? t.GetString() : null;
            var id = type is "platform.start" or "platform.report" ? document.RootElement.GetProperty("record").GetProperty("requestId").GetString() : null;
            return type == "platform.start" ? ("start", id!) : type == "platform.report" ? ("report", id!) : null;
        });

    private static Dictionary<string, Invocation> Read(GatewayProcess gateway, string function, Func<string, (string Kind, string Id)?> classify)
    {
        var invocations = new Dictionary<string, Invocation>(StringComparer.Ordinal);
        var directory = Path.Combine(gateway.DataDirectory, "logs", function);
        foreach (var file in Directory.GetFiles(directory, "*.log"))
        {
            Invocation? current = null;
            string? currentId = null;
            foreach (var line in File.ReadAllText(file).Split('\n'))
            {
                switch (classify(line))
                {
                    case ("start", var id):
                        current = new Invocation([], false, false);
                        currentId = id;
                        invocations[id] = current;
                        break;
                    case ("end", var id) when id == currentId:
                        invocations[id] = current = current! with { Ended = true };
                        break;
                    case ("report", var id) when id == currentId:
                        // JSON format has no END at INFO: its report ends the invocation.
                        invocations[id] = current! with { Ended = true, Reported = true };
                        current = null;
                        currentId = null;
                        break;
                    default:
                        current?.Lines.Add(line);
                        break;
                }
            }
        }
        return invocations;
    }

    /// <summary>Adds to <paramref name="missing"/> what is not on disk for <paramref name="requestId"/>.</summary>
    public static void Check(Dictionary<string, Invocation> logs, string requestId, IReadOnlyList<string> linePrefixes, List<string> missing)
    {
        if (!logs.TryGetValue(requestId, out var invocation))
        {
            missing.Add($"{requestId}: no START");
            return;
        }
        if (!invocation.Ended || !invocation.Reported)
        {
            missing.Add($"{requestId}: START but no END/REPORT");
            return;
        }
        var absent = linePrefixes.Where(prefix => !invocation.Lines.Any(line => line.StartsWith(prefix, StringComparison.Ordinal))).ToList();
        if (absent.Count > 0)
        {
            missing.Add($"{requestId}: {absent.Count} of its own lines missing, e.g. '{absent[0]}'");
        }
    }
}
