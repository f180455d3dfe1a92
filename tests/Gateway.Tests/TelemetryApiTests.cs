using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>
/// The Telemetry API and the Logs API against the native binary, with an extension written as AWS's samples are (a
/// Python listener bound to <c>sandbox.localdomain</c>, subscribing during init): the subscription is answered
/// <c>"OK"</c>; the listener gets the init events replayed (platform.initStart first), its own subscription event, its
/// own lines as <c>extension</c> and the function's as <c>function</c>, and each invocation's platform.start,
/// platform.runtimeDone and platform.report; the Logs API's subscriber gets platform.end and none of the init events;
/// subscribing after init, with an unknown identifier or a bad body is refused as AWS refuses it; and what is queued
/// is delivered before SHUTDOWN.
/// </summary>
public sealed class TelemetryApiTests : IAsyncLifetime
{
    private const int Executable = 0b111_101_101;

    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayProcess.StartAsync([]);

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    /// <summary>One script, two extensions: named <c>telemetry-recorder</c> it subscribes to the Telemetry API (on
    /// TELEMETRY_PORT), named <c>logs-recorder</c> to the Logs API (on LOGS_PORT, host <c>sandbox</c>, as the Logs API
    /// samples do). Each writes what it was sent to /tmp/ext/{name}.jsonl, and at SHUTDOWN prints the request id of the
    /// last platform.report it has.</summary>
    private static readonly string Recorder = """
        #!/usr/bin/env python3
        import json, os, sys, threading, time, urllib.request, urllib.error
        from http.server import BaseHTTPRequestHandler, HTTPServer

        name = os.path.basename(sys.argv[0])
        telemetry = name == "telemetry-recorder"
        port = int(os.environ["TELEMETRY_PORT" if telemetry else "LOGS_PORT"])
        host = "sandbox.localdomain" if telemetry else "sandbox"
        api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"]
        os.makedirs("/tmp/ext", exist_ok=True)
        received = "/tmp/ext/" + name + ".jsonl"
        lock = threading.Lock()

        class Listener(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with lock, open(received, "a") as out:
                    for event in json.loads(body):
                        out.write(json.dumps(event) + "\n")
                self.send_response(200)
                self.end_headers()
            def log_message(self, *args):
                pass

        server = HTTPServer((host, port), Listener)
        threading.Thread(target=server.serve_forever, daemon=True).start()

        def call(method, path, body=None, headers={}):
            request = urllib.request.Request(api + path, data=None if body is None else body.encode(), headers=headers, method=method)
            try:
                with urllib.request.urlopen(request) as response:
                    return response.status, response.headers, response.read().decode()
            except urllib.error.HTTPError as e:
                return e.code, e.headers, e.read().decode()

        _, headers, _ = call("POST", "/2020-01-01/extension/register", json.dumps({"events": ["INVOKE", "SHUTDOWN"]}), {"Lambda-Extension-Name": name})
        me = headers["Lambda-Extension-Identifier"]
        print(name + " registered", flush=True)
        path = "/2022-07-01/telemetry" if telemetry else "/2020-08-15/logs"
        subscription = {"types": ["platform", "function", "extension"], "buffering": {"maxItems": 1000, "maxBytes": 262144, "timeoutMs": 25},
                        "destination": {"protocol": "HTTP", "URI": "http://%s:%d/events" % (host, port)}}
        if telemetry:
            subscription["schemaVersion"] = "2022-12-13"
        answers = {}
        answers["unknown"] = call("PUT", path, json.dumps(subscription), {"Lambda-Extension-Identifier": "0e5a3b8e-58b4-4a0e-9d2c-0b9f2d3c4e5f"})[::2]
        answers["bad"] = call("PUT", path, json.dumps(dict(subscription, types=["everything"])), {"Lambda-Extension-Identifier": me})[::2]
        answers["subscribed"] = call("PUT", path, json.dumps(subscription), {"Lambda-Extension-Identifier": me, "Content-Type": "application/json"})[::2]
        answers["again"] = call("PUT", path, json.dumps(subscription), {"Lambda-Extension-Identifier": me})[::2]
        first = True
        while True:
            _, _, event = call("GET", "/2020-01-01/extension/event/next", None, {"Lambda-Extension-Identifier": me})
            event = json.loads(event)
            if first:
                first = False
                answers["after-init"] = call("PUT", path, json.dumps(subscription), {"Lambda-Extension-Identifier": me})[::2]
                with open("/tmp/ext/" + name + ".answers", "w") as out:
                    json.dump(answers, out)
            if event["eventType"] == "SHUTDOWN":
                with lock:
                    reports = [json.loads(l)["record"]["requestId"] for l in open(received) if '"platform.report"' in l]
                print(name + " last report " + (reports[-1] if reports else "none"), flush=True)
                sys.exit(0)

        """.Replace("\r", "");

