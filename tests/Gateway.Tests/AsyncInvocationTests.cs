using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Gateway.Tests;

/// <summary>
/// Event invocations end to end: durable before 202, AWS's retry rules (on an accelerated async clock, so a
/// one-minute wait takes 60 ms), resumption after SIGKILL, and what a damaged or full disk does.
/// </summary>
public sealed class AsyncInvocationTests
{
    /// <summary>The async clock 1000× faster: 1 min → 60 ms, the 6 h default maximum age → 21.6 s.</summary>
    private static readonly string[] FastClock = ["--Gateway:AsyncClockRate=1000"];


    private static async Task<string> SendEventAsync(GatewayProcess gateway, string function, string payload)
    {
        using var response = await gateway.InvokeAsync(function, payload, invocationType: "Event");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return response.Headers.GetValues("x-amzn-RequestId").Single();
    }

    private static int Starts(string logs, string requestId)
        => Regex.Count(logs, "START RequestId: " + Regex.Escape(requestId));

    [Fact]
    public async Task A_function_error_is_retried_twice_then_dropped()
    {
        await using var gateway = await GatewayProcess.StartAsync([TestFunction.Sample("fail")], FastClock);

        var requestId = await SendEventAsync(gateway, "fail", """{"n":1}""");

        await Poll.UntilAsync(async () => await gateway.MetricAsync("lambda_async_events_dropped_total", "fail") == 1, "the event to be given up");
        Assert.Equal(3, await gateway.MetricAsync("lambda_invocations_total", "fail")); // AWS: 1 run + 2 retries
        Assert.Equal(2, await gateway.MetricAsync("lambda_async_retries_total", "fail"));
        Assert.Equal(1, await gateway.MetricAsync("lambda_async_events_received_total", "fail"));
        var logs = await gateway.WaitForLogAsync("fail", "END RequestId: " + requestId);
        await Poll.UntilAsync(() => Starts(gateway.ReadLogs("fail"), requestId) == 3, "three runs with the same request id in the log");
        var status = await gateway.StatusAsync();
        Assert.Equal(0, status["eventsPending"]!.GetValue<long>());
        Assert.Equal(0, status["eventsInFlight"]!.GetValue<long>());
        await gateway.WaitForOutputAsync("RetriesExhausted after 3 run(s)");
    }

    [Fact]
    public async Task With_no_retries_a_failed_event_goes_to_its_on_failure_destination_after_one_run()
    {
        var destination = Directory.CreateTempSubdirectory("gateway-onfailure-").FullName;
        var fail = TestFunction.Sample("fail") with { Extra = Config(maximumRetryAttempts: 0, onFailure: "file://" + destination) };
        await using var gateway = await GatewayProcess.StartAsync([fail], FastClock);

        var requestId = await SendEventAsync(gateway, "fail", """{"order":42}""");

        var record = await DestinationRecords.WaitForAsync(Path.Combine(destination, "fail.jsonl"), requestId);
        var context = record.GetProperty("requestContext");
        Assert.Equal("RetriesExhausted", context.GetProperty("condition").GetString());
        Assert.Equal(1, context.GetProperty("approximateInvokeCount").GetInt32());
        Assert.Equal("arn:aws:lambda:us-east-1:000000000000:function:fail:$LATEST", context.GetProperty("functionArn").GetString());
        Assert.Equal(42, record.GetProperty("requestPayload").GetProperty("order").GetInt32());
        Assert.Equal(200, record.GetProperty("responseContext").GetProperty("statusCode").GetInt32());
        Assert.Equal("Unhandled", record.GetProperty("responseContext").GetProperty("functionError").GetString());
        Assert.Contains("failed on purpose", record.GetProperty("responsePayload").GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, await gateway.MetricAsync("lambda_invocations_total", "fail"));
        Assert.Equal(0, await gateway.MetricAsync("lambda_async_retries_total", "fail"));
        Assert.Equal(1, await gateway.MetricAsync("lambda_async_events_dropped_total", "fail"));
    }

