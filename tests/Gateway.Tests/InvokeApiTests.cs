using System.Text.Json;

namespace Gateway.Tests;

/// <summary>The Invoke API against the native gateway: results, name forms, headers, status codes, error shapes.</summary>
[Collection(SharedGatewayCollection.Name)]
public sealed class InvokeApiTests(SharedGateway shared)
{
    private GatewayProcess Gateway => shared.Gateway;

    [Theory]
    [InlineData(0)]
    [InlineData(64)]
    [InlineData(1024 * 1024)]
    [InlineData(6 * 1024 * 1024)] // exactly the sync limit: accepted
    public async Task Echo_returns_the_payload_byte_for_byte(int size)
    {
        var payload = JsonPayload.OfSize(size, seed: size);

        using var response = await Gateway.InvokeAsync("echo", payload);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(JsonPayload.AsDelivered(payload), await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("$LATEST", response.Headers.GetValues("X-Amz-Executed-Version").Single());
        Assert.False(response.Headers.Contains("X-Amz-Function-Error"));
        Assert.True(Guid.TryParse(response.Headers.GetValues("x-amzn-RequestId").Single(), out _));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("echo", "fail")]                          // the C# runtime's default: result and next /next in one write
    [InlineData("unpipelined-echo", "unpipelined-fail")]  // GATEWAY_RUNTIME_PIPELINING=0: one request at a time
    public async Task The_runtime_serves_invocation_after_invocation_pipelined_or_not(string echo, string fail)
    {
        // Alternating results and errors on one environment: each answer is read exactly, and each next event
        // arrives on the same connection, whichever way the runtime sent its requests.
        for (int i = 0; i < 6; i++)
        {
            var payload = JsonPayload.OfSize(i * 1000, seed: i);
            using var echoed = await Gateway.InvokeAsync(echo, payload);
            Assert.Equal(JsonPayload.AsDelivered(payload), await echoed.Content.ReadAsByteArrayAsync());

            using var failed = await Gateway.InvokeAsync(fail, "{}");
            Assert.Equal("Unhandled", failed.Headers.GetValues("X-Amz-Function-Error").Single());
        }
    }

    [Fact]
    public async Task A_sync_payload_one_byte_over_6_MB_is_413_in_Lambdas_shape()
    {
        using var response = await Gateway.InvokeAsync("echo", new byte[6 * 1024 * 1024 + 1]);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("RequestEntityTooLargeException", response.Headers.GetValues("x-amzn-ErrorType").Single());
        var body = await GatewayProcess.ReadJsonAsync(response);
        Assert.Equal("Request must be smaller than 6291456 bytes for the InvokeFunction operation", body.GetProperty("Message").GetString());
    }

    [Fact]
    public async Task An_event_payload_over_256_KB_is_413_with_the_async_message()
    {
        using var ok = await Gateway.InvokeAsync("echo", JsonPayload.OfSize(256 * 1024), invocationType: "Event");
        Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);

        using var response = await Gateway.InvokeAsync("echo", new byte[256 * 1024 + 1], invocationType: "Event");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var body = await GatewayProcess.ReadJsonAsync(response);
        Assert.Equal("262145 byte payload is too large for the Event invocation type (limit 262144 bytes)", body.GetProperty("Message").GetString());
    }

    [Fact]
    public async Task An_event_is_accepted_with_202_and_runs_in_the_background()
    {
        using var response = await Gateway.InvokeAsync("echo", """{"async":true}""", invocationType: "Event");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.False(response.Headers.Contains("X-Amz-Executed-Version"));
        var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();
        var logs = await Gateway.WaitForLogAsync("echo", $"REPORT RequestId: {requestId}");
        Assert.Contains($"START RequestId: {requestId} Version: $LATEST", logs);
    }

    [Fact]
    public async Task DryRun_is_204_and_does_not_run_the_function()
    {
        using var response = await Gateway.InvokeAsync("context", "{}", invocationType: "DryRun");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var dryRunId = response.Headers.GetValues("x-amzn-RequestId").Single();

        // "context" has one environment: a (wrong) run of the DryRun would be logged before this next invocation.
        using var after = await Gateway.InvokeAsync("context", "{}");
        var logs = await Gateway.WaitForLogAsync("context", "REPORT RequestId: " + after.Headers.GetValues("x-amzn-RequestId").Single());
        Assert.DoesNotContain(dryRunId, logs);
    }