    /// <summary>Prints a line (the function's), then answers with what the two listeners have received so far.</summary>
    private static readonly string Runtime = """
        #!/bin/bash
        set -u
        api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
        headers=$(mktemp)
        while true; do
          curl -sS --fail -D "$headers" -o /tmp/event "$api/invocation/next" || exit 1
          id=$(grep -Fi 'Lambda-Runtime-Aws-Request-Id:' "$headers" | tr -d '[:space:]' | cut -d: -f2)
          echo "function says hello to $id"
          if grep -q fail /tmp/event; then
            curl -sS -o /dev/null -X POST -H 'Lambda-Runtime-Function-Error-Type: Function.AskedToFail' \
              --data-binary '{"errorType":"Function.AskedToFail","errorMessage":"asked to fail"}' "$api/invocation/$id/error"
            continue
          fi
          sleep 0.2 # the events held while the environment was idle (frozen, on AWS) go out now
          body=$(printf '{"requestId":"%s","telemetry":"%s","logs":"%s","telemetryAnswers":"%s","logsAnswers":"%s"}' "$id" \
            "$(base64 -w0 /tmp/ext/telemetry-recorder.jsonl 2>/dev/null)" "$(base64 -w0 /tmp/ext/logs-recorder.jsonl 2>/dev/null)" \
            "$(base64 -w0 /tmp/ext/telemetry-recorder.answers 2>/dev/null)" "$(base64 -w0 /tmp/ext/logs-recorder.answers 2>/dev/null)")
          curl -sS -o /dev/null -X POST --data-binary "$body" "$api/invocation/$id/response"
        done

        """.Replace("\r", "");

    [Fact]
    public async Task Extensions_subscribed_to_the_Telemetry_and_Logs_APIs_get_the_events_AWS_sends()
    {
        var zip = FunctionZip.Build(("extensions/telemetry-recorder", Recorder, Executable), ("extensions/logs-recorder", Recorder, Executable));
        var layer = await _gateway.SendAsync(HttpMethod.Post, "/2018-10-31/layers/telemetry-layer/versions",
            new JsonObject { ["Content"] = new JsonObject { ["ZipFile"] = Convert.ToBase64String(zip) } }, HttpStatusCode.Created);
        await _gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions", new JsonObject
        {
            ["FunctionName"] = "with-telemetry",
            ["Runtime"] = "provided.al2023",
            ["Role"] = ManagementApi.Role,
            ["Handler"] = "function.handler",
            ["Timeout"] = 20,
            ["Code"] = new JsonObject { ["ZipFile"] = Convert.ToBase64String(FunctionZip.Build(("bootstrap", Runtime, Executable))) },
            ["Layers"] = new JsonArray(layer["LayerVersionArn"]!.GetValue<string>()),
            ["Environment"] = new JsonObject
            {
                ["Variables"] = new JsonObject { ["TELEMETRY_PORT"] = FreePort().ToString(), ["LOGS_PORT"] = FreePort().ToString() },
            },
        }, HttpStatusCode.Created);
        await _gateway.WaitUntilReadyAsync("with-telemetry");

        var first = await InvokeAsync();
        string firstId = first["requestId"]!.GetValue<string>();
        // The listeners have the first invocation's events once its REPORT is out and a batch's 25 ms have passed.
        await _gateway.WaitForLogAsync("with-telemetry", "REPORT RequestId: " + firstId);
        JsonNode second = first;
        for (int attempt = 0; attempt < 50 && !(HasReport(Decode(second, "telemetry"), firstId) && HasReport(Decode(second, "logs"), firstId)); attempt++)
        {
            await Task.Delay(100);
            second = await InvokeAsync();
        }

        Assert.True(HasReport(Decode(second, "telemetry"), firstId) && HasReport(Decode(second, "logs"), firstId),
            $"telemetry: {Decode(second, "telemetry")}\nlogs: {Decode(second, "logs")}\nanswers: {Decode(second, "telemetryAnswers")} {Decode(second, "logsAnswers")}\n{_gateway.Output}");

