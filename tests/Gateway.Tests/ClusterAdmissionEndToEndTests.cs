using System.Text.Json.Nodes;
using Gateway.Cluster.Tests;

namespace Gateway.Tests;

/// <summary>
/// Two real gateway processes (the native binary) sharing one Redis: a function's reserved concurrency holds across
/// both, as counted by the function itself (each invocation appends start/end lines with O_APPEND to one file).
/// </summary>
public sealed class ClusterAdmissionEndToEndTests(RedisServer redis) : IClassFixture<RedisServer>, IDisposable
{
    private readonly string _code = Directory.CreateTempSubdirectory("gateway-cluster-fn-").FullName;
    private readonly string _evidence = Directory.CreateTempSubdirectory("gateway-cluster-count-").FullName;

    public void Dispose()
    {
        Directory.Delete(_code, recursive: true);
        Directory.Delete(_evidence, recursive: true);
    }

    /// <summary>A provided.al2023 bootstrap: the event is a JSON string of seconds to sleep; start and end lines go
    /// to $COUNT_FILE (bash's >> opens with O_APPEND, so concurrent writers never interleave a line).</summary>
    private TestFunction CountingSleeper(string name, string countFile, int reserved)
    {
        var bootstrap = Path.Combine(_code, "bootstrap");
        File.WriteAllText(bootstrap, """
            #!/bin/bash
            set -uo pipefail
            api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
            headers="$(mktemp)"
            while true; do
              curl -sS --fail -D "$headers" -o "$headers.event" "$api/invocation/next" || exit 1
              id="$(grep -Fi 'Lambda-Runtime-Aws-Request-Id:' "$headers" | tr -d '[:space:]' | cut -d: -f2)"
              echo "start $id" >> "$COUNT_FILE"
              sleep "$(tr -d '"' < "$headers.event")"
              echo "end $id" >> "$COUNT_FILE"
              curl -sS -o /dev/null -X POST --data-binary '"done"' "$api/invocation/$id/response"
            done
            """.Replace("\r", ""));
        File.SetUnixFileMode(bootstrap, (UnixFileMode)0b111_101_101);
        return new TestFunction(name, _code, "handler")
        {
            Timeout = 30,
            Provisioned = 0,
            ReservedConcurrentExecutions = reserved,
            Environment = new() { ["COUNT_FILE"] = countFile },
            Extra = new JsonObject { ["Runtime"] = "provided.al2023" },
        };
    }

    private Task<GatewayProcess> StartNodeAsync(TestFunction function, string nodeId) =>
        GatewayProcess.StartAsync([function], "--cluster", redis.Url, "--node-id", nodeId, "--cluster-nodes", "2",
            "--sandbox", "none", "--worker-uid", "none");

    /// <summary>The most invocations running at once, from the function's own start/end lines.</summary>
    private static int MaxOverlap(string countFile)
    {
        int now = 0, max = 0;
        foreach (var line in File.ReadAllLines(countFile))
        {
            now += line.StartsWith("start ", StringComparison.Ordinal) ? 1 : -1;
            max = Math.Max(max, now);
        }
        return max;
    }

    private static int Count(string countFile, string kind) =>
        File.Exists(countFile) ? File.ReadAllLines(countFile).Count(l => l.StartsWith(kind + " ", StringComparison.Ordinal)) : 0;

    [Fact]
    public async Task Reserved_concurrency_holds_across_two_gateways_sharing_one_Redis()
    {
        var countFile = Path.Combine(_evidence, "count.log");
        File.WriteAllText(countFile, "");
        var function = CountingSleeper("capped", countFile, reserved: 2);
        await using var a = await StartNodeAsync(function, "node-a");
        await using var b = await StartNodeAsync(function, "node-b");

        // Two long invocations on node A take the function's whole reservation...
        var running = Enumerable.Range(0, 2).Select(_ => a.InvokeAsync("capped", "\"4\"")).ToArray();
        await Poll.UntilAsync(() => Count(countFile, "start") == 2, "both invocations to have started (the function's own file)", 60_000);

        // ...so node B, running nothing itself, refuses with Lambda's reason: it counted A's invocations through Redis.
        using (var throttled = await b.InvokeAsync("capped", "\"0\""))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
            Assert.Equal("TooManyRequestsException", throttled.Headers.GetValues("x-amzn-ErrorType").Single());
            Assert.Equal("1", throttled.Headers.GetValues("Retry-After").Single());
            Assert.Equal("""{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}""", await throttled.Content.ReadAsStringAsync());
        }
        using (var throttledOnA = await a.InvokeAsync("capped", "\"0\""))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, throttledOnA.StatusCode);
        }
        foreach (var response in await Task.WhenAll(running).WithTimeout())
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
        }

        // The slots came back (released without waiting, so poll): B runs one now.
        await Poll.UntilAsync(async () =>
        {
            using var after = await b.InvokeAsync("capped", "\"0\"");
            return after.StatusCode == HttpStatusCode.OK;
        }, "node B to be admitted once A's invocations ended", 30_000);

        // A flood on both nodes at once: never more than 2 running, by the function's own count.
        var flood = Enumerable.Range(0, 16).Select(i => (i % 2 == 0 ? a : b).InvokeAsync("capped", "\"0.3\"")).ToArray();
        var statuses = new List<HttpStatusCode>();
        foreach (var response in await Task.WhenAll(flood).WithTimeout())
        {
            statuses.Add(response.StatusCode);
            response.Dispose();
        }
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, s.ToString()));
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.InRange(MaxOverlap(countFile), 1, 2);
        Assert.Equal(Count(countFile, "start"), Count(countFile, "end"));
        Assert.Contains("[gateway] cluster node 'node-a'", a.Output, StringComparison.Ordinal);

        // An Event passes the cluster's request-rate check before its 202, and its queued run is admitted through Redis.
        int startsBefore = Count(countFile, "start");
        using (var accepted = await b.InvokeAsync("capped", "\"0\"", invocationType: "Event"))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }
        await Poll.UntilAsync(() => Count(countFile, "end") == startsBefore + 1, "the Event to have run (the function's own file)", 30_000);
        Assert.InRange(MaxOverlap(countFile), 1, 2);
    }
}
