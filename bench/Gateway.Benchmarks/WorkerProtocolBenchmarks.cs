using System.Buffers;
using BenchmarkDotNet.Attributes;
using Gateway.Invocations;
using Gateway.Runtime;
using Gateway.Runtime.Http;
using Gateway.Runtime.Transport;
using Gateway.RuntimeApi;

namespace Gateway.Benchmarks;

/// <summary>
/// The worker protocol codec, both directions, for one invocation's four messages:
/// runtime GET /next, gateway's /next response head, runtime POST /invocation/{id}/response, gateway's 202.
/// HTTP/1.1 (the Runtime API as implemented today) against a hypothetical 16-byte binary frame header carrying
/// the same information (<see cref="FrameCodec"/>). The baseline is the framed protocol's whole invocation;
/// <see cref="Http_PerInvocation"/> is the HTTP equivalent, and the other rows are its parts.
/// Bodies are not included: both protocols copy them the same way (a gather write of the pooled payload).
/// The HTTP rows call the product's own code: <see cref="RuntimeApiConnection.FormatNextHead"/> and
/// <see cref="RuntimeApiClient.Frame"/> are internal so that these rows measure them, not copies of them.
/// </summary>
[MemoryDiagnoser]
[GcServer(false)]
[GcConcurrent(false)]
public class WorkerProtocolBenchmarks
{
    private const int BodyLength = 64;

    private static ReadOnlySpan<byte> UserAgentLine => "User-Agent: gateway-runtime/1.0\r\n"u8;

    private static ReadOnlySpan<byte> HostLine => "Host: localhost\r\n"u8;

    private readonly byte[] _id = new byte[64];
    private readonly byte[] _gatewayHead = new byte[8 * 1024];
    private readonly byte[] _frame = new byte[8 * 1024];

    private string _requestId = null!;
    private string _arn = null!;
    private string _traceId = null!;
    private long _deadline;
    private Invocation _invocation = null!;         // what the gateway formats the /next head from
    private RuntimeApiClient _client = null!;       // never connects: only its Frame is called
    private ResponseBuffer _responseBody = null!;   // the handler's 64-byte response, head room in front

    private ReadOnlySequence<byte> _nextRequest;     // what the runtime sends (built once by the client)
    private ReadOnlySequence<byte> _responseRequest; // the runtime's POST /response head
    private byte[] _nextResponseHead = null!;        // the gateway's /next response head
    private byte[] _accepted = null!;                // the gateway's 202 reply
    private byte[] _nextFrame = null!;
    private byte[] _invokeFrame = null!;
    private byte[] _responseFrame = null!;
    private byte[] _ackFrame = null!;

    [GlobalSetup]
    public void Setup()
    {
        _requestId = Guid.NewGuid().ToString("D");
        _arn = "arn:aws:lambda:us-east-1:123456789012:function:my-function";
        _traceId = "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1";
        _deadline = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 3000;
        _invocation = new Invocation { RequestId = _requestId, InvokedFunctionArn = _arn, TraceId = _traceId, DeadlineUnixMs = _deadline };
        _invocation.Request.Write(new byte[BodyLength]);
        _client = new RuntimeApiClient(RuntimeApiEndpoint.UnixSocket("/nonexistent/gateway-bench.sock"), pipelined: false);
        _responseBody = new ResponseBuffer();
        _responseBody.GetSpan(BodyLength)[..BodyLength].Fill((byte)'x');
        _responseBody.Advance(BodyLength);

        _nextRequest = new ReadOnlySequence<byte>([.. "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n"u8, .. HostLine, .. UserAgentLine, .. "\r\n"u8]);
        _responseRequest = new ReadOnlySequence<byte>(FrameResponse()[..^BodyLength].ToArray());
        _nextResponseHead = _gatewayHead.AsSpan(0, FormatNextHead()).ToArray();
        _accepted = RuntimeReplies.Accepted;

        _nextFrame = new byte[FrameCodec.HeaderSize];
        FrameCodec.WriteHeader(_nextFrame, FrameType.Next, 0, 0, 0, 0);
        _invokeFrame = _frame.AsSpan(0, FrameCodec.WriteInvoke(_frame, _requestId, _deadline, _arn, _traceId, null, BodyLength)).ToArray();
        _responseFrame = _frame.AsSpan(0, FrameCodec.WriteResponse(_frame, _requestId, BodyLength)).ToArray();
        _ackFrame = new byte[FrameCodec.HeaderSize];
        FrameCodec.WriteHeader(_ackFrame, FrameType.Ack, 0, 0, 0, 0);

        // The inputs must parse as the real peers would see them.
        if (ParseNextRequest() != (int)RuntimeRoute.Next || ParseResponseRequest() != 36 + (int)RuntimeRoute.Response
            || ParseNextHead() != _nextResponseHead.Length || ParseAcceptedHead() != 202)
        {
            throw new InvalidOperationException("HTTP inputs did not parse as expected");
        }
        if (Framed_PerInvocation() != _requestId.Length + BodyLength + _arn.Length + _traceId.Length)
        {
            throw new InvalidOperationException("frames did not parse as expected");
        }
        Console.WriteLine($"// bytes per invocation, HTTP (heads and the 202 body): {_nextRequest.Length + _nextResponseHead.Length + _responseRequest.Length + _accepted.Length}; framed: {_nextFrame.Length + _invokeFrame.Length + _responseFrame.Length + _ackFrame.Length}");
    }

