using System.Text;
using System.Text.Json;
using Gateway.Runtime.Tests.Support;

namespace Gateway.Runtime.Tests;

/// <summary>
/// The runtime loop against a scripted Runtime API on a real Unix socket: what it sends for each step of the
/// protocol, and what it hands the handler. The loop does blocking socket I/O, so it runs on its own thread; every
/// wait has a timeout, and cancelling the loop closes its socket.
/// </summary>
public class RuntimeLoopTests
{
    private const string NextLine = "GET /2018-06-01/runtime/invocation/next HTTP/1.1";
    private const string RequestId = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task One_invocation_round_trip(bool pipelined)
    {
        using var api = new TinyRuntimeApi();
        InvocationContext? seen = null;
        string? payload = null;
        string? traceVariable = null;
        var run = Run(api, pipelined, () => (context, response) =>
        {
            seen = context;
            payload = Encoding.UTF8.GetString(context.Payload.Span);
            traceVariable = Environment.GetEnvironmentVariable("_X_AMZN_TRACE_ID");
            var bytes = Encoding.UTF8.GetBytes("{\"echo\":" + payload + "}");
            bytes.CopyTo(response.GetSpan(bytes.Length));
            response.Advance(bytes.Length);
            return default;
        });
        using var connection = await api.AcceptAsync();

        var next = await connection.ReadRequestAsync();
        Assert.Equal(NextLine, next.RequestLine);
        Assert.Equal("localhost", next.Headers["Host"]);
        await connection.SendAsync(TinyRuntimeApi.Event(RequestId, """{"n":1}""", traceId: "Root=1-abc;Sampled=0", clientContext: """{"client":{}}"""));

        var post = await connection.ReadRequestAsync();
        Assert.Equal($"POST /2018-06-01/runtime/invocation/{RequestId}/response HTTP/1.1", post.RequestLine);
        Assert.Equal("""{"echo":{"n":1}}""", post.BodyText);
        Assert.Equal(post.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), post.Headers["Content-Length"]);
        if (pipelined)
        {
            // The next /next went out in the same write, before the runtime saw its 202.
            var pipelinedNext = await connection.ReadRequestAsync();
            Assert.Equal(NextLine, pipelinedNext.RequestLine);
            await connection.SendAsync(TinyRuntimeApi.Accepted + TinyRuntimeApi.ContainerError);
        }
        else
        {
            Assert.Equal(0, connection.Buffered);
            await connection.SendAsync(TinyRuntimeApi.Accepted);
            Assert.Equal(NextLine, (await connection.ReadRequestAsync()).RequestLine);
            await connection.SendAsync(TinyRuntimeApi.ContainerError);
        }

