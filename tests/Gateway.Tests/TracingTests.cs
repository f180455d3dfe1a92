using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Gateway.Tests;

/// <summary>
/// OpenTelemetry traces end to end: the native gateway exports a span per invocation over OTLP http/protobuf to a
/// receiver in the test, parented on the caller's traceparent or X-Amzn-Trace-Id, and the function (a bash runtime that
/// exports <c>_X_AMZN_TRACE_ID</c> from Lambda-Runtime-Trace-Id, as runtimes do, and answers with it) sees the same trace.
/// </summary>
public sealed partial class TracingTests : IDisposable
{
    private readonly List<string> _functionDirectories = [];

    private const int StatusError = 2;

    /// <summary>Answers {"xAmznTraceId": what its environment holds}; an event containing "fail" reports a function error.</summary>
    private const string Bootstrap = """
        #!/bin/bash
        set -euo pipefail
        api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
        headers="$(mktemp)"
        while true; do
          curl -sS --fail -D "$headers" -o "$headers.event" "$api/invocation/next"
          id="$(grep -Fi 'Lambda-Runtime-Aws-Request-Id:' "$headers" | tr -d '[:space:]' | cut -d: -f2)"
          export _X_AMZN_TRACE_ID="$(grep -Fi 'Lambda-Runtime-Trace-Id:' "$headers" | tr -d '[:space:]' | cut -d: -f2-)"
          echo "function saw _X_AMZN_TRACE_ID=$(printenv _X_AMZN_TRACE_ID)"
          if grep -q '"fail"' "$headers.event"; then
            curl -sS -o /dev/null -X POST -H 'Lambda-Runtime-Function-Error-Type: Function.TracedFailure' \
              --data-binary '{"errorMessage":"asked to fail","errorType":"Function.TracedFailure"}' "$api/invocation/$id/error"
          else
            printf '{"xAmznTraceId":"%s"}' "$(printenv _X_AMZN_TRACE_ID)" | curl -sS -o /dev/null -X POST --data-binary @- "$api/invocation/$id/response"
          fi
        done
        """;

    public void Dispose()
    {
        foreach (var directory in _functionDirectories)
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private TestFunction Traced(string name, int provisioned = 0)
    {
        var directory = Directory.CreateTempSubdirectory("traced-function-").FullName;
        _functionDirectories.Add(directory);
        var bootstrap = Path.Combine(directory, "bootstrap");
        File.WriteAllText(bootstrap, Bootstrap.Replace("\r", "") + "\n");
        File.SetUnixFileMode(bootstrap, (UnixFileMode)0b111_101_101);
        return new TestFunction(name, directory, "function.handler") { Provisioned = provisioned, MemorySize = 256 };
    }

    /// <summary>The exporter's batch delay shortened (5 s by default) so spans arrive while the test waits.</summary>
    private static Dictionary<string, string?> Environment(string? otlpEndpoint = null) => new()
    {
        ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlpEndpoint,
        ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = null,
    };

    private static async Task<string> TraceSeenByFunctionAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonNode.Parse(body)!["xAmznTraceId"]!.GetValue<string>();
    }

    private static string XRayRoot(string traceId) => $"Root=1-{traceId[..8]}-{traceId[8..]}";

    private static Action<HttpRequestMessage> Header(string name, string value) => request => request.Headers.TryAddWithoutValidation(name, value);

    /// <summary>A complete header as Lambda gives it: Root, Parent, a 0/1 decision (groups: seconds, sampled).</summary>
    [GeneratedRegex("^Root=1-(?<seconds>[0-9a-f]{8})-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=(?<sampled>[01])$")]
    private static partial Regex CompleteHeader();

    private static Task SetTracingModeAsync(GatewayProcess gateway, string function, string mode)
        => gateway.SendAsync(HttpMethod.Put, $"/2015-03-31/functions/{function}/configuration",
            new JsonObject { ["TracingConfig"] = new JsonObject { ["Mode"] = mode } }, HttpStatusCode.OK);

