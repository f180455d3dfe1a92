using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using Gateway.FunctionUrls;
using Gateway.FunctionUrls.Http;
using Gateway.Invocations;
using Microsoft.AspNetCore.Http;

namespace Gateway.Benchmarks;

/// <summary>
/// What a function URL adds to an invocation on the gateway's side (issue 12: ≤ 10 µs and ≤ 2 KB per request):
/// the payload-2.0 event for a 64 B JSON POST as curl sends it, and the mapping of a typical response object.
/// The dispatch itself is the Invoke API's and is measured by <see cref="DispatchPathBenchmarks"/>.
/// </summary>
[MemoryDiagnoser]
[GcServer(false)]
[GcConcurrent(false)]
public class FunctionUrlBenchmarks
{
    private const string UrlId = "abcdefghijklmnopqrstuvwxyz012345";
    private static readonly FunctionUrlRoute Route = new(UrlId, "echo", null, FunctionUrlAuthType.None, null, FunctionUrlInvokeMode.Buffered,
        $"{UrlId}.lambda-url.us-east-1.localhost");

    private DefaultHttpContext _context = null!;
    private readonly PooledPayload _body = new();
    private readonly PooledPayload _event = new();
    private readonly PooledPayload _mappedBody = new();
    private readonly UrlResponseHead _head = new();
    private byte[] _requestBody = null!;
    private byte[] _output = null!;
    private DateTimeOffset _now;

    [GlobalSetup]
    public void Setup()
    {
        _context = new DefaultHttpContext();
        var request = _context.Request;
        request.Method = "POST";
        request.Protocol = "HTTP/1.1";
        request.Scheme = "http";
        request.Headers.Host = $"{UrlId}.lambda-url.us-east-1.localhost:9000";
        request.Headers.UserAgent = "curl/7.88.1";
        request.Headers.Accept = "*/*";
        request.ContentType = "application/json";
        request.ContentLength = 64;
        _context.Connection.RemoteIpAddress = IPAddress.Loopback;
        _context.Connection.LocalPort = 9000;
        _requestBody = Encoding.UTF8.GetBytes("{\"message\":\"hello from the benchmark\",\"n\":12345,\"ok\":true,\"z\":0}");
        if (_requestBody.Length != 64)
        {
            throw new InvalidOperationException($"body is {_requestBody.Length} B, not 64");
        }
        _output = Encoding.UTF8.GetBytes("{\"statusCode\":200,\"headers\":{\"content-type\":\"application/json\"},\"body\":\"{\\\"ok\\\":true}\"}");
        _now = DateTimeOffset.UtcNow;
        if (BuildAndMap() <= 0)
        {
            throw new InvalidOperationException("no event");
        }
    }

    /// <summary>Event build + response mapping for one request, as FunctionUrlInvoker does them.</summary>
    [Benchmark]
    public long BuildAndMap()
    {
        _body.Write(_requestBody);
        UrlEventWriter.Write(_event, _context.Request, _context.Connection,
            new UrlEventContext(Route, "/my/path", "8d1f5c43-3e0e-4c5b-9d0c-2f8f0b1e7a11", "Root=1-5e6a8b2e-0123456789abcdef01234567", _now), _body);
        long length = _event.Length;
        var kind = UrlResponseMapper.Map(_output, _head, _mappedBody);
        length += _mappedBody.Length + (int)kind;
        _body.Reset();
        _event.Reset();
        _mappedBody.Reset();
        return length;
    }
}