        // A 500 to /next means "exit promptly".
        Assert.Equal(RuntimeExitCodes.RuntimeApiFailure, await run.WaitAsync(TinyRuntimeApi.Timeout));
        Assert.Equal("""{"n":1}""", payload);
        Assert.Equal(RequestId, seen!.RequestId);
        Assert.Equal(1767225603000, seen.DeadlineMs);
        Assert.Equal("arn:aws:lambda:us-east-1:123456789012:function:fn", seen.InvokedFunctionArn);
        Assert.Equal("Root=1-abc;Sampled=0", seen.TraceId);
        Assert.Equal("""{"client":{}}""", seen.ClientContext);
        Assert.Null(seen.CognitoIdentity);
        Assert.Equal("Root=1-abc;Sampled=0", traceVariable);
    }

    [Fact]
    public async Task A_handler_that_throws_posts_an_error_document_and_goes_on()
    {
        using var api = new TinyRuntimeApi();
        int calls = 0;
        var run = Run(api, pipelined: true, () => (context, response) =>
        {
            calls++;
            response.GetSpan(4)[..4].Fill((byte)'x'); // written before the throw: not part of the error
            response.Advance(4);
            throw new InvalidOperationException("the handler failed");
        });
        using var connection = await api.AcceptAsync();
        await connection.ReadRequestAsync();
        await connection.SendAsync(TinyRuntimeApi.Event(RequestId, "{}"));

        var post = await connection.ReadRequestAsync();
        Assert.Equal(NextLine, (await connection.ReadRequestAsync()).RequestLine);
        // The loop carries on after a function error: it wants the next event. Give it a second one, then stop it.
        await connection.SendAsync(TinyRuntimeApi.Accepted + TinyRuntimeApi.Event("22222222-2222-2222-2222-222222222222", "{}"));
        var second = await connection.ReadRequestAsync();
        await connection.ReadRequestAsync();
        await connection.SendAsync(TinyRuntimeApi.Accepted + TinyRuntimeApi.ContainerError);

        Assert.Equal(RuntimeExitCodes.RuntimeApiFailure, await run.WaitAsync(TinyRuntimeApi.Timeout));
        Assert.Equal(2, calls);
        Assert.Equal($"POST /2018-06-01/runtime/invocation/{RequestId}/error HTTP/1.1", post.RequestLine);
        Assert.Equal("application/vnd.aws.lambda.error+json", post.Headers["Content-Type"]);
        Assert.Equal("InvalidOperationException", post.Headers["Lambda-Runtime-Function-Error-Type"]);
        using var document = JsonDocument.Parse(post.Body);
        Assert.Equal("the handler failed", document.RootElement.GetProperty("errorMessage").GetString());
        Assert.Equal("InvalidOperationException", document.RootElement.GetProperty("errorType").GetString());
        Assert.Equal("POST /2018-06-01/runtime/invocation/22222222-2222-2222-2222-222222222222/error HTTP/1.1", second.RequestLine);
    }

    [Fact]
    public async Task A_handler_that_cannot_be_created_posts_an_init_error_and_exits()
    {
        using var api = new TinyRuntimeApi();
        var run = Run(api, pipelined: true, () => throw new LambdaException("Runtime.HandlerNotFound", "no such handler"));
        using var connection = await api.AcceptAsync();

        var post = await connection.ReadRequestAsync();
        await connection.SendAsync(TinyRuntimeApi.Accepted);

        Assert.Equal(RuntimeExitCodes.InitError, await run.WaitAsync(TinyRuntimeApi.Timeout));
        Assert.Equal("POST /2018-06-01/runtime/init/error HTTP/1.1", post.RequestLine);
        Assert.Equal("Runtime.HandlerNotFound", post.Headers["Lambda-Runtime-Function-Error-Type"]);
        using var document = JsonDocument.Parse(post.Body);
        Assert.Equal("no such handler", document.RootElement.GetProperty("errorMessage").GetString());
        Assert.Equal("Runtime.HandlerNotFound", document.RootElement.GetProperty("errorType").GetString());
    }

    [Fact]
    public async Task A_Runtime_API_that_is_not_there_ends_the_loop()
    {
        string path;
        using (var api = new TinyRuntimeApi())
        {
            path = api.SocketPath;
        }

        using var loop = new RuntimeLoop(new RuntimeApiClient(Transport.RuntimeApiEndpoint.UnixSocket(path)));
        var exitCode = await Task.Run(() => loop.RunAsync(() => (_, _) => default, CancellationToken.None)).WaitAsync(TinyRuntimeApi.Timeout);

        Assert.Equal(RuntimeExitCodes.RuntimeApiFailure, exitCode);
    }

    [Fact]
    public async Task Bytes_that_break_the_protocol_end_the_loop()
    {
        using var api = new TinyRuntimeApi();
        var run = Run(api, pipelined: true, () => (_, _) => default);
        using var connection = await api.AcceptAsync();
        await connection.ReadRequestAsync();

        await connection.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\n");

        Assert.Equal(RuntimeExitCodes.RuntimeApiFailure, await run.WaitAsync(TinyRuntimeApi.Timeout));
    }

    /// <summary>Starts the loop on its own thread; cancelled (which closes its socket) if the test runs out of time.</summary>
    private static Task<int> Run(TinyRuntimeApi api, bool pipelined, Func<LambdaHandler> createHandler)
    {
        return Task.Run(async () =>
        {
            using var timeout = new CancellationTokenSource(TinyRuntimeApi.Timeout);
            using var loop = new RuntimeLoop(new RuntimeApiClient(api.Endpoint, pipelined));
            return await loop.RunAsync(createHandler, timeout.Token);
        });
    }
}
