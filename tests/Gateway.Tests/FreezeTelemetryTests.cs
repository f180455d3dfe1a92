using System.Globalization;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>
/// <c>--freeze-idle-ms 0</c> (freeze the moment an environment goes idle) with a Telemetry API batch on its way to an
/// extension's listener: the freeze waits until the listener has answered, as with the default quiet time. A listener
/// stopped mid-post answers only when the environment is next continued, after the post has timed out and been sent
/// again (the same events twice).
/// </summary>
public sealed class FreezeTelemetryTests
{
    private const int Executable = 0b111_101_101;

    /// <summary>Subscribes to platform events; at its first post writes its pid to $MARKER and answers only once
    /// $SIGNAL exists.</summary>
    private const string Listener = """
        #!/usr/bin/env python3
        import json, os, threading, time, urllib.request
        from http.server import BaseHTTPRequestHandler, HTTPServer
        api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"]
        port = int(os.environ["TELEMETRY_PORT"])
        first = [True]

        class Listener(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if first[0]:
                    first[0] = False
                    with open(os.environ["MARKER"], "w") as out:
                        out.write(str(os.getpid()))
                    while not os.path.exists(os.environ["SIGNAL"]):
                        time.sleep(0.01)
                self.send_response(200)
                self.end_headers()
            def log_message(self, *args):
                pass

        server = HTTPServer(("127.0.0.1", port), Listener)  # no namespace: the name is not in the host's /etc/hosts
        threading.Thread(target=server.serve_forever, daemon=True).start()

        def call(method, path, body=None, headers={}):
            request = urllib.request.Request(api + path, data=None if body is None else body.encode(), headers=headers, method=method)
            with urllib.request.urlopen(request) as response:
                return response.headers, response.read()

        headers, _ = call("POST", "/2020-01-01/extension/register", json.dumps({"events": ["INVOKE", "SHUTDOWN"]}), {"Lambda-Extension-Name": "slow-listener"})
        me = headers["Lambda-Extension-Identifier"]
        call("PUT", "/2022-07-01/telemetry", json.dumps({"schemaVersion": "2022-12-13", "types": ["platform", "function"],
             "buffering": {"maxItems": 1000, "maxBytes": 262144, "timeoutMs": 25},
             "destination": {"protocol": "HTTP", "URI": "http://sandbox.localdomain:%d/t" % port}}), {"Lambda-Extension-Identifier": me})
        while True:
            _, event = call("GET", "/2020-01-01/extension/event/next", None, {"Lambda-Extension-Identifier": me})
            if json.loads(event)["eventType"] == "SHUTDOWN":
                break
        """;

    /// <summary>Answers only once the listener is in the middle of its first post, so the environment goes idle with
    /// that post on its way.</summary>
    private const string Runtime = """
        #!/bin/bash
        api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
        headers=$(mktemp)
        while true; do
          curl -sS --fail -D "$headers" -o /dev/null "$api/invocation/next" || exit 1
          id=$(grep -Fi 'Lambda-Runtime-Aws-Request-Id:' "$headers" | tr -d '[:space:]' | cut -d: -f2)
          echo "a function line for the batch"
          while [ ! -s "$MARKER" ]; do sleep 0.01; done
          curl -sS -o /dev/null -X POST --data-binary '"ok"' "$api/invocation/$id/response"
        done
        """;

    [Fact]
    public async Task Freezing_at_once_waits_for_a_Telemetry_post_on_its_way()
    {
        var marker = Path.Combine(Path.GetTempPath(), "gw-freeze-tel-" + Guid.NewGuid().ToString("N"));
        var signal = marker + ".go";
        try
        {
            // Host folders (no mount namespace), so the files above are the test's own.
            await using var gateway = await GatewayProcess.StartAsync([], "--freeze-idle-ms", "0", "--sandbox", "none");
            var layer = await gateway.SendAsync(HttpMethod.Post, "/2018-10-31/layers/slow-listener/versions", new JsonObject
            {
                ["Content"] = new JsonObject { ["ZipFile"] = Convert.ToBase64String(FunctionZip.Build(("extensions/slow-listener", Listener.Replace("\r", ""), Executable))) },
            }, HttpStatusCode.Created);
            await gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions", new JsonObject
            {
                ["FunctionName"] = "listened",
                ["Runtime"] = "provided.al2023",
                ["Role"] = ManagementApi.Role,
                ["Handler"] = "function.handler",
                ["Timeout"] = 20,
                ["Code"] = new JsonObject { ["ZipFile"] = Convert.ToBase64String(FunctionZip.Build(("bootstrap", Runtime.Replace("\r", ""), Executable))) },
                ["Layers"] = new JsonArray(layer["LayerVersionArn"]!.GetValue<string>()),
                ["Environment"] = new JsonObject
                {
                    ["Variables"] = new JsonObject { ["TELEMETRY_PORT"] = FreePort().ToString(CultureInfo.InvariantCulture), ["MARKER"] = marker, ["SIGNAL"] = signal },
                },
            }, HttpStatusCode.Created);
            await gateway.WaitUntilReadyAsync("listened");

            using var response = await gateway.InvokeAsync("listened", "{}");
            Assert.Equal("\"ok\"", await response.Content.ReadAsStringAsync());
            int listenerPid = int.Parse(File.ReadAllText(marker), CultureInfo.InvariantCulture);
            await Poll.UntilAsync(async () => (await gateway.StatusAsync())["functions"]!.AsArray()
                .Any(f => f!["functionName"]!.GetValue<string>() == "listened" && f["idleEnvironments"]!.GetValue<int>() == 1), "the environment idle");
            await Task.Delay(500);
            Assert.NotEqual('T', Processes.State(listenerPid)); // idle, and not frozen while the post waits for its answer

            await File.WriteAllTextAsync(signal, "go");
            await Poll.UntilAsync(() => Task.FromResult(Processes.State(listenerPid) == 'T'), "the environment frozen once the post was answered");
        }
        finally
        {
            File.Delete(marker);
            File.Delete(signal);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
