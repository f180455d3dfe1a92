using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.RuntimeApiServers;

/// <summary>One invocation handed to a Kestrel-served runtime: its event, and the runtime's answer when it comes.</summary>
internal sealed class KestrelWork(string requestId, string arn, byte[] payload)
{
    public string RequestId { get; } = requestId;
    public string Arn { get; } = arn;
    public byte[] Payload { get; } = payload;
    public TaskCompletionSource<int> Answered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// The Runtime API's two hot routes served by Kestrel itself on a Unix socket (<c>ListenUnixSocket</c>) and, for a
/// stock curl runtime, on a loopback TCP port: GET /next is held until an invocation is queued, then answered with the
/// event and Lambda's headers; POST /invocation/{id}/response is read whole and answered 202 with Lambda's body. One
/// terminal middleware, no routing or model binding: the cheapest shape of a Kestrel Runtime API, so the comparison
/// with the hand-written server flatters Kestrel if anything.
/// </summary>
internal sealed class KestrelRuntimeApi : IAsyncDisposable
{
    private static readonly byte[] AcceptedBody = """{"status":"OK"}"""u8.ToArray();

    private readonly WebApplication _app;
    private readonly Channel<KestrelWork> _queue = Channel.CreateUnbounded<KestrelWork>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = true });
    private KestrelWork? _current;

    private KestrelRuntimeApi(string socketPath, int tcpPort)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ListenUnixSocket(socketPath);
            k.ListenLocalhost(tcpPort);
            k.AddServerHeader = false;
        });
        _app = builder.Build();
        _app.Run(HandleAsync);
    }

    public static async Task<KestrelRuntimeApi> StartAsync(string socketPath, int tcpPort)
    {
        File.Delete(socketPath);
        var server = new KestrelRuntimeApi(socketPath, tcpPort);
        await server._app.StartAsync().ConfigureAwait(false);
        return server;
    }

    /// <summary>Queues an invocation for the runtime's (held) /next; completes with the response's length.</summary>
    public Task<int> InvokeAsync(KestrelWork work)
    {
        _queue.Writer.TryWrite(work);
        return work.Answered.Task;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        string path = request.Path.Value ?? "";
        if (HttpMethods.IsGet(request.Method) && path == "/2018-06-01/runtime/invocation/next")
        {
            var work = await _queue.Reader.ReadAsync(context.RequestAborted).ConfigureAwait(false);
            _current = work;
            var response = context.Response;
            response.ContentType = "application/json";
            var headers = response.Headers;
            headers["Lambda-Runtime-Aws-Request-Id"] = work.RequestId;
            headers["Lambda-Runtime-Deadline-Ms"] = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 3000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            headers["Lambda-Runtime-Invoked-Function-Arn"] = work.Arn;
            headers["Lambda-Runtime-Trace-Id"] = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0";
            response.ContentLength = work.Payload.Length;
            await response.BodyWriter.WriteAsync(work.Payload).ConfigureAwait(false);
            return;
        }
        if (HttpMethods.IsPost(request.Method) && path.StartsWith("/2018-06-01/runtime/invocation/", StringComparison.Ordinal)
            && path.EndsWith("/response", StringComparison.Ordinal))
        {
            int length = await ReadWholeAsync(request.BodyReader).ConfigureAwait(false);
            var work = _current;
            _current = null;
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = AcceptedBody.Length;
            work?.Answered.TrySetResult(length);
            await context.Response.BodyWriter.WriteAsync(AcceptedBody).ConfigureAwait(false);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status404NotFound;
    }

    /// <summary>The whole body, as the gateway must hold a response before answering its caller (counted, not kept: the
    /// hand-written server's copy into a pooled payload is one memcpy of 64 bytes).</summary>
    private static async Task<int> ReadWholeAsync(PipeReader reader)
    {
        long length = 0;
        while (true)
        {
            var read = await reader.ReadAsync().ConfigureAwait(false);
            length = read.Buffer.Length;
            if (read.IsCompleted)
            {
                reader.AdvanceTo(read.Buffer.End);
                return (int)length;
            }
            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
