using BenchmarkDotNet.Attributes;
using Gateway.Functions.Registry;
using Gateway.FunctionUrls;
using Microsoft.AspNetCore.Http;

namespace Gateway.Benchmarks;

/// <summary>
/// What the function-URL front door costs a request that is not for a URL (issue 12: routing must cost nothing on
/// the Invoke path): the router's Host length check and path prefix check before it hands the request on.
/// </summary>
[MemoryDiagnoser]
[GcServer(false)]
[GcConcurrent(false)]
public class FunctionUrlRouterBenchmarks
{
    private static readonly RequestDelegate Next = static _ => Task.CompletedTask;

    private FunctionUrlRouter _router = null!;
    private DefaultHttpContext _invoke = null!;
    private DefaultHttpContext _namedHost = null!;

    [GlobalSetup]
    public void Setup()
    {
        var urls = new FunctionUrlRegistry(new FunctionRegistry(RegistrySnapshot.Empty, null), null);
        // The invoker is never reached: these requests are not for a URL.
        _router = new FunctionUrlRouter(urls, new FunctionUrlDomain("us-east-1", "localhost"), new UnsignedFunctionUrlAuthorizer(), null!);
        _invoke = Request("127.0.0.1:9000");
        _namedHost = Request("gateway.internal.example.com:9000"); // long enough to reach the suffix comparison
    }

    private static DefaultHttpContext Request(string host)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Headers.Host = host;
        context.Request.Path = "/2015-03-31/functions/echo/invocations";
        return context;
    }

    [Benchmark(Baseline = true)]
    public Task InvokeRequest_PassesThrough() => _router.RouteAsync(_invoke, Next);

    [Benchmark]
    public Task LongHost_PassesThrough() => _router.RouteAsync(_namedHost, Next);
}