        // The subscriptions' answers, as AWS gives them.
        var answers = JsonNode.Parse(Decode(second, "telemetryAnswers"))!;
        Assert.Equal((200, "\"OK\""), (answers["subscribed"]![0]!.GetValue<int>(), answers["subscribed"]![1]!.GetValue<string>()));
        Assert.Equal((200, "\"OK\""), (answers["again"]![0]!.GetValue<int>(), answers["again"]![1]!.GetValue<string>())); // idempotent
        Assert.Equal(403, answers["unknown"]![0]!.GetValue<int>());
        Assert.Equal("""{"errorMessage":"Unknown extension 0e5a3b8e-58b4-4a0e-9d2c-0b9f2d3c4e5f","errorType":"Extension.UnknownExtensionIdentifier"}""", answers["unknown"]![1]!.GetValue<string>());
        Assert.Equal(400, answers["bad"]![0]!.GetValue<int>());
        Assert.Equal("ValidationError", JsonNode.Parse(answers["bad"]![1]!.GetValue<string>())!["errorType"]!.GetValue<string>());
        Assert.Equal(403, answers["after-init"]![0]!.GetValue<int>());
        Assert.Equal("""{"errorMessage":"Telemetry API subscription is closed","errorType":"Telemetry.SubscriptionClosed"}""", answers["after-init"]![1]!.GetValue<string>());
        var logsAnswers = JsonNode.Parse(Decode(second, "logsAnswers"))!;
        Assert.Equal(200, logsAnswers["subscribed"]![0]!.GetValue<int>());
        Assert.Equal("Logs.ValidationError", JsonNode.Parse(logsAnswers["bad"]![1]!.GetValue<string>())!["errorType"]!.GetValue<string>());
        Assert.Equal("Logs.SubscriptionClosed", JsonNode.Parse(logsAnswers["after-init"]![1]!.GetValue<string>())!["errorType"]!.GetValue<string>());

        // The Telemetry API: init replayed from its start, the subscription, both kinds of lines, the invocation.
        var events = Events(Decode(second, "telemetry"));
        Assert.Equal("platform.initStart", Type(events[0]));
        Assert.Equal("with-telemetry", events[0]["record"]!["functionName"]!.GetValue<string>());
        Assert.Matches(@"\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\z", events[0]["time"]!.GetValue<string>());
        var subscription = events.Single(e => Type(e) == "platform.telemetrySubscription" && e["record"]!["name"]!.GetValue<string>() == "telemetry-recorder");
        Assert.Equal("""{"name":"telemetry-recorder","state":"Subscribed","types":["platform","function","extension"]}""", subscription["record"]!.ToJsonString());
        Assert.Contains(events, e => Type(e) == "extension" && e["record"]!.GetValue<string>() == "telemetry-recorder registered");
        Assert.DoesNotContain(events, e => Type(e) == "function" && e["record"]!.GetValue<string>().Contains("registered", StringComparison.Ordinal));
        var types = events.Select(Type).ToList();
        int runtimeDone = types.IndexOf("platform.initRuntimeDone"), initReport = types.IndexOf("platform.initReport");
        Assert.True(runtimeDone > 0 && initReport > runtimeDone, string.Join(',', types));
        Assert.Equal("success", events[initReport]["record"]!["status"]!.GetValue<string>());
        Assert.Contains(events, e => Type(e) == "platform.extension" && e["record"]!["name"]!.GetValue<string>() == "logs-recorder");
        int start = events.FindIndex(e => Type(e) == "platform.start" && e["record"]!["requestId"]!.GetValue<string>() == firstId);
        int line = events.FindIndex(e => Type(e) == "function" && e["record"]!.GetValue<string>() == "function says hello to " + firstId);
        int done = events.FindIndex(e => Type(e) == "platform.runtimeDone" && e["record"]!["requestId"]!.GetValue<string>() == firstId);
        int report = events.FindIndex(e => Type(e) == "platform.report" && e["record"]!["requestId"]!.GetValue<string>() == firstId);
        Assert.True(initReport < start && start < line && line < done && done < report, string.Join(',', types));
        Assert.Equal("success", events[done]["record"]!["status"]!.GetValue<string>());
        // runtimeDone's metrics (Telemetry API schema reference: RuntimeDoneMetrics durationMs, producedBytes): the
        // runtime's own time (it slept 0.2 s) and the size of the response it posted.
        var doneMetrics = events[done]["record"]!["metrics"]!;
        Assert.True(doneMetrics["durationMs"]!.GetValue<double>() >= 0, doneMetrics.ToJsonString());
        Assert.True(doneMetrics["producedBytes"]!.GetValue<long>() > 0, doneMetrics.ToJsonString());
        Assert.Null(events[done]["record"]!["errorType"]);
        var metrics = events[report]["record"]!["metrics"]!;
        Assert.Equal(128, metrics["memorySizeMB"]!.GetValue<int>());
        Assert.True(metrics["billedDurationMs"]!.GetValue<long>() >= 1);
        Assert.NotNull(metrics["initDurationMs"]);
        Assert.DoesNotContain(events, e => Type(e) == "platform.end");