    [Theory]
    [InlineData("echo")]
    [InlineData("echo:$LATEST")]
    [InlineData("arn:aws:lambda:us-east-1:000000000000:function:echo")]
    [InlineData("arn:aws:lambda:us-east-1:000000000000:function:echo:$LATEST")]
    [InlineData("000000000000:function:echo")]
    [InlineData("us-east-1:000000000000:function:echo")]
    public async Task Every_function_name_form_reaches_the_function(string name)
    {
        using var response = await Gateway.InvokeAsync(name, "\"hi\"");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"hi\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_Qualifier_query_parameter_is_honoured_and_checked_against_the_name()
    {
        using var latest = await Gateway.InvokeAsync("echo", "1", query: "?Qualifier=%24LATEST");
        Assert.Equal(HttpStatusCode.OK, latest.StatusCode);

        using var mismatch = await Gateway.InvokeAsync("echo:$LATEST", "1", query: "?Qualifier=prod");
        Assert.Equal(HttpStatusCode.BadRequest, mismatch.StatusCode);
        Assert.Equal("InvalidParameterValueException", mismatch.Headers.GetValues("x-amzn-ErrorType").Single());
        var body = await GatewayProcess.ReadJsonAsync(mismatch);
        Assert.Equal("User", body.GetProperty("Type").GetString());
        Assert.Equal("The derived qualifier from the function name does not match the specified qualifier.", body.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("nope", "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope:$LATEST")]
    [InlineData("echo:prod", "Function not found: arn:aws:lambda:us-east-1:000000000000:function:echo:prod")]
    [InlineData("ECHO", "Function not found: arn:aws:lambda:us-east-1:000000000000:function:ECHO:$LATEST")]
    [InlineData("arn:aws:lambda:eu-west-1:000000000000:function:echo", "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')")]
    public async Task Unknown_functions_versions_and_regions_are_404_ResourceNotFoundException(string name, string message)
    {
        using var response = await Gateway.InvokeAsync(name, "{}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("ResourceNotFoundException", response.Headers.GetValues("x-amzn-ErrorType").Single());
        var body = await GatewayProcess.ReadJsonAsync(response);
        Assert.Equal(message, body.GetProperty("Message").GetString());
        Assert.Equal("User", body.GetProperty("Type").GetString());
    }

    [Fact]
    public async Task Another_accounts_function_is_403_AccessDeniedException()
    {
        using var response = await Gateway.InvokeAsync("arn:aws:lambda:us-east-1:123456789012:function:echo", "{}");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("AccessDeniedException", response.Headers.GetValues("x-amzn-ErrorType").Single());
    }

    [Fact]
    public async Task A_malformed_name_is_400_ValidationException_with_AWSs_pattern_message()
    {
        using var response = await Gateway.InvokeAsync("bad name!", "{}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("ValidationException", response.Headers.GetValues("x-amzn-ErrorType").Single());
        // The raw body has the quotes and the pattern's '+' as AWS's does (a curl user reads it), not \u0027 / \u002B.
        var raw = await response.Content.ReadAsStringAsync();
        Assert.Equal(Encoding.UTF8.GetByteCount(raw), response.Content.Headers.ContentLength); // a length, not chunked, as AWS sends
        Assert.Contains("Value 'bad name!' at 'functionName'", raw);
        Assert.Contains("_]+", raw);
        var message = JsonDocument.Parse(raw).RootElement.GetProperty("message").GetString();
        Assert.StartsWith("1 validation error detected: Value 'bad name!' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:", message);
    }

    [Fact]
    public async Task An_unknown_invocation_type_is_400_ValidationException()
    {
        using var response = await Gateway.InvokeAsync("echo", "{}", invocationType: "Sometimes");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("ValidationException", response.Headers.GetValues("x-amzn-ErrorType").Single());
        Assert.Contains("at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set", (await GatewayProcess.ReadJsonAsync(response)).GetProperty("message").GetString());
    }

    [Fact]
    public async Task The_client_context_reaches_the_runtime_decoded_and_an_invalid_one_is_400()
    {
        var context = """{"custom":{"k":"v"},"env":{"locale":"en"}}""";
        using var response = await Gateway.InvokeAsync("context", Encoding.UTF8.GetBytes("{}"),
            configure: r => r.Headers.Add("X-Amz-Client-Context", Convert.ToBase64String(Encoding.UTF8.GetBytes(context))));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = await GatewayProcess.ReadJsonAsync(response);
        Assert.Equal(context, seen.GetProperty("clientContext").GetString());
        Assert.Equal(response.Headers.GetValues("x-amzn-RequestId").Single(), seen.GetProperty("requestId").GetString());
        Assert.Equal("arn:aws:lambda:us-east-1:000000000000:function:context", seen.GetProperty("invokedFunctionArn").GetString());
        Assert.StartsWith("Root=1-", seen.GetProperty("traceId").GetString());
        var deadline = seen.GetProperty("deadlineMs").GetInt64();
        Assert.InRange(deadline - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), -5_000, 3_000);

        using var bad = await Gateway.InvokeAsync("context", Encoding.UTF8.GetBytes("{}"), configure: r => r.Headers.Add("X-Amz-Client-Context", "not base64!"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("InvalidRequestContentException", bad.Headers.GetValues("x-amzn-ErrorType").Single());
        Assert.Equal("Client context must be a valid Base64-encoded JSON object.", (await GatewayProcess.ReadJsonAsync(bad)).GetProperty("message").GetString());
    }

    [Fact]
    public async Task The_invoked_arn_keeps_the_qualifier_the_caller_used()
    {
        using var response = await Gateway.InvokeAsync("context:$LATEST", "{}");

        var seen = await GatewayProcess.ReadJsonAsync(response);
        Assert.Equal("arn:aws:lambda:us-east-1:000000000000:function:context:$LATEST", seen.GetProperty("invokedFunctionArn").GetString());
    }

    [Fact]
    public async Task Log_type_Tail_returns_the_base64_of_this_invocations_log()
    {
        using var response = await Gateway.InvokeAsync("log", """{"lines":3,"bytes":10}""", logType: "Tail");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();
        var tail = Encoding.UTF8.GetString(Convert.FromBase64String(response.Headers.GetValues("X-Amz-Log-Result").Single()));
        var lines = tail.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"START RequestId: {requestId} Version: $LATEST", lines[0]);
        Assert.Equal($"END RequestId: {requestId}", lines[^2]);
        Assert.Matches($@"^REPORT RequestId: {requestId}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: [1-9]\d* MB\t$", lines[^1]);
        Assert.Equal(3, lines.Length - 3); // the function's three lines, stdout and stderr alike, in order
    }

    [Fact]
    public async Task The_log_tail_is_the_last_4_KB_when_the_log_is_longer()
    {
        using var response = await Gateway.InvokeAsync("log", """{"lines":200,"bytes":100}""", logType: "Tail");

        var tail = Convert.FromBase64String(response.Headers.GetValues("X-Amz-Log-Result").Single());
        Assert.Equal(4096, tail.Length);
        Assert.StartsWith("REPORT RequestId:", Encoding.UTF8.GetString(tail).Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
    }

    [Fact]
    public async Task Unknown_paths_answer_in_Lambdas_error_shape()
    {
        using var response = await Gateway.Client.GetAsync("/2015-03-31/nothing-here");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("UnknownOperationException", response.Headers.GetValues("x-amzn-ErrorType").Single());
    }

    [Fact]
    public async Task Concurrent_invocations_all_get_their_own_answer()
    {
        var tasks = Enumerable.Range(0, 64).Select(async i =>
        {
            using var response = await Gateway.InvokeAsync("echo", $"{{\"i\":{i}}}");
            return (response.StatusCode, await response.Content.ReadAsStringAsync(), i);
        });
        var results = await Task.WhenAll(tasks);
        // echo may throttle at its MaxEnvironments (8) under this burst; every 200 must carry its own payload.
        Assert.All(results.Where(r => r.StatusCode == HttpStatusCode.OK), r => Assert.Equal($"{{\"i\":{r.i}}}", r.Item2));
        Assert.All(results, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.TooManyRequests }));
        Assert.Contains(results, r => r.StatusCode == HttpStatusCode.OK);
    }
}
