using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Gateway.Functions;
using Gateway.Invocations;
using Gateway.RuntimeApi;
using Gateway.Tracing;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Gateway.Benchmarks;

/// <summary>
/// What tracing adds to one invocation, on the product's own calls in the order the invoke path makes them:
/// the endpoint's <see cref="InvocationTracing.IsEnabled"/> check and <see cref="InvocationTracing.TryStart"/>, the
/// pool's <see cref="InvocationTracing.Dispatched"/>, the /next head (<see cref="RuntimeApiConnection.FormatNextHead"/>,
/// which stamps the delivery), <see cref="InvocationTracing.RunEnded"/> and <see cref="InvocationTracing.End"/>.
/// </summary>
/// <remarks>
/// Off: no listener, as when no OTLP endpoint is configured. On: the OpenTelemetry SDK's tracer provider with the
/// gateway's source, the default sampler (parent-based, always on) and an exporter that drops the batch: the spans'
/// own cost on the invoke path. The OTLP serialization and the HTTP POST happen on the batch processor's thread; the
/// wrk run in docs/performance.md ("Traces") measures the whole gateway with them.
/// </remarks>
[MemoryDiagnoser]
[GcServer(false)]
[GcConcurrent(false)]
public class TracingBenchmarks
{
    private const string Traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private readonly byte[] _head = new byte[8192];
    private Invocation _invocation = null!;
    private FunctionDefinition _function = null!;
    private TracerProvider? _provider;

    /// <summary>No listener: no OTLP endpoint configured (the default).</summary>
    [GlobalSetup(Target = nameof(TracingOff_Invocation))]
    public void SetupOff() => Setup(tracing: false);

    /// <summary>The SDK listening, as with an OTLP endpoint. Each benchmark runs in its own process, so this stays out of the other.</summary>
    [GlobalSetup(Target = nameof(TracingOn_Invocation))]
    public void SetupOn() => Setup(tracing: true);

    private void Setup(bool tracing)
    {
        _function = new FunctionDefinition
        {
            Name = "echo",
            Arn = "arn:aws:lambda:us-east-1:000000000000:function:echo",
            CodeDirectory = "/nonexistent",
            Bootstrap = "bootstrap",
            Handler = "echo",
        };
        _invocation = new Invocation
        {
            RequestId = Guid.NewGuid().ToString(),
            InvokedFunctionArn = _function.Arn,
        };
        _invocation.Request.Write("{}"u8);
        if (tracing)
        {
            Activity.TraceIdGenerator = InvocationTracing.NewTraceId;
            _provider = Sdk.CreateTracerProviderBuilder()
                .AddSource(InvocationTracing.SourceName)
                .AddProcessor(new BatchActivityExportProcessor(new DroppingExporter()))
                .Build();
        }
        if (InvocationTracing.IsEnabled != tracing)
        {
            throw new InvalidOperationException($"tracing should be {(tracing ? "on" : "off")}");
        }
        Invocation_TracingCalls();
        if (tracing != _invocation.TraceId.StartsWith("Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("the runtime's trace header does not follow the tracing mode");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _provider?.Dispose();

    /// <summary>One invocation's tracing calls with tracing off: a field read per call, nothing allocated. The
    /// generated trace header and the /next head are there in both rows (the invocation itself is not run).</summary>
    [Benchmark(Baseline = true)]
    public int TracingOff_Invocation() => Invocation_TracingCalls();

    /// <summary>The same with tracing on: the span, its attributes, the X-Ray header string, three child spans.</summary>
    [Benchmark]
    public int TracingOn_Invocation() => Invocation_TracingCalls();

    private int Invocation_TracingCalls()
    {
        var invocation = _invocation;
        long received = InvocationTracing.IsEnabled ? Stopwatch.GetTimestamp() : 0;
        if (received == 0 || !InvocationTracing.TryStart(invocation, _function, _function.Arn, null, Traceparent, received, isEvent: false))
        {
            invocation.NewTraceId(1_700_000_000, sampled: false);
        }
        InvocationTracing.Dispatched(invocation);
        int n = RuntimeApiConnection.FormatNextHead(_head, invocation);
        InvocationTracing.RunEnded(invocation);
        InvocationTracing.End(invocation);
        invocation.Trace = default;
        return n;
    }

    private sealed class DroppingExporter : BaseExporter<Activity>
    {
        public override ExportResult Export(in Batch<Activity> batch) => ExportResult.Success;
    }
}