    // ---------------------------------------------------------------- framed (baseline)

    /// <summary>All four frames of one invocation, each written by its sender and read by its receiver.</summary>
    [Benchmark(Baseline = true)]
    public int Framed_PerInvocation()
    {
        var frame = _frame.AsSpan();

        // runtime: Next; gateway reads it
        FrameCodec.WriteHeader(frame, FrameType.Next, 0, 0, 0, 0);
        FrameCodec.TryReadHeader(frame, out var next);

        // gateway: Invoke; runtime reads it
        int n = FrameCodec.WriteInvoke(frame, _requestId, _deadline, _arn, _traceId, null, BodyLength);
        FrameCodec.TryReadHeader(frame[..n], out var invoke);
        var metadata = FrameCodec.ReadInvoke(frame[..n], invoke);

        // runtime: Response; gateway reads it and copies the id out, as the HTTP parser does
        n = FrameCodec.WriteResponse(frame, _requestId, BodyLength);
        FrameCodec.TryReadHeader(frame[..n], out var response);
        frame.Slice(response.RequestIdOffset, response.RequestIdLength).CopyTo(_id);

        // gateway: Ack; runtime reads it
        FrameCodec.WriteHeader(frame, FrameType.Ack, 0, 0, 0, 0);
        FrameCodec.TryReadHeader(frame, out var ack);

        return (int)next.Type - 1 + invoke.RequestIdLength + response.BodyLength + metadata.InvokedFunctionArn.Length + metadata.TraceId.Length + (int)ack.Type - 6;
    }

    /// <summary>One 16-byte header written and read: the per-message floor of the framed protocol.</summary>
    [Benchmark]
    public int Framed_HeaderWriteRead()
    {
        FrameCodec.WriteHeader(_frame, FrameType.Response, 0, 36, 0, BodyLength);
        FrameCodec.TryReadHeader(_frame, out var header);
        return header.BodyLength;
    }

    // ---------------------------------------------------------------- HTTP/1.1 (today)

    /// <summary>All four HTTP messages of one invocation: the gateway's two parses and one format, the runtime's
    /// two parses and one format (GET /next is a constant the client builds once).</summary>
    [Benchmark]
    public int Http_PerInvocation()
        => ParseNextRequest() + FormatNextHead() + ParseNextHead() + FormatResponseHead() + ParseResponseRequest() + ParseAcceptedHead();

    /// <summary>Gateway: <see cref="RuntimeRequestParser.TryParse"/> of GET /next.</summary>
    [Benchmark]
    public int Gateway_ParseNextRequest()
    {
        RuntimeRequestParser.TryParse(_nextRequest, _id, out var head, out _);
        return (int)head.Route;
    }

    /// <summary>Gateway: <see cref="RuntimeApiConnection.FormatNextHead"/>, the /next response head.</summary>
    [Benchmark]
    public int Gateway_FormatNextHead() => FormatNextHead();

    /// <summary>Runtime: <see cref="ResponseHeadParser.TryParse"/> of the /next response head.</summary>
    [Benchmark]
    public int Runtime_ParseNextHead() => ParseNextHead();

    /// <summary>Runtime: <see cref="RuntimeApiClient.Frame"/> of POST /invocation/{id}/response, the head written into the
    /// response buffer's head room (not pipelined: the pipelined form also copies the constant GET /next after the body).</summary>
    [Benchmark]
    public int Runtime_FormatResponseHead() => FormatResponseHead();

    /// <summary>Gateway: <see cref="RuntimeRequestParser.TryParse"/> of POST /invocation/{id}/response.</summary>
    [Benchmark]
    public int Gateway_ParseResponseRequest() => ParseResponseRequest();

    /// <summary>Runtime: <see cref="ResponseHeadParser.TryParse"/> of the gateway's 202.</summary>
    [Benchmark]
    public int Runtime_ParseAcceptedHead() => ParseAcceptedHead();

    private int ParseNextRequest()
    {
        RuntimeRequestParser.TryParse(_nextRequest, _id, out var head, out _);
        return (int)head.Route;
    }

    private int ParseResponseRequest()
    {
        RuntimeRequestParser.TryParse(_responseRequest, _id, out var head, out _);
        return head.RequestIdLength + (int)head.Route;
    }

    private int ParseNextHead()
    {
        return ResponseHeadParser.TryParse(_nextResponseHead, out var head) ? head.HeadLength : -1;
    }

    private int ParseAcceptedHead()
    {
        return ResponseHeadParser.TryParse(_accepted, out var head) ? head.StatusCode : -1;
    }

    private int FormatNextHead() => RuntimeApiConnection.FormatNextHead(_gatewayHead, _invocation);

    private int FormatResponseHead() => FrameResponse().Length - BodyLength;

    private ReadOnlySpan<byte> FrameResponse() => _client.Frame(_responseBody, _requestId, "/response"u8, errorType: null);

    [GlobalCleanup]
    public void Cleanup() => _client.Dispose();
}