        // The Logs API: no init events and no spans, but platform.end, and its own subscription event.
        var logs = Events(Decode(second, "logs"));
        var logTypes = logs.Select(Type).ToList();
        Assert.DoesNotContain("platform.initStart", logTypes);
        Assert.DoesNotContain("platform.runtimeDone", logTypes); // only from schema 2021-03-18
        Assert.DoesNotContain("platform.telemetrySubscription", logTypes);
        Assert.Contains(logs, e => Type(e) == "platform.logsSubscription" && e["record"]!["name"]!.GetValue<string>() == "logs-recorder");
        int end = logs.FindIndex(e => Type(e) == "platform.end" && e["record"]!["requestId"]!.GetValue<string>() == firstId);
        int logsReport = logs.FindIndex(e => Type(e) == "platform.report" && e["record"]!["requestId"]!.GetValue<string>() == firstId);
        Assert.True(end >= 0 && logsReport > end, string.Join(',', logTypes));

        // The log file shows the extensions' lines without the launcher's mark.
        var file = _gateway.ReadLogs("with-telemetry");
        Assert.Contains("\ntelemetry-recorder registered\n", file);
        Assert.DoesNotContain("\u001e", file);

        // A function error: runtimeDone says error, with the runtime's error type (the schema: "If the status is either
        // failure or error, then the Status object also contains an errorType field"), and still its metrics.
        string failedId;
        using (var failed = await _gateway.InvokeAsync("with-telemetry", "{\"fail\":true}"))
        {
            Assert.Equal("Unhandled", failed.Headers.GetValues("X-Amz-Function-Error").Single());
            failedId = failed.Headers.GetValues("x-amzn-RequestId").Single();
        }
        JsonNode? failedDone = null;
        for (int attempt = 0; attempt < 50 && failedDone is null; attempt++)
        {
            await Task.Delay(100);
            failedDone = Events(Decode(await InvokeAsync(), "telemetry"))
                .FirstOrDefault(e => Type(e) == "platform.runtimeDone" && e["record"]!["requestId"]!.GetValue<string>() == failedId);
        }
        Assert.NotNull(failedDone);
        Assert.Equal("error", failedDone["record"]!["status"]!.GetValue<string>());
        Assert.Equal("Function.AskedToFail", failedDone["record"]!["errorType"]?.GetValue<string>());
        Assert.True(failedDone["record"]!["metrics"]!["durationMs"]!.GetValue<double>() >= 0, failedDone.ToJsonString());

        // The gateway stopping: the last invocation's REPORT reaches the listeners before their SHUTDOWN.
        var last = await InvokeAsync();
        string lastId = last["requestId"]!.GetValue<string>();
        Assert.Equal(0, await _gateway.StopAsync());
        file = _gateway.ReadLogs("with-telemetry");
        Assert.Contains("telemetry-recorder last report " + lastId, file);
        Assert.Contains("logs-recorder last report " + lastId, file);
    }

    private static List<JsonNode> Events(string jsonLines) =>
        [.. jsonLines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!)];

    private static bool HasReport(string jsonLines, string requestId) =>
        Events(jsonLines).Any(e => Type(e) == "platform.report" && e["record"]!["requestId"]!.GetValue<string>() == requestId);

    private static string Type(JsonNode e) => e["type"]!.GetValue<string>();

    private static string Decode(JsonNode answer, string member) =>
        Encoding.UTF8.GetString(Convert.FromBase64String(answer[member]!.GetValue<string>()));

    private async Task<JsonNode> InvokeAsync()
    {
        using var response = await _gateway.InvokeAsync("with-telemetry", "{}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK && !response.Headers.Contains("X-Amz-Function-Error"), $"{(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