    [Fact]
    public async Task A_throttled_event_older_than_its_maximum_age_is_given_up_as_EventAgeExceeded_without_running()
    {
        // Reserved concurrency 1, held by a 3 s event; the next event is throttled and backs off (1 s, 2 s, …
        // on the async clock) until it is older than 60 s (60 ms at 1000×).
        var destination = Directory.CreateTempSubdirectory("gateway-aged-").FullName;
        var sleep = TestFunction.Sample("sleep") with
        {
            Timeout = 30,
            ReservedConcurrentExecutions = 1,
            Extra = Config(maximumEventAgeInSeconds: 60, onFailure: "file://" + destination),
        };
        await using var gateway = await GatewayProcess.StartAsync([sleep], FastClock);
        var blocker = await SendEventAsync(gateway, "sleep", """{"ms":3000}""");
        await gateway.WaitForLogAsync("sleep", "START RequestId: " + blocker);

        var aged = await SendEventAsync(gateway, "sleep", """{"ms":1}""");

        var record = await DestinationRecords.WaitForAsync(Path.Combine(destination, "sleep.jsonl"), aged);
        Assert.Equal("EventAgeExceeded", record.GetProperty("requestContext").GetProperty("condition").GetString());
        Assert.Equal(0, record.GetProperty("requestContext").GetProperty("approximateInvokeCount").GetInt32());
        Assert.DoesNotContain("START RequestId: " + aged, gateway.ReadLogs("sleep"), StringComparison.Ordinal);
        await gateway.WaitForLogAsync("sleep", "END RequestId: " + blocker);
    }

    [Fact]
    public async Task With_reserved_concurrency_0_events_are_accepted_and_go_to_the_on_failure_destination_without_running()
    {
        var destination = Directory.CreateTempSubdirectory("gateway-reserved0-").FullName;
        var echo = TestFunction.Sample("echo") with { Provisioned = 0, ReservedConcurrentExecutions = 0, Extra = Config(onFailure: "file://" + destination) };
        await using var gateway = await GatewayProcess.StartAsync([echo]);

        var requestId = await SendEventAsync(gateway, "echo", """{"parked":true}""");

        var record = await DestinationRecords.WaitForAsync(Path.Combine(destination, "echo.jsonl"), requestId);
        // AWS's record (LocalStack's AWS-validated TestLambdaConcurrency::test_reserved_concurrency).
        Assert.Equal("ZeroReservedConcurrency", record.GetProperty("requestContext").GetProperty("condition").GetString());
        Assert.Equal(0, record.GetProperty("requestContext").GetProperty("approximateInvokeCount").GetInt32());
        Assert.False(record.TryGetProperty("responseContext", out _));
        Assert.True(record.GetProperty("requestPayload").GetProperty("parked").GetBoolean());
        Assert.Equal(0, await gateway.MetricAsync("lambda_invocations_total", "echo"));
        using var sync = await gateway.InvokeAsync("echo", "{}"); // a sync invoke is throttled, as on AWS
        Assert.Equal((HttpStatusCode)429, sync.StatusCode);
    }

