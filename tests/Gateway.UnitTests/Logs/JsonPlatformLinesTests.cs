using System.Text;
using System.Text.Json.Nodes;
using Gateway.Functions;
using Gateway.Logs;
using Gateway.Native;
using Gateway.UnitTests.Admission;

namespace Gateway.UnitTests.Logs;

/// <summary>LoggingConfig's JSON format through a real <see cref="EnvironmentLog"/>: AWS's platform objects, SystemLogLevel
/// and ApplicationLogLevel filtering.</summary>
public sealed class JsonPlatformLinesTests : IDisposable
{
    private readonly ManualTimeProvider _clock = new();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gateway-jsonlog-" + Guid.NewGuid().ToString("N"));
    private readonly List<(OutputChannel, EnvironmentLog)> _logs = [];

    public void Dispose()
    {
        foreach (var (output, log) in _logs)
        {
            output.CloseWriter();
            log.Dispose();
        }
        Directory.Delete(_directory, recursive: true);
    }

    private (EnvironmentLog Log, Func<string[]> Lines) Open(FunctionLogging logging)
    {
        var output = OutputChannel.Create();
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".log");
        var log = new EnvironmentLog(output.Reader, path, "fn", null, "/aws/lambda/fn", "s", logging, _clock);
        _logs.Add((output, log));
        return (log, () =>
        {
            log.Flush();
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        });
    }

    private const string Id = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";

    private static readonly RuntimeDoneRecord Success = new("success", null, 1, 16);
    private const string Arn = "arn:aws:lambda:us-east-1::runtime:7b620fc2e66107a1046b140b9d320295811af3ad5d4c6a011fad1fa65127e9e6";

    [Fact]
    public void Text_format_starts_an_environment_with_AWSs_INIT_START_line()
    {
        var (log, lines) = Open(FunctionLogging.Default);
        log.WriteInitStart(provisioned: false, "fn", "$LATEST", "python:3.12.v1", Arn);
        log.Begin(Id, "$LATEST");
        Assert.Equal([$"INIT_START Runtime Version: python:3.12.v1\tRuntime Version ARN: {Arn}", $"START RequestId: {Id} Version: $LATEST"], lines());
    }

    [Fact]
    public void Start_and_report_are_AWSs_platform_objects()
    {
        var (log, lines) = Open(new FunctionLogging { LogFormat = "JSON" });
        log.WriteInitStart(provisioned: false, "fn", "$LATEST", "python:3.12.v1", Arn);
        log.Begin(Id, "$LATEST");
        log.End(new ReportLine(Id, 26.734, 166.621, 128, 75, null), Success, wantTail: false);

        var objects = lines().Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(["platform.initStart", "platform.start", "platform.report"], objects.Select(o => o["type"]!.GetValue<string>()));
        Assert.Equal("2026-01-01T00:00:00.000Z", objects[1]["time"]!.GetValue<string>()); // the manual clock's start
        Assert.Equal($$"""{"initializationType":"on-demand","phase":"init","runtimeVersion":"python:3.12.v1","runtimeVersionArn":"{{Arn}}","functionName":"fn","functionVersion":"$LATEST"}""", objects[0]["record"]!.ToJsonString());
        Assert.Equal($$"""{"requestId":"{{Id}}","version":"$LATEST"}""", objects[1]["record"]!.ToJsonString());
        Assert.Equal($$"""{"requestId":"{{Id}}","metrics":{"durationMs":26.73,"billedDurationMs":194,"memorySizeMB":128,"maxMemoryUsedMB":75,"initDurationMs":166.62},"status":"success"}""",
            objects[2]["record"]!.ToJsonString());
    }

    [Fact]
    public void SystemLogLevel_DEBUG_adds_runtimeDone_and_WARN_leaves_no_platform_line()
    {
        var (debug, debugLines) = Open(new FunctionLogging { LogFormat = "JSON", SystemLogLevel = "DEBUG" });
        debug.Begin(Id, "3");
        debug.End(new ReportLine(Id, 1, null, 128, 5, "timeout"), new RuntimeDoneRecord("timeout", null, 1, 0), wantTail: false);
        Assert.Equal(["platform.start", "platform.runtimeDone", "platform.report"], debugLines().Select(l => JsonNode.Parse(l)!["type"]!.GetValue<string>()));
        Assert.Equal("timeout", JsonNode.Parse(debugLines()[2])!["record"]!["status"]!.GetValue<string>());

        var (warn, warnLines) = Open(new FunctionLogging { LogFormat = "JSON", SystemLogLevel = "WARN" });
        warn.WriteInitStart(provisioned: true, "fn", "3", "python:3.12.v1", Arn);
        warn.Begin(Id, "3");
        warn.End(new ReportLine(Id, 1, null, 128, 5, null), Success, wantTail: false);
        warn.WriteInitReport(12, "error", "Runtime.ExitError");
        Assert.Empty(warnLines());
    }

    [Fact]
    public void A_failed_invocation_carries_its_errorType_in_runtimeDone_and_report()
    {
        // The Telemetry API's optional errorType (the Text REPORT's "Error Type:").
        var (log, lines) = Open(new FunctionLogging { LogFormat = "JSON", SystemLogLevel = "DEBUG" });
        log.Begin(Id, "$LATEST");
        log.End(new ReportLine(Id, 3, null, 128, 5, "error", "Runtime.ExitError"), new RuntimeDoneRecord("error", "Runtime.ExitError", 2.5, 0), wantTail: false);

        var objects = lines().Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal($$$"""{"requestId":"{{{Id}}}","status":"error","errorType":"Runtime.ExitError","metrics":{"durationMs":2.50,"producedBytes":0}}""", objects[1]["record"]!.ToJsonString());
        Assert.Equal($$"""{"requestId":"{{Id}}","metrics":{"durationMs":3.00,"billedDurationMs":3,"memorySizeMB":128,"maxMemoryUsedMB":5},"status":"error","errorType":"Runtime.ExitError"}""",
            objects[2]["record"]!.ToJsonString());
    }

    [Fact]
    public void Text_format_keeps_START_END_REPORT_and_every_application_line()
    {
        var (log, lines) = Open(FunctionLogging.Default);
        log.Begin(Id, "$LATEST");
        log.WritePlatformLine(Encoding.UTF8.GetBytes("{\"level\":\"DEBUG\"}"));
        log.End(new ReportLine(Id, 1, null, 128, 5, null), Success, wantTail: false);
        Assert.Equal($"START RequestId: {Id} Version: $LATEST", lines()[0]);
        Assert.Equal($"END RequestId: {Id}", lines()[2]);
        Assert.StartsWith($"REPORT RequestId: {Id}\t", lines()[3]);
    }

    [Fact]
    public void RuntimeDone_carries_the_runtimes_metrics_and_leaves_out_unknown_producedBytes()
    {
        // The schema reference's example: "metrics": {"durationMs": 140.0, "producedBytes": 16}.
        var (log, lines) = Open(new FunctionLogging { LogFormat = "JSON", SystemLogLevel = "DEBUG" });
        log.Begin(Id, "$LATEST");
        log.End(new ReportLine(Id, 900, null, 128, 5, null), new RuntimeDoneRecord("success", null, 140, 16), wantTail: false);
        log.Begin(Id, "$LATEST");
        log.End(new ReportLine(Id, 3, null, 128, 5, null), new RuntimeDoneRecord("error", "Function.Thrown", 3, null), wantTail: false);

        var done = lines().Select(l => JsonNode.Parse(l)!).Where(o => o["type"]!.GetValue<string>() == "platform.runtimeDone").ToList();
        Assert.Equal($$$"""{"requestId":"{{{Id}}}","status":"success","metrics":{"durationMs":140.00,"producedBytes":16}}""", done[0]["record"]!.ToJsonString());
        Assert.Equal($$$"""{"requestId":"{{{Id}}}","status":"error","errorType":"Function.Thrown","metrics":{"durationMs":3.00}}""", done[1]["record"]!.ToJsonString());
    }
}
