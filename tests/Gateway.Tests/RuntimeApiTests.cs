namespace Gateway.Tests;

/// <summary>
/// The Runtime API as a runtime sees it, driven by hand: the test plays the runtime of an environment whose
/// bootstrap only sleeps, over that environment's Unix socket (and its TCP port).
/// </summary>
public class RuntimeApiTests : IAsyncLifetime
{
    /// <summary>More gateway arguments: <see cref="RuntimeApiEventLoopTests"/> runs every test here on the epoll loop.</summary>
    protected virtual string[] GatewayArgs => [];

    private const string Next = "/2018-06-01/runtime/invocation/next";
    private string _code = "";
    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync()
    {
        _code = Directory.CreateTempSubdirectory("manual-runtime-").FullName;
        var bootstrap = Path.Combine(_code, "bootstrap");
        await File.WriteAllTextAsync(bootstrap, "#!/bin/sh\nexec sleep 600\n");
        File.SetUnixFileMode(bootstrap, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // Provisioned environments wait for their first /next; this test's gateway is ready when it listens.
        _gateway = await GatewayProcess.StartAsync(
        [
            new TestFunction("manual", _code, "handler") { Provisioned = 0, MaxEnvironments = 2, Timeout = 30 },
        ], GatewayArgs);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        Directory.Delete(_code, recursive: true);
    }

    /// <summary>Starts an invocation (which starts an environment) and returns the task and the environment's endpoints.</summary>
    private async Task<(Task<HttpResponseMessage> Invoke, string Socket, string Tcp)> StartInvocationAsync(string payload)
    {
        int[] before = await _gateway.WorkerPidsAsync("manual");
        var invoke = _gateway.InvokeAsync("manual", payload);
        string? socket = null, tcp = null;
        // Read both once, in the same poll: /proc/<pid>/environ is briefly unreadable while a process execs (with the
        // setpriv fallback, the pid is listed before setpriv has exec'd the bootstrap).
        await Poll.UntilAsync(async () =>
        {
            int pid = (await _gateway.WorkerPidsAsync("manual")).Except(before).FirstOrDefault();
            socket = pid == 0 ? null : Processes.EnvironmentVariable(pid, "GATEWAY_RUNTIME_API_SOCKET");
            tcp = pid == 0 ? null : Processes.EnvironmentVariable(pid, "AWS_LAMBDA_RUNTIME_API");
            return socket is not null && tcp is not null;
        }, "the environment to start");
        // In a mount namespace the process may see its socket elsewhere (under /run/gateway when the run folder is under
        // /tmp, which is the environment's own); the host's copy is in the run folder under the same name.
        return (invoke, Path.Combine(_gateway.DataDirectory, "run", Path.GetFileName(socket!)), tcp!);
    }

    [Fact]
    public async Task Next_delivers_the_event_with_every_header_and_response_completes_the_invocation()
    {
        var (invoke, socket, _) = await StartInvocationAsync("""{"question":42}""");
        using var runtime = await RawHttp.ConnectUnixAsync(socket);

        var next = await runtime.RequestAsync("GET", Next);

        Assert.Equal(200, next.Status);
        Assert.Equal("""{"question":42}""", next.Text);
        var requestId = next.Headers["Lambda-Runtime-Aws-Request-Id"];
        Assert.True(Guid.TryParse(requestId, out _));
        Assert.Equal("arn:aws:lambda:us-east-1:000000000000:function:manual", next.Headers["Lambda-Runtime-Invoked-Function-Arn"]);
        Assert.StartsWith("Root=1-", next.Headers["Lambda-Runtime-Trace-Id"]);
        Assert.InRange(long.Parse(next.Headers["Lambda-Runtime-Deadline-Ms"]) - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 1_000, 31_000);

        var accepted = await runtime.RequestAsync("POST", $"/2018-06-01/runtime/invocation/{requestId}/response", Encoding.UTF8.GetBytes("""{"answer":42}"""));
        Assert.Equal(202, accepted.Status);
        Assert.Equal("""{"status":"OK"}""", accepted.Text);

        using var response = await invoke.WithTimeout();
        Assert.Equal("""{"answer":42}""", await response.Content.ReadAsStringAsync());
        Assert.Equal(requestId, response.Headers.GetValues("x-amzn-RequestId").Single());

        // A second answer for the same invocation is a state error, as in AWS's emulator.
        var twice = await runtime.RequestAsync("POST", $"/2018-06-01/runtime/invocation/{requestId}/response", Encoding.UTF8.GetBytes("again"));
        Assert.Equal(403, twice.Status);
        Assert.Equal("""{"errorMessage":"State transition from RuntimeResponseSentState to InvocationResponse failed for runtime. Error: State transition is not allowed","errorType":"InvalidStateTransition"}""", twice.Text);
    }

    [Fact]
    public async Task An_unknown_request_id_is_400_and_does_not_disturb_the_real_invocation()
    {
        var (invoke, socket, _) = await StartInvocationAsync("1");
        using var runtime = await RawHttp.ConnectUnixAsync(socket);
        var next = await runtime.RequestAsync("GET", Next);
        var requestId = next.Headers["Lambda-Runtime-Aws-Request-Id"];

        var wrong = await runtime.RequestAsync("POST", $"/2018-06-01/runtime/invocation/{Guid.NewGuid()}/response", Encoding.UTF8.GetBytes("x"));
        Assert.Equal(400, wrong.Status);
        Assert.Equal("""{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}""", wrong.Text);

        var ok = await runtime.RequestAsync("POST", $"/2018-06-01/runtime/invocation/{requestId}/response", Encoding.UTF8.GetBytes("2"));
        Assert.Equal(202, ok.Status);
        using var response = await invoke.WithTimeout();
        Assert.Equal("2", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_repeated_next_redelivers_the_same_event_and_unknown_paths_are_404()
    {
        var (invoke, socket, tcp) = await StartInvocationAsync("\"same\"");
        using var first = await RawHttp.ConnectUnixAsync(socket);
        var a = await first.RequestAsync("GET", Next);
        // The runtime reconnects (over TCP this time) and asks again without answering.
        using var second = await RawHttp.ConnectTcpAsync(tcp);
        var b = await second.RequestAsync("GET", Next);
        Assert.Equal(a.Headers["Lambda-Runtime-Aws-Request-Id"], b.Headers["Lambda-Runtime-Aws-Request-Id"]);
        Assert.Equal("\"same\"", b.Text);

        var unknown = await second.RequestAsync("GET", "/2018-06-01/runtime/nothing");
        Assert.Equal(404, unknown.Status);

        var ok = await second.RequestAsync("POST", $"/2018-06-01/runtime/invocation/{a.Headers["Lambda-Runtime-Aws-Request-Id"]}/error",
            Encoding.UTF8.GetBytes("""{"errorMessage":"boom","errorType":"MyError"}"""), "Lambda-Runtime-Function-Error-Type: Function.MyError\r\n");
        Assert.Equal(202, ok.Status);
        using var response = await invoke.WithTimeout();
        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        Assert.Equal("""{"errorMessage":"boom","errorType":"MyError"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_runtime_may_pipeline_its_next_next_behind_its_answer()
    {
        // The project's C# runtime sends "POST /response" and the next "GET /next" in one write (HTTP/1.1
        // pipelining); the Runtime API must answer both, in order, on the same connection.
        var (invoke, socket, _) = await StartInvocationAsync("1");
        using var runtime = await RawHttp.ConnectUnixAsync(socket);
        var first = (await runtime.RequestAsync("GET", Next)).Headers["Lambda-Runtime-Aws-Request-Id"];

        await runtime.SendAsync(
            $"POST /2018-06-01/runtime/invocation/{first}/response HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nfirst" +
            $"GET {Next} HTTP/1.1\r\nHost: x\r\n\r\n");
        using (var response = await invoke.WithTimeout())
        {
            Assert.Equal("first", await response.Content.ReadAsStringAsync());
        }

        // The parked /next is this connection's: the next invocation goes to it, after the 202.
        var second = _gateway.InvokeAsync("manual", "2");
        var accepted = await runtime.ReadResponseAsync().WithTimeout();
        Assert.Equal(202, accepted.Status);
        Assert.Equal("""{"status":"OK"}""", accepted.Text);
        var next = await runtime.ReadResponseAsync().WithTimeout();
        Assert.Equal(200, next.Status);
        Assert.Equal("2", next.Text);
        var secondId = next.Headers["Lambda-Runtime-Aws-Request-Id"];
        Assert.NotEqual(first, secondId);

        // A refused answer pipelined with a /next: the refusal, then the same event again (it is still running).
        await runtime.SendAsync(
            $"POST /2018-06-01/runtime/invocation/{Guid.NewGuid()}/response HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx" +
            $"GET {Next} HTTP/1.1\r\nHost: x\r\n\r\n");
        var refused = await runtime.ReadResponseAsync().WithTimeout();
        Assert.Equal(400, refused.Status);
        var again = await runtime.ReadResponseAsync().WithTimeout();
        Assert.Equal(secondId, again.Headers["Lambda-Runtime-Aws-Request-Id"]);
        Assert.Equal("2", again.Text);

        var ok = await runtime.RequestAsync("POST", $"/2018-06-01/runtime/invocation/{secondId}/response", Encoding.UTF8.GetBytes("two"));
        Assert.Equal(202, ok.Status);
        using var secondResponse = await second.WithTimeout();
        Assert.Equal("two", await secondResponse.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Chunked_and_expect_continue_responses_are_read_exactly()
    {
        var (invoke, socket, _) = await StartInvocationAsync("{}");
        using var runtime = await RawHttp.ConnectUnixAsync(socket);
        var requestId = (await runtime.RequestAsync("GET", Next)).Headers["Lambda-Runtime-Aws-Request-Id"];

        await runtime.SendAsync($"POST /2018-06-01/runtime/invocation/{requestId}/response HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n");
        var cont = await runtime.ReadResponseAsync().WithTimeout();
        Assert.Equal(100, cont.Status);
        await runtime.SendAsync("5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
        var accepted = await runtime.ReadResponseAsync().WithTimeout();
        Assert.Equal(202, accepted.Status);

        using var response = await invoke.WithTimeout();
        Assert.Equal("hello world", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_oversized_response_is_413_to_the_runtime_and_ResponseSizeTooLarge_to_the_caller()
    {
        var (invoke, socket, _) = await StartInvocationAsync("{}");
        using var runtime = await RawHttp.ConnectUnixAsync(socket);
        var requestId = (await runtime.RequestAsync("GET", Next)).Headers["Lambda-Runtime-Aws-Request-Id"];

        // Declares 100 MB and sends only the head: the gateway must refuse from the header alone.
        await runtime.SendAsync($"POST /2018-06-01/runtime/invocation/{requestId}/response HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n");
        var refused = await runtime.ReadResponseAsync().WithTimeout();

        Assert.Equal(413, refused.Status);
        Assert.Equal("""{"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"}""", refused.Text);
        Assert.True(await runtime.IsClosedByServerAsync());
        using var response = await invoke.WithTimeout();
        Assert.Equal("""{"errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_oversized_error_ends_the_invocation_too_and_is_not_delivered_again()
    {
        var (invoke, socket, _) = await StartInvocationAsync("{}");
        using var runtime = await RawHttp.ConnectUnixAsync(socket);
        var requestId = (await runtime.RequestAsync("GET", Next)).Headers["Lambda-Runtime-Aws-Request-Id"];

        await runtime.SendAsync($"POST /2018-06-01/runtime/invocation/{requestId}/error HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n");
        var refused = await runtime.ReadResponseAsync().WithTimeout();

        Assert.Equal(413, refused.Status);
        using var response = await invoke.WithTimeout();
        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        Assert.Equal("""{"errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"}""", await response.Content.ReadAsStringAsync());
        // The runtime's next /next waits for a new invocation: the refused one is over, not handed out again.
        using var again = await RawHttp.ConnectUnixAsync(socket);
        await again.SendAsync("GET " + Next + " HTTP/1.1\r\nHost: x\r\n\r\n");
        await Assert.ThrowsAnyAsync<TimeoutException>(() => again.ReadResponseAsync().WithTimeout(1_000));
    }

    [Fact]
    public async Task A_runtime_cannot_answer_for_another_environments_invocation()
    {
        var (invokeA, socketA, _) = await StartInvocationAsync("\"a\"");
        var (invokeB, socketB, _) = await StartInvocationAsync("\"b\"");
        using var runtimeA = await RawHttp.ConnectUnixAsync(socketA);
        using var runtimeB = await RawHttp.ConnectUnixAsync(socketB);
        var idA = (await runtimeA.RequestAsync("GET", Next)).Headers["Lambda-Runtime-Aws-Request-Id"];
        var idB = (await runtimeB.RequestAsync("GET", Next)).Headers["Lambda-Runtime-Aws-Request-Id"];

        var hijack = await runtimeA.RequestAsync("POST", $"/2018-06-01/runtime/invocation/{idB}/response", Encoding.UTF8.GetBytes("\"hijacked\""));
        Assert.Equal(400, hijack.Status);

        Assert.Equal(202, (await runtimeA.RequestAsync("POST", $"/2018-06-01/runtime/invocation/{idA}/response", Encoding.UTF8.GetBytes("\"A\""))).Status);
        Assert.Equal(202, (await runtimeB.RequestAsync("POST", $"/2018-06-01/runtime/invocation/{idB}/response", Encoding.UTF8.GetBytes("\"B\""))).Status);
        using var a = await invokeA.WithTimeout();
        using var b = await invokeB.WithTimeout();
        Assert.Equal("\"A\"", await a.Content.ReadAsStringAsync());
        Assert.Equal("\"B\"", await b.Content.ReadAsStringAsync());
    }

    /// <summary>The first /init/error is not anyone's answer: AWS retries the init once, in the invoke phase, with a new
    /// process in the same environment (same endpoint); the retry's error is the one the invocation gets.</summary>
    [Fact]
    public async Task Init_error_is_served_verbatim_to_the_waiting_invocation()
    {
        var (invoke, socket, _) = await StartInvocationAsync("{}");
        int first = Assert.Single(await _gateway.WorkerPidsAsync("manual"));
        using (var runtime = await RawHttp.ConnectUnixAsync(socket))
        {
            var accepted = await runtime.RequestAsync("POST", "/2018-06-01/runtime/init/error",
                Encoding.UTF8.GetBytes("""{"errorMessage":"first attempt","errorType":"Runtime.ConfigError"}"""), "Lambda-Runtime-Function-Error-Type: Runtime.ConfigError\r\n");
            Assert.Equal(202, accepted.Status);
        }
        await Poll.UntilAsync(async () => (await _gateway.WorkerPidsAsync("manual")) is [var pid] && pid != first, "the init retry's process");
        Assert.False(invoke.IsCompleted);
        using var retry = await RawHttp.ConnectUnixAsync(socket);

        var again = await retry.RequestAsync("POST", "/2018-06-01/runtime/init/error",
            Encoding.UTF8.GetBytes("""{"errorMessage":"cannot load config","errorType":"Runtime.ConfigError"}"""), "Lambda-Runtime-Function-Error-Type: Runtime.ConfigError\r\n");
        Assert.Equal(202, again.Status);

        using var response = await invoke.WithTimeout();
        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        Assert.Equal("""{"errorMessage":"cannot load config","errorType":"Runtime.ConfigError"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_post_that_asks_to_close_gets_its_202_before_the_close()
    {
        // Python's urllib sends Connection: close on every request; HTTP/1.0 clients close by default. AWS (Go's
        // net/http) writes the 202 and then closes; a close without it crashed such runtimes after every invocation.
        string[] posts =
        [
            "POST /2018-06-01/runtime/invocation/{0}/response HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\nr0",
            "POST /2018-06-01/runtime/invocation/{0}/response HTTP/1.0\r\nContent-Length: 2\r\n\r\nr1",
            "POST /2018-06-01/runtime/invocation/{0}/error HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\ne2",
            "POST /2018-06-01/runtime/invocation/{0}/error HTTP/1.0\r\nContent-Length: 2\r\n\r\ne3",
        ];
        var (invoke, socket, tcp) = await StartInvocationAsync("0");
        for (int i = 0; i < posts.Length; i++)
        {
            // After the first, the same environment, warm: its parked /next takes the next invocation.
            using var runtime = await RawHttp.ConnectUnixAsync(socket);
            await runtime.SendAsync($"GET {Next} HTTP/1.1\r\nHost: x\r\n\r\n");
            if (i > 0)
            {
                invoke = _gateway.InvokeAsync("manual", i.ToString());
            }
            var next = await runtime.ReadResponseAsync().WithTimeout();
            Assert.Equal(i.ToString(), next.Text);

            // Over TCP and over the Unix socket, in turn.
            using var post = i % 2 == 0 ? await RawHttp.ConnectTcpAsync(tcp) : await RawHttp.ConnectUnixAsync(socket);
            await post.SendAsync(string.Format(posts[i], next.Headers["Lambda-Runtime-Aws-Request-Id"]));
            var accepted = await post.ReadResponseAsync().WithTimeout();
            Assert.Equal(202, accepted.Status);
            Assert.Equal("""{"status":"OK"}""", accepted.Text);
            Assert.Equal("close", accepted.Headers["Connection"]);
            Assert.True(await post.IsClosedByServerAsync());

            using var response = await invoke.WithTimeout();
            Assert.Equal(posts[i][^2..], await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task An_oversized_response_sent_whole_is_read_before_the_413_and_the_connection_goes_on()
    {
        // Runtimes that write the whole body before reading the reply (Python's http.client, Java's
        // HttpURLConnection) must see the 413, not a closed socket: AWS reads the body before it judges its size.
        var (invoke, socket, _) = await StartInvocationAsync("{}");
        using var runtime = await RawHttp.ConnectUnixAsync(socket);
        var requestId = (await runtime.RequestAsync("GET", Next)).Headers["Lambda-Runtime-Aws-Request-Id"];

        var sending = runtime.SendAsync($"POST /2018-06-01/runtime/invocation/{requestId}/response HTTP/1.1\r\nHost: x\r\nContent-Length: 6291557\r\n\r\n", new byte[6291557]);
        var refused = await runtime.ReadResponseAsync().WithTimeout();
        await sending.WithTimeout(); // every byte was taken

        Assert.Equal(413, refused.Status);
        Assert.Equal("""{"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"}""", refused.Text);
        Assert.False(refused.Headers.ContainsKey("Connection"));
        using (var response = await invoke.WithTimeout())
        {
            Assert.Equal("""{"errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"}""", await response.Content.ReadAsStringAsync());
        }

        // The same connection carries the runtime's next /next, and its next answer.
        await runtime.SendAsync($"GET {Next} HTTP/1.1\r\nHost: x\r\n\r\n");
        var invokeNext = _gateway.InvokeAsync("manual", "\"next\"");
        var next = await runtime.ReadResponseAsync().WithTimeout();
        Assert.Equal("\"next\"", next.Text);
        var ok = await runtime.RequestAsync("POST", $"/2018-06-01/runtime/invocation/{next.Headers["Lambda-Runtime-Aws-Request-Id"]}/response", Encoding.UTF8.GetBytes("fine"));
        Assert.Equal(202, ok.Status);
        using var second = await invokeNext.WithTimeout();
        Assert.Equal("fine", await second.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_answer_for_the_previous_invocation_is_an_invalid_request_id_once_the_next_began_and_ping_is_pong()
    {
        // RIE checks the id against the current invocation before the state machine (middleware.AwsRequestIDValidator).
        var (invoke, socket, _) = await StartInvocationAsync("\"a\"");
        using var runtime = await RawHttp.ConnectUnixAsync(socket);

        var during = await runtime.RequestAsync("POST", $"/2018-06-01/runtime/invocation/{Guid.NewGuid()}/response", Encoding.UTF8.GetBytes("x"));
        Assert.Equal(400, during.Status); // before any /next: not the id of the invocation waiting for this environment
        Assert.Equal("""{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}""", during.Text);

        var idA = (await runtime.RequestAsync("GET", Next)).Headers["Lambda-Runtime-Aws-Request-Id"];
        Assert.Equal(202, (await runtime.RequestAsync("POST", $"/2018-06-01/runtime/invocation/{idA}/response", Encoding.UTF8.GetBytes("\"A\""))).Status);
        using (var a = await invoke.WithTimeout())
        {
            Assert.Equal("\"A\"", await a.Content.ReadAsStringAsync());
        }
        await runtime.SendAsync($"GET {Next} HTTP/1.1\r\nHost: x\r\n\r\n");
        var invokeB = _gateway.InvokeAsync("manual", "\"b\"");
        var idB = (await runtime.ReadResponseAsync().WithTimeout()).Headers["Lambda-Runtime-Aws-Request-Id"];

        var stale = await runtime.RequestAsync("POST", $"/2018-06-01/runtime/invocation/{idA}/response", Encoding.UTF8.GetBytes("x"));
        Assert.Equal(400, stale.Status);
        Assert.Equal("""{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}""", stale.Text);

        var ping = await runtime.RequestAsync("GET", "/2018-06-01/ping");
        Assert.Equal(200, ping.Status);
        Assert.Equal("pong", ping.Text);
        Assert.StartsWith("text/plain", ping.Headers["Content-Type"]);

        Assert.Equal(202, (await runtime.RequestAsync("POST", $"/2018-06-01/runtime/invocation/{idB}/response", Encoding.UTF8.GetBytes("\"B\""))).Status);
        using var b = await invokeB.WithTimeout();
        Assert.Equal("\"B\"", await b.Content.ReadAsStringAsync());
    }
}