    [Fact]
    public async Task The_deprecated_InvokeAsync_queues_an_Event_for_the_aws_CLI_and_answers_202_Status()
    {
        // POST /2014-11-13/functions/{FunctionName}/invoke-async/: deprecated, still in botocore and every SDK.
        var destination = Directory.CreateTempSubdirectory("gateway-invoke-async-").FullName;
        var echo = TestFunction.Sample("echo") with { Extra = Config(onSuccess: "file://" + destination) };
        await using var gateway = await GatewayProcess.StartAsync([echo]);
        using var cli = new AwsCli("/usr/bin/aws");
        var args = Path.Combine(cli.Directory, "args.json");
        await File.WriteAllTextAsync(args, """{"via":"invoke-async"}""");

        var (exit, stdout, stderr) = await cli.LambdaAsync(gateway, ["invoke-async", "--function-name", "echo", "--invoke-args", args]);

        Assert.True(exit == 0, stderr);
        Assert.Equal(202, JsonNode.Parse(stdout)!["Status"]!.GetValue<int>());
        var records = Path.Combine(destination, "echo.jsonl");
        await Poll.UntilAsync(() => DestinationRecords.Read(records).Count > 0, "the InvokeAsync event's record");
        var record = DestinationRecords.Read(records)[0];
        Assert.Equal("Success", record.GetProperty("requestContext").GetProperty("condition").GetString());
        Assert.Equal("invoke-async", record.GetProperty("responsePayload").GetProperty("via").GetString());

        // On the wire: 202 with {"Status":202}; the Event limit (256 KB) and the Invoke API's errors.
        using var raw = await gateway.Client.PostAsync("/2014-11-13/functions/echo/invoke-async/", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.Accepted, raw.StatusCode);
        Assert.Equal("""{"Status":202}""", await raw.Content.ReadAsStringAsync());
        Assert.False(string.IsNullOrEmpty(raw.Headers.GetValues("x-amzn-RequestId").Single()));
        using var tooLarge = await gateway.Client.PostAsync("/2014-11-13/functions/echo/invoke-async/", new ByteArrayContent(new byte[256 * 1024 + 1]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal("RequestEntityTooLargeException", tooLarge.Headers.GetValues("x-amzn-ErrorType").Single());
        using var missing = await gateway.Client.PostAsync("/2014-11-13/functions/nope/invoke-async/", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("ResourceNotFoundException", missing.Headers.GetValues("x-amzn-ErrorType").Single());
    }

    [Fact]
    public async Task A_successful_event_is_recorded_at_its_on_success_destination_and_in_a_local_queue()
    {
        var echo = TestFunction.Sample("echo") with { Extra = Config(onSuccess: "arn:aws:sqs:us-east-1:000000000000:done") };
        await using var gateway = await GatewayProcess.StartAsync([echo]);

        var requestId = await SendEventAsync(gateway, "echo", """{"hello":"destination"}""");

        var record = await DestinationRecords.WaitForAsync(Path.Combine(gateway.DataDirectory, "destinations", "sqs", "done.jsonl"), requestId);
        Assert.Equal("1.0", record.GetProperty("version").GetString());
        Assert.Equal("Success", record.GetProperty("requestContext").GetProperty("condition").GetString());
        Assert.Equal(1, record.GetProperty("requestContext").GetProperty("approximateInvokeCount").GetInt32());
        Assert.Equal("destination", record.GetProperty("requestPayload").GetProperty("hello").GetString());
        Assert.Equal("destination", record.GetProperty("responsePayload").GetProperty("hello").GetString());
        Assert.Equal("$LATEST", record.GetProperty("responseContext").GetProperty("executedVersion").GetString());
        Assert.False(record.GetProperty("responseContext").TryGetProperty("functionError", out _));
        // Counted once delivery has returned, a moment after the line is on disk.
        await Poll.UntilAsync(async () => await gateway.MetricAsync("lambda_destination_deliveries_total", "echo") == 1, "the delivery to be counted");
    }

    [Fact]
    public async Task A_destination_that_is_down_is_retried_and_counted_when_it_finally_fails()
    {
        // Nothing listens on this port: every POST is refused, until the delivery's retries (on the async clock) run out.
        var fail = TestFunction.Sample("fail") with { Extra = Config(maximumRetryAttempts: 0, onFailure: $"http://127.0.0.1:{GatewayProcess.FreePort()}/records") };
        await using var gateway = await GatewayProcess.StartAsync([fail], FastClock);

        var requestId = await SendEventAsync(gateway, "fail", "{}");

        await Poll.UntilAsync(async () => await gateway.MetricAsync("lambda_destination_delivery_failures_total", "fail") == 1, "the delivery to give up", 60_000);
        await gateway.WaitForOutputAsync($"Event {requestId}: could not deliver its RetriesExhausted record");
        Assert.Equal(0, (await gateway.StatusAsync())["eventsInFlight"]!.GetValue<long>());
    }

    [Fact]
    public async Task Without_an_on_failure_destination_a_failed_event_goes_to_the_dead_letter_queue()
    {
        var fail = TestFunction.Sample("fail") with
        {
            Extra = new JsonObject
            {
                ["EventInvokeConfig"] = new JsonObject { ["MaximumRetryAttempts"] = 1 },
                ["DeadLetterConfig"] = new JsonObject { ["TargetArn"] = "arn:aws:sqs:us-east-1:000000000000:fail-dlq" },
            },
        };
        await using var gateway = await GatewayProcess.StartAsync([fail], FastClock);

        var requestId = await SendEventAsync(gateway, "fail", """{"dead":"letter"}""");

        var file = Path.Combine(gateway.DataDirectory, "destinations", "sqs", "fail-dlq.jsonl");
        await Poll.UntilAsync(() => File.Exists(file) && File.ReadAllText(file).Contains(requestId, StringComparison.Ordinal), "the dead-letter message");
        Assert.Equal(2, await gateway.MetricAsync("lambda_invocations_total", "fail"));
        Assert.Contains("\"dead\":\"letter\"", File.ReadAllText(file), StringComparison.Ordinal);
    }

    /// <summary>AWS allows destinations "in addition to or instead of a dead-letter queue" (PutFunctionEventInvokeConfig):
    /// with both set, the on-failure destination gets the record and the queue still gets the event.</summary>
    [Fact]
    public async Task With_both_an_on_failure_destination_and_a_dead_letter_queue_each_receives_the_failed_event()
    {
        var extra = Config(maximumRetryAttempts: 0, onFailure: "arn:aws:sqs:us-east-1:000000000000:fail-records");
        extra["DeadLetterConfig"] = new JsonObject { ["TargetArn"] = "arn:aws:sqs:us-east-1:000000000000:fail-dlq" };
        var fail = TestFunction.Sample("fail") with { Extra = extra };
        await using var gateway = await GatewayProcess.StartAsync([fail], FastClock);

        var requestId = await SendEventAsync(gateway, "fail", """{"both":"targets"}""");

        var records = Path.Combine(gateway.DataDirectory, "destinations", "sqs", "fail-records.jsonl");
        var deadLetters = Path.Combine(gateway.DataDirectory, "destinations", "sqs", "fail-dlq.jsonl");
        await Poll.UntilAsync(() => File.Exists(records) && File.ReadAllText(records).Contains(requestId, StringComparison.Ordinal), "the on-failure record");
        await Poll.UntilAsync(() => File.Exists(deadLetters) && File.ReadAllText(deadLetters).Contains(requestId, StringComparison.Ordinal), "the dead-letter message");
        Assert.Contains("\"condition\":\"RetriesExhausted\"", File.ReadAllText(records), StringComparison.Ordinal);
        Assert.Contains("\"RequestID\"", File.ReadAllText(deadLetters), StringComparison.Ordinal);
        Assert.Equal(1, await gateway.MetricAsync("lambda_invocations_total", "fail"));
        // Counted once each line is fsync'd, a moment after it is visible.
        await Poll.UntilAsync(async () => await gateway.MetricAsync("lambda_destination_deliveries_total", "fail") == 2, "both deliveries counted");
    }

    /// <summary>The dead-letter queue is the version's as it is now: one set with UpdateFunctionConfiguration receives
    /// the next failed event, not the functions file's (AWS: "configure a dead-letter queue with
    /// UpdateFunctionConfiguration").</summary>
    [Fact]
    public async Task A_dead_letter_queue_set_with_UpdateFunctionConfiguration_receives_the_next_failed_event()
    {
        var fail = TestFunction.Sample("fail") with
        {
            Extra = new JsonObject
            {
                ["EventInvokeConfig"] = new JsonObject { ["MaximumRetryAttempts"] = 0 },
                ["DeadLetterConfig"] = new JsonObject { ["TargetArn"] = "arn:aws:sqs:us-east-1:000000000000:file-dlq" },
            },
        };
        await using var gateway = await GatewayProcess.StartAsync([fail], FastClock);
        await gateway.SendAsync(HttpMethod.Put, "/2015-03-31/functions/fail/configuration",
            new JsonObject { ["DeadLetterConfig"] = new JsonObject { ["TargetArn"] = "arn:aws:sns:us-east-1:000000000000:api-topic" } }, HttpStatusCode.OK);
        await gateway.WaitUntilReadyAsync("fail");

        var requestId = await SendEventAsync(gateway, "fail", """{"to":"the api's queue"}""");

        var topic = Path.Combine(gateway.DataDirectory, "destinations", "sns", "api-topic.jsonl");
        await Poll.UntilAsync(() => File.Exists(topic) && File.ReadAllText(topic).Contains(requestId, StringComparison.Ordinal), "the dead-letter message on the API's topic");
        var fileQueue = Path.Combine(gateway.DataDirectory, "destinations", "sqs", "file-dlq.jsonl");
        Assert.False(File.Exists(fileQueue) && File.ReadAllText(fileQueue).Contains(requestId, StringComparison.Ordinal));
    }

    /// <summary>A function's EventInvokeConfig as in the functions file.</summary>
    internal static JsonObject Config(int? maximumRetryAttempts = null, int? maximumEventAgeInSeconds = null, string? onSuccess = null, string? onFailure = null)
    {
        var config = new JsonObject();
        if (maximumRetryAttempts is { } retries)
        {
            config["MaximumRetryAttempts"] = retries;
        }
        if (maximumEventAgeInSeconds is { } age)
        {
            config["MaximumEventAgeInSeconds"] = age;
        }
        var destinations = new JsonObject();
        if (onSuccess is not null)
        {
            destinations["OnSuccess"] = new JsonObject { ["Destination"] = onSuccess };
        }
        if (onFailure is not null)
        {
            destinations["OnFailure"] = new JsonObject { ["Destination"] = onFailure };
        }
        config["DestinationConfig"] = destinations;
        return new JsonObject { ["EventInvokeConfig"] = config };
    }

    [Fact]
    public async Task A_successful_event_leaves_the_store()
    {
        await using var gateway = await GatewayProcess.StartAsync([TestFunction.Sample("echo")]);

        var requestId = await SendEventAsync(gateway, "echo", """{"hello":"event"}""");

        await gateway.WaitForLogAsync("echo", "END RequestId: " + requestId);
        await Poll.UntilAsync(async () => (await gateway.StatusAsync())["eventsInFlight"]!.GetValue<long>() == 0, "the event to leave the store");
        Assert.Equal(0, (await gateway.StatusAsync())["eventsPending"]!.GetValue<long>());
        Assert.Equal(0, await gateway.MetricAsync("lambda_async_retries_total", "echo"));
    }

    [Fact]
    public async Task An_event_waiting_for_its_retry_survives_SIGKILL_with_its_attempt_count()
    {
        // At 100×, the first retry waits 600 ms: time to kill the gateway while the event waits for it.
        string[] clock = ["--Gateway:AsyncClockRate=100"];
        await using var gateway = await GatewayProcess.StartAsync([TestFunction.Sample("fail")], clock);
        var requestId = await SendEventAsync(gateway, "fail", """{"n":2}""");
        await Poll.UntilAsync(async () => await gateway.MetricAsync("lambda_async_retries_total", "fail") >= 1, "the first retry to be scheduled");
        gateway.Kill();
        await gateway.WaitForExitAsync();

        await using var restarted = await GatewayProcess.RestartAsync(gateway, clock);
        await Poll.UntilAsync(async () => await restarted.MetricAsync("lambda_async_events_dropped_total", "fail") == 1, "the resumed event to be given up");
        // The run before the kill counts: two more runs here, three in all.
        Assert.Equal(2, await restarted.MetricAsync("lambda_invocations_total", "fail"));
        await restarted.WaitForOutputAsync($"Event {requestId} for fail given up: RetriesExhausted after 3 run(s)");
    }

    [Fact]
    public async Task An_event_cut_short_by_SIGKILL_runs_again_after_restart()
    {
        await using var gateway = await GatewayProcess.StartAsync([TestFunction.Sample("sleep") with { Timeout = 30 }]);
        var requestId = await SendEventAsync(gateway, "sleep", """{"ms":3000}""");
        await gateway.WaitForLogAsync("sleep", "START RequestId: " + requestId);
        gateway.Kill();
        await gateway.WaitForExitAsync();

        // The store has the event in flight: the restarted gateway runs it again, with the same request id.
        await using var restarted = await GatewayProcess.RestartListeningAsync(gateway);
        await Poll.UntilAsync(() => Starts(restarted.ReadLogs("sleep"), requestId) == 2, "the event to start again after the restart");
        await restarted.WaitForOutputAsync("resuming them");
    }

    [Fact]
    public async Task A_torn_write_ahead_log_tail_is_reported_and_skipped_and_committed_events_still_run()
    {
        // One environment busy for 3 s, so the events behind it stay in the store when the gateway is killed.
        await using var gateway = await GatewayProcess.StartAsync([TestFunction.Sample("sleep") with { Timeout = 30, MaxEnvironments = 1, ReservedConcurrentExecutions = 1 }]);
        var queued = new List<string>();
        var blocker = await SendEventAsync(gateway, "sleep", """{"ms":3000}""");
        await gateway.WaitForLogAsync("sleep", "START RequestId: " + blocker);
        for (int i = 0; i < 5; i++)
        {
            queued.Add(await SendEventAsync(gateway, "sleep", """{"ms":1}"""));
        }
        gateway.Kill();
        await gateway.WaitForExitAsync();

        // A crash in the middle of a commit leaves a partial frame after the last committed one.
        var wal = Path.Combine(gateway.DataDirectory, "events.db-wal");
        Assert.True(File.Exists(wal), "the killed gateway left its write-ahead log");
        await using (var stream = new FileStream(wal, FileMode.Append))
        {
            stream.Write(Enumerable.Range(0, 3000).Select(i => (byte)(i * 7)).ToArray());
        }

        await using var restarted = await GatewayProcess.RestartListeningAsync(gateway);
        await restarted.WaitForOutputAsync("torn or corrupt write-ahead-log tail");
        foreach (var requestId in queued)
        {
            await restarted.WaitForLogAsync("sleep", "END RequestId: " + requestId);
        }
    }

    [Fact]
    public async Task A_corrupt_event_store_is_moved_aside_and_the_gateway_still_serves_events()
    {
        var root = Directory.CreateTempSubdirectory("gateway-corrupt-").FullName;
        var data = Path.Combine(root, "data");
        Directory.CreateDirectory(data);
        await File.WriteAllBytesAsync(Path.Combine(data, "events.db"), Enumerable.Repeat((byte)0x5A, 8192).ToArray());

        await using var gateway = await GatewayProcess.StartAsync([TestFunction.Sample("echo")], "--Gateway:EventStorePath=" + Path.Combine(data, "events.db"));
        await gateway.WaitForOutputAsync("moved aside");
        Assert.Single(Directory.GetFiles(data, "events.db.corrupt-*"));
        var requestId = await SendEventAsync(gateway, "echo", "{}");
        await gateway.WaitForLogAsync("echo", "END RequestId: " + requestId);
    }

    [Fact]
    public async Task A_full_disk_refuses_the_event_with_a_clear_error_instead_of_a_202()
    {
        var mount = Directory.CreateTempSubdirectory("gateway-full-").FullName;
        if (!Tmpfs.TryMount(mount, "2m"))
        {
            Console.WriteLine("SKIPPED: cannot mount a tmpfs here (needs root)");
            return;
        }
        try
        {
            await using var gateway = await GatewayProcess.StartAsync([TestFunction.Sample("echo")], "--Gateway:EventStorePath=" + Path.Combine(mount, "events.db"));
            var accepted = await SendEventAsync(gateway, "echo", "{}");
            await gateway.WaitForLogAsync("echo", "END RequestId: " + accepted);

            // Fill the disk, then try an event that needs more room than is left.
            var filler = Path.Combine(mount, "filler");
            Tmpfs.Fill(filler);
            var payload = "\"" + new string('x', 200_000) + "\"";
            using (var refused = await gateway.InvokeAsync("echo", payload, invocationType: "Event"))
            {
                Assert.Equal(HttpStatusCode.InternalServerError, refused.StatusCode);
                var body = await GatewayProcess.ReadJsonAsync(refused);
                Assert.Equal("ServiceException", refused.Headers.GetValues("x-amzn-ErrorType").Single());
                Assert.Contains("disk is full", body.GetProperty("Message").GetString(), StringComparison.Ordinal);
            }

            // Synchronous invocations do not need the store, and once there is room again events are accepted.
            using (var sync = await gateway.InvokeAsync("echo", "{}"))
            {
                Assert.Equal(HttpStatusCode.OK, sync.StatusCode);
            }
            File.Delete(filler);
            var after = await SendEventAsync(gateway, "echo", payload);
            await gateway.WaitForLogAsync("echo", "END RequestId: " + after);
        }
        finally
        {
            Tmpfs.Unmount(mount);
        }
    }
}

/// <summary>The fault test: a flood, a SIGKILL in the middle, a restart, and proof by request id.</summary>
public sealed class AsyncFloodTests
{
    private const int Events = 3000;
    private const int KillAfter = 1500;
    private const int Senders = 16;

    [Fact]
    public async Task Every_event_answered_202_before_a_SIGKILL_reaches_its_destination_after_the_restart()
    {
        var destination = Directory.CreateTempSubdirectory("gateway-destination-").FullName;
        var echo = TestFunction.Sample("echo") with
        {
            Provisioned = 2,
            MaxEnvironments = 4,
            Extra = AsyncInvocationTests.Config(onSuccess: "file://" + destination),
        };
        await using var gateway = await GatewayProcess.StartAsync([echo]);

        // Flood from several senders; kill the gateway once half the events have been answered 202.
        var accepted = new System.Collections.Concurrent.ConcurrentBag<string>();
        int sent = 0;
        using var killed = new CancellationTokenSource();
        async Task SendAsync()
        {
            while (!killed.IsCancellationRequested && Interlocked.Increment(ref sent) <= Events)
            {
                try
                {
                    using var response = await gateway.InvokeAsync("echo", $$"""{"n":{{sent}}}""", invocationType: "Event");
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        accepted.Add(response.Headers.GetValues("x-amzn-RequestId").Single());
                        if (accepted.Count == KillAfter)
                        {
                            gateway.Kill();
                            await killed.CancelAsync();
                        }
                    }
                }
                catch (HttpRequestException)
                {
                    return; // the gateway is gone: this one was never answered, so nothing was promised
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, Senders).Select(_ => Task.Run(SendAsync)));
        await gateway.WaitForExitAsync();
        Assert.True(accepted.Count >= KillAfter, $"only {accepted.Count} events were accepted before the kill");

        await using var restarted = await GatewayProcess.RestartListeningAsync(gateway);
        var file = Path.Combine(destination, "echo.jsonl");
        HashSet<string> delivered = [];
        await Poll.UntilAsync(() =>
        {
            delivered = DestinationRecords.Read(file).Where(r => r.GetProperty("requestContext").GetProperty("condition").GetString() == "Success")
                .Select(r => r.GetProperty("requestContext").GetProperty("requestId").GetString()!).ToHashSet();
            return accepted.All(delivered.Contains);
        }, $"all {accepted.Count} accepted events at the destination", timeoutMs: 180_000);
        await restarted.WaitForOutputAsync("resuming them");
    }

}