    [Fact]
    public async Task Without_OTLP_an_Active_function_samples_the_first_new_trace_of_each_second_and_a_PassThrough_one_none()
    {
        await using var gateway = await GatewayProcess.StartAsync([Traced("active"), Traced("active-event"), Traced("passthrough")], Environment());
        await SetTracingModeAsync(gateway, "active", "Active");
        await SetTracingModeAsync(gateway, "active-event", "Active");
        await gateway.WaitUntilReadyAsync("active");
        await gateway.WaitUntilReadyAsync("active-event");

        // Two invocations, then two more after a second has passed: X-Ray's default rule (1 a second, then 5 %) samples
        // the first of each second. Grouped by the second in each Root (the one the decision was made in), so how the
        // invocations fall across seconds does not matter; after the reservoir a 5 % draw may sample too, not asserted.
        List<Match> seen = [];
        for (int i = 0; i < 4; i++)
        {
            if (i == 2)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(1100));
            }
            using var response = await gateway.InvokeAsync("active", "{}");
            var header = await TraceSeenByFunctionAsync(response);
            var match = CompleteHeader().Match(header);
            Assert.True(match.Success, header);
            seen.Add(match);
        }
        var seconds = seen.GroupBy(m => m.Groups["seconds"].Value).ToList();
        Assert.True(seconds.Count >= 2, "the invocations span at least two seconds");
        foreach (var second in seconds)
        {
            Assert.Equal("1", second.First().Groups["sampled"].Value);
        }

        // An Event (run from memory) is sampled by the same rule: this function's first request.
        using (var accepted = await gateway.InvokeAsync("active-event", "{}", invocationType: "Event"))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }
        var logs = await gateway.WaitForLogAsync("active-event", "function saw _X_AMZN_TRACE_ID=");
        var eventHeader = Regex.Match(logs, "function saw _X_AMZN_TRACE_ID=(\\S+)").Groups[1].Value;
        Assert.Equal("1", CompleteHeader().Match(eventHeader).Groups["sampled"].Value);

        // PassThrough: traced only when the caller says Sampled=1; its first request of a second is not sampled.
        using var passThrough = await gateway.InvokeAsync("passthrough", "{}");
        var passThroughHeader = await TraceSeenByFunctionAsync(passThrough);
        Assert.Equal("0", CompleteHeader().Match(passThroughHeader).Groups["sampled"].Value);
    }

    [Fact]
    public async Task A_callers_incomplete_or_malformed_header_reaches_the_function_complete()
    {
        await using var gateway = await GatewayProcess.StartAsync([Traced("completed")], Environment());
        const string root = "Root=1-5759e988-bd862e3fe1be46a994272793";

        async Task<string> SeenAsync(string header)
        {
            using var response = await gateway.InvokeAsync("completed", "{}"u8.ToArray(), configure: Header("X-Amzn-Trace-Id", header));
            return await TraceSeenByFunctionAsync(response);
        }

        // No Parent: the caller's Root and decision, a Parent of Lambda's own.
        var noParent = await SeenAsync(root + ";Sampled=1");
        Assert.Matches("^" + root + ";Parent=[0-9a-f]{16};Sampled=1$", noParent);

        // "Sampled=?" asks Lambda to decide: PassThrough does not sample.
        Assert.Equal(root + ";Parent=53995c3f42cd8ad8;Sampled=0", await SeenAsync(root + ";Parent=53995c3f42cd8ad8;Sampled=?"));

        // A malformed Root names no trace: a new one starts.
        var badRoot = await SeenAsync("Root=xyz;Parent=zzz;Sampled=1");
        Assert.Matches(CompleteHeader(), badRoot);
        Assert.Equal("0", CompleteHeader().Match(badRoot).Groups["sampled"].Value);

        // Lambda takes trace headers up to 8,192 characters (its TraceHeader type); a complete one is passed on as it is.
        var longHeader = root + ";Parent=53995c3f42cd8ad8;Sampled=1;Lineage=" + new string('a', 1000) + ":1";
        Assert.Equal(longHeader, await SeenAsync(longHeader));
    }

    [Fact]
    public async Task A_sync_invocation_is_a_server_span_under_the_callers_traceparent_with_faas_attributes_and_its_phases()
    {
        await using var receiver = new OtlpReceiver();
        await using var gateway = await GatewayProcess.StartAsync([Traced("traced")], Environment(), "--otlp-endpoint", receiver.Endpoint);
        Assert.Contains($"traces: OTLP http/protobuf to {receiver.Endpoint}/v1/traces", gateway.Output);

        const string callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
        const string callerSpan = "00f067aa0ba902b7";
        using var cold = await gateway.InvokeAsync("traced", "{}"u8.ToArray(), configure: Header("traceparent", $"00-{callerTrace}-{callerSpan}-01"));
        var seen = await TraceSeenByFunctionAsync(cold);
        var requestId = cold.Headers.GetValues("x-amzn-RequestId").Single();

        var span = await receiver.WaitForSpanAsync(s => s.TraceId == callerTrace && s.Name == "traced", "the cold invocation's span");
        Assert.Equal(callerSpan, span.ParentSpanId);
        Assert.Equal(2, span.Kind); // SPAN_KIND_SERVER
        Assert.Equal("traced", span["faas.invoked_name"]);
        Assert.Equal("aws", span["faas.invoked_provider"]);
        Assert.Equal("us-east-1", span["faas.invoked_region"]);
        Assert.Equal(requestId, span["faas.invocation_id"]);
        Assert.Equal("other", span["faas.trigger"]);
        Assert.Equal(true, span["faas.coldstart"]);
        Assert.Equal(256L * 1024 * 1024, span["faas.max_memory"]);
        Assert.Equal("arn:aws:lambda:us-east-1:000000000000:function:traced", span["cloud.resource_id"]);
        Assert.Equal("arn:aws:lambda:us-east-1:000000000000:function:traced", span["aws.lambda.invoked_arn"]);
        Assert.Equal("RequestResponse", span["aws.lambda.invocation_type"]);
        Assert.Equal(0, span.StatusCode);
        Assert.Contains("admitted", span.Events);
        Assert.Equal("gateway", span.Resource["service.name"]);

        // The function saw the same trace, with the gateway's span as its parent.
        Assert.Equal($"{XRayRoot(callerTrace)};Parent={span.SpanId};Sampled=1", seen);

        // Its phases are children of it.
        foreach (var phase in new[] { "receive", "cold start", "run", "response" })
        {
            await receiver.WaitForSpanAsync(s => s.TraceId == callerTrace && s.Name == phase && s.ParentSpanId == span.SpanId, $"the '{phase}' phase");
        }

        // The next invocation finds the environment warm.
        const string warmTrace = "0af7651916cd43dd8448eb211c80319c";
        using var warm = await gateway.InvokeAsync("traced", "{}"u8.ToArray(), configure: Header("traceparent", $"00-{warmTrace}-b7ad6b7169203331-01"));
        Assert.StartsWith(XRayRoot(warmTrace) + ";Parent=", await TraceSeenByFunctionAsync(warm));
        var warmSpan = await receiver.WaitForSpanAsync(s => s.TraceId == warmTrace && s.Name == "traced", "the warm invocation's span");
        Assert.Equal(false, warmSpan["faas.coldstart"]);
        await receiver.WaitForSpanAsync(s => s.TraceId == warmTrace && s.Name == "run" && s.ParentSpanId == warmSpan.SpanId, "the warm run");
        Assert.DoesNotContain(receiver.Spans, s => s.TraceId == warmTrace && s.Name == "cold start");
    }

    [Fact]
    public async Task X_Amzn_Trace_Id_parents_the_span_and_OTEL_EXPORTER_OTLP_ENDPOINT_turns_tracing_on()
    {
        await using var receiver = new OtlpReceiver();
        await using var gateway = await GatewayProcess.StartAsync([Traced("xray", provisioned: 1)], Environment(receiver.Endpoint));

        using var response = await gateway.InvokeAsync("xray", "{}"u8.ToArray(),
            configure: Header("X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"));
        var seen = await TraceSeenByFunctionAsync(response);

        var span = await receiver.WaitForSpanAsync(s => s.Name == "xray", "the span");
        Assert.Equal("5759e988bd862e3fe1be46a994272793", span.TraceId);
        Assert.Equal("53995c3f42cd8ad8", span.ParentSpanId);
        Assert.Equal($"Root=1-5759e988-bd862e3fe1be46a994272793;Parent={span.SpanId};Sampled=1", seen);
        Assert.Equal(false, span["faas.coldstart"]); // a pre-forked environment was ready

        // No header at all: a new trace, whose X-Ray form starts with the epoch seconds.
        using var fresh = await gateway.InvokeAsync("xray", "{}");
        var freshSeen = await TraceSeenByFunctionAsync(fresh);
        var freshSpan = await receiver.WaitForSpanAsync(s => s.Name == "xray" && s.TraceId != span.TraceId, "the span of a new trace");
        Assert.Equal("", freshSpan.ParentSpanId);
        Assert.Equal($"{XRayRoot(freshSpan.TraceId)};Parent={freshSpan.SpanId};Sampled=1", freshSeen);
        long seconds = Convert.ToInt64(freshSpan.TraceId[..8], 16);
        Assert.InRange(seconds, DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds());

        // A caller that did not sample (flags 00): nothing is recorded, and the runtime still gets the trace, unsampled.
        const string unsampled = "99999999999999999999999999999999";
        using var quiet = await gateway.InvokeAsync("xray", "{}"u8.ToArray(), configure: Header("traceparent", $"00-{unsampled}-aaaaaaaaaaaaaaaa-00"));
        var quietSeen = await TraceSeenByFunctionAsync(quiet);
        Assert.StartsWith(XRayRoot(unsampled) + ";Parent=", quietSeen);
        Assert.EndsWith(";Sampled=0", quietSeen);
        await gateway.StopAsync(); // the tracer provider flushes what it holds at shutdown
        Assert.DoesNotContain(receiver.Spans, s => s.TraceId == unsampled);
        Assert.Contains(receiver.Spans, s => s.TraceId == span.TraceId && s.Name == "run"); // what was recorded did arrive
    }

    [Fact]
    public async Task Function_errors_and_throttles_are_error_spans()
    {
        await using var receiver = new OtlpReceiver();
        await using var gateway = await GatewayProcess.StartAsync(
            [Traced("failing", provisioned: 1), Traced("blocked") with { ReservedConcurrentExecutions = 0 }],
            Environment(), "--otlp-endpoint", receiver.Endpoint);

        const string failTrace = "11111111111111111111111111111111";
        using var failed = await gateway.InvokeAsync("failing", """{"fail":true}"""u8.ToArray(), configure: Header("traceparent", $"00-{failTrace}-2222222222222222-01"));
        Assert.Equal("Unhandled", failed.Headers.GetValues("X-Amz-Function-Error").Single());
        var failSpan = await receiver.WaitForSpanAsync(s => s.TraceId == failTrace && s.Name == "failing", "the failed invocation's span");
        Assert.Equal(StatusError, failSpan.StatusCode);
        Assert.Equal("Function.TracedFailure", failSpan.StatusMessage);
        Assert.Equal("Function.TracedFailure", failSpan["error.type"]);
        var run = await receiver.WaitForSpanAsync(s => s.TraceId == failTrace && s.Name == "run", "the failed run");
        Assert.Equal(StatusError, run.StatusCode);

        const string throttleTrace = "33333333333333333333333333333333";
        using var throttled = await gateway.InvokeAsync("blocked", "{}"u8.ToArray(), configure: Header("traceparent", $"00-{throttleTrace}-4444444444444444-01"));
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        var throttleSpan = await receiver.WaitForSpanAsync(s => s.TraceId == throttleTrace && s.Name == "blocked", "the throttled invocation's span");
        Assert.Equal(StatusError, throttleSpan.StatusCode);
        Assert.Equal("TooManyRequestsException: ReservedFunctionConcurrentInvocationLimitExceeded", throttleSpan.StatusMessage);
        Assert.Equal("TooManyRequestsException", throttleSpan["error.type"]);
        Assert.Equal("ReservedFunctionConcurrentInvocationLimitExceeded", throttleSpan["aws.lambda.throttle_reason"]);
        Assert.Null(throttleSpan["faas.coldstart"]); // it never reached an environment
    }

    [Fact]
    public async Task An_Event_invocation_span_lasts_until_its_run_ends_and_the_function_sees_the_callers_trace()
    {
        await using var receiver = new OtlpReceiver();
        await using var gateway = await GatewayProcess.StartAsync([Traced("eventful", provisioned: 1)], Environment(), "--otlp-endpoint", receiver.Endpoint);

        const string trace = "55555555555555555555555555555555";
        using var accepted = await gateway.InvokeAsync("eventful", "{}"u8.ToArray(), invocationType: "Event", configure: Header("traceparent", $"00-{trace}-6666666666666666-01"));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        var span = await receiver.WaitForSpanAsync(s => s.TraceId == trace && s.Name == "eventful" && s.Kind == 2, "the Event's span");
        Assert.Equal("6666666666666666", span.ParentSpanId);
        Assert.Equal("Event", span["aws.lambda.invocation_type"]);
        Assert.Equal(accepted.Headers.GetValues("x-amzn-RequestId").Single(), span["faas.invocation_id"]);
        foreach (var phase in new[] { "receive", "queued", "run" })
        {
            await receiver.WaitForSpanAsync(s => s.TraceId == trace && s.Name == phase && s.ParentSpanId == span.SpanId, $"the Event's '{phase}' phase");
        }
        Assert.DoesNotContain(receiver.Spans, s => s.TraceId == trace && s.Name == "response");
        // Nobody reads an Event's answer: the function's log line shows the trace it was given.
        await gateway.WaitForLogAsync("eventful", $"function saw _X_AMZN_TRACE_ID={XRayRoot(trace)};Parent={span.SpanId};Sampled=1");
    }

    [Fact]
    public async Task Without_an_endpoint_nothing_is_exported_and_the_function_still_sees_the_callers_trace()
    {
        await using var receiver = new OtlpReceiver();
        var gateway = await GatewayProcess.StartAsync([Traced("untraced", provisioned: 1)], Environment());
        try
        {
            Assert.DoesNotContain("traces:", gateway.Output);
            const string trace = "77777777777777777777777777777777";
            using var response = await gateway.InvokeAsync("untraced", "{}"u8.ToArray(), configure: Header("traceparent", $"00-{trace}-8888888888888888-01"));
            // Tracing off, the W3C trace still reaches the runtime, in X-Ray form, with the caller's span as the parent.
            Assert.Equal($"{XRayRoot(trace)};Parent=8888888888888888;Sampled=1", await TraceSeenByFunctionAsync(response));
        }
        finally
        {
            await gateway.DisposeAsync(); // a tracer provider would flush here, at shutdown
        }
        Assert.Equal(0, receiver.Requests);
        Assert.Empty(receiver.Spans);
    }
}
