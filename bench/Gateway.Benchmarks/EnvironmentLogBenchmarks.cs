using BenchmarkDotNet.Attributes;
using Gateway.Functions;
using Gateway.Logs;
using Gateway.Native;

namespace Gateway.Benchmarks;

/// <summary>
/// The platform lines of one invocation through a real <see cref="EnvironmentLog"/> (a file and its timestamp index in a
/// temporary folder): START, END and REPORT in Text format, platform.start and platform.report in JSON format. Each
/// line's timestamp record (<see cref="StreamIndex"/>) is part of the cost; none of it may allocate.
/// </summary>
[MemoryDiagnoser]
[GcServer(false)]
[GcConcurrent(false)]
public class EnvironmentLogBenchmarks
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gateway-bench-log-" + Guid.NewGuid().ToString("N"));
    private OutputChannel _textOutput = null!;
    private OutputChannel _jsonOutput = null!;
    private EnvironmentLog _text = null!;
    private EnvironmentLog _json = null!;
    private ReportLine _report;
    private static readonly RuntimeDoneRecord Success = new("success", null, null, 64);
    private string _requestId = "";

    [GlobalSetup]
    public void Setup()
    {
        _textOutput = OutputChannel.Create();
        _jsonOutput = OutputChannel.Create();
        _text = new EnvironmentLog(_textOutput.Reader, Path.Combine(_directory, "text.log"), "fn", null, "/aws/lambda/fn", "2026/01/01/[$LATEST]text", FunctionLogging.Default, TimeProvider.System);
        _json = new EnvironmentLog(_jsonOutput.Reader, Path.Combine(_directory, "json.log"), "fn", null, "/aws/lambda/fn", "2026/01/01/[$LATEST]json",
            new FunctionLogging { LogFormat = FunctionLogging.Json }, TimeProvider.System);
        _requestId = Guid.NewGuid().ToString("D");
        _report = new ReportLine(_requestId, 26.734, null, 128, 75, null);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _textOutput.CloseWriter();
        _jsonOutput.CloseWriter();
        _text.Dispose();
        _json.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>START, END, REPORT (Text format, the default): what every invocation writes.</summary>
    [Benchmark(Baseline = true)]
    public int Invocation_Text()
    {
        _text.Begin(_requestId, "$LATEST");
        return _text.End(_report, Success, wantTail: false)?.Length ?? 0;
    }

    /// <summary>platform.start and platform.report (LoggingConfig JSON, SystemLogLevel INFO).</summary>
    [Benchmark]
    public int Invocation_Json()
    {
        _json.Begin(_requestId, "$LATEST");
        return _json.End(_report, Success, wantTail: false)?.Length ?? 0;
    }
}
