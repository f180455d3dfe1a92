using System.Text;
using Gateway.Invocations;
using Gateway.Logs;
using Gateway.Metrics;
using Gateway.Native;
using Gateway.UnitTests.Admission;
using Gateway.UnitTests.Support;

namespace Gateway.UnitTests.Environments;

/// <summary>
/// The platform lines of a log stream, written through a real <see cref="EnvironmentLog"/> (a socketpair for the
/// worker's output, a file in a temporary folder) on a manual clock, and read back from the file.
/// </summary>
public sealed class InvocationReportTests : IDisposable
{
    private readonly ManualTimeProvider _clock = new();
    private readonly InvocationPool _invocations = new();
    private readonly FunctionMetrics _metrics = new();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gateway-report-" + Guid.NewGuid().ToString("N"));
    private readonly OutputChannel _output = OutputChannel.Create();
    private readonly EnvironmentLog _log;
    private int _peakMemoryMb = 64;
    private int _memoryReads;

    public InvocationReportTests()
    {
        _log = new EnvironmentLog(_output.Reader, Path.Combine(_directory, "stream.log"), "fn", console: null);
        _log.Start();
    }

    public void Dispose()
    {
        _output.CloseWriter();
        _log.Dispose();
        Directory.Delete(_directory, recursive: true);
        Assert.Equal(0, _invocations.Outstanding);
    }

    [Fact]
    public async Task A_cold_start_reports_Init_Duration_on_its_first_REPORT_only()
    {
        var report = Create(coldStart: true, version: "7");

        await RunAsync(report, "11111111-1111-1111-1111-111111111111", TimeSpan.FromMilliseconds(25), initDurationMs: 120.5);
        await RunAsync(report, "22222222-2222-2222-2222-222222222222", TimeSpan.FromMilliseconds(10), initDurationMs: 120.5);

        Assert.Equal(
        [
            "START RequestId: 11111111-1111-1111-1111-111111111111 Version: 7",
            "END RequestId: 11111111-1111-1111-1111-111111111111",
            "REPORT RequestId: 11111111-1111-1111-1111-111111111111\tDuration: 25.00 ms\tBilled Duration: 146 ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB\tInit Duration: 120.50 ms\t",
            "START RequestId: 22222222-2222-2222-2222-222222222222 Version: 7",
            "END RequestId: 22222222-2222-2222-2222-222222222222",
            "REPORT RequestId: 22222222-2222-2222-2222-222222222222\tDuration: 10.00 ms\tBilled Duration: 10 ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB\t",
        ], ReadLines());
        Assert.Equal(2, _metrics.Invocations);
    }

    [Fact]
    public async Task Init_Duration_waits_for_a_known_init_time()
    {
        // An invocation that ended before init was measured (none known yet) leaves the report to the next one.
        var report = Create(coldStart: true);

        await RunAsync(report, "11111111-1111-1111-1111-111111111111", TimeSpan.FromMilliseconds(1), initDurationMs: null);
        await RunAsync(report, "22222222-2222-2222-2222-222222222222", TimeSpan.FromMilliseconds(1), initDurationMs: 30);

        var reports = ReadLines().Where(l => l.StartsWith("REPORT", StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain("Init Duration", reports[0], StringComparison.Ordinal);
        Assert.Contains("\tInit Duration: 30.00 ms\t", reports[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_provisioned_environment_never_reports_Init_Duration()
    {
        var report = Create(coldStart: false);

        await RunAsync(report, "11111111-1111-1111-1111-111111111111", TimeSpan.FromMilliseconds(5), initDurationMs: 120.5);

        Assert.DoesNotContain(ReadLines(), l => l.Contains("Init Duration", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_timeout_writes_its_notice_before_END_and_a_timeout_status()
    {
        var report = Create(coldStart: false);
        var invocation = Rent("11111111-1111-1111-1111-111111111111");
        invocation.SetError("Sandbox.Timedout");
        report.Begin(invocation);
        _clock.Advance(TimeSpan.FromSeconds(3));

        await report.FinishAsync(invocation, null, "2026-01-01T03:25:48.000Z 11111111-1111-1111-1111-111111111111 Task timed out after 3.00 seconds", "timeout").WithTimeout();
        _invocations.Return(invocation);

        Assert.Equal(
        [
            "START RequestId: 11111111-1111-1111-1111-111111111111 Version: $LATEST",
            "2026-01-01T03:25:48.000Z 11111111-1111-1111-1111-111111111111 Task timed out after 3.00 seconds",
            "END RequestId: 11111111-1111-1111-1111-111111111111",
            "REPORT RequestId: 11111111-1111-1111-1111-111111111111\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB\tStatus: timeout\t",
        ], ReadLines());
        Assert.Equal(1, _metrics.Errors);
    }

    [Fact]
    public async Task Multi_line_platform_notices_become_separate_lines()
    {
        var report = Create(coldStart: false);
        var invocation = Rent("11111111-1111-1111-1111-111111111111");
        report.Begin(invocation);

        await report.FinishAsync(invocation, null, "RequestId: 11111111-1111-1111-1111-111111111111 Error: Runtime exited with error: exit status 3\nRuntime.ExitError", "error").WithTimeout();
        _invocations.Return(invocation);

        var lines = ReadLines();
        Assert.Equal("RequestId: 11111111-1111-1111-1111-111111111111 Error: Runtime exited with error: exit status 3", lines[1]);
        Assert.Equal("Runtime.ExitError", lines[2]);
        Assert.EndsWith("\tStatus: error\t", lines[4], StringComparison.Ordinal);
    }

    [Fact]
    public void INIT_REPORT_names_the_phase_status_and_error_type()
    {
        var report = Create(coldStart: true);

        report.WriteInitReport(1234.5, "error", "Runtime.ExitError");
        report.WriteInitReport(10_000, "timeout", null);

        Assert.Equal(
        [
            "INIT_REPORT Init Duration: 1234.50 ms\tPhase: init\tStatus: error\tError Type: Runtime.ExitError",
            "INIT_REPORT Init Duration: 10000.00 ms\tPhase: init\tStatus: timeout",
        ], ReadLines());
    }

    [Fact]
    public async Task Max_Memory_Used_is_reread_only_when_time_has_passed_or_the_invocation_ran_long()
    {
        var report = Create(coldStart: false);
        report.SamplePeakMemory(); // end of init
        Assert.Equal(1, _memoryReads);

        _peakMemoryMb = 70;
        await RunAsync(report, "11111111-1111-1111-1111-111111111111", TimeSpan.FromMilliseconds(1), null); // first REPORT reads
        _peakMemoryMb = 80;
        await RunAsync(report, "22222222-2222-2222-2222-222222222222", TimeSpan.FromMilliseconds(1), null); // 1 ms later: reuses
        await RunAsync(report, "33333333-3333-3333-3333-333333333333", TimeSpan.FromMilliseconds(60), null); // ran long: reads
        _peakMemoryMb = 0; // unreadable (the process is gone): the peak seen stays
        await RunAsync(report, "44444444-4444-4444-4444-444444444444", TimeSpan.FromMilliseconds(60), null);

        var used = ReadLines().Where(l => l.StartsWith("REPORT", StringComparison.Ordinal))
            .Select(l => l.Split('\t').Single(f => f.StartsWith("Max Memory Used", StringComparison.Ordinal))).ToList();
        Assert.Equal(["Max Memory Used: 70 MB", "Max Memory Used: 70 MB", "Max Memory Used: 80 MB", "Max Memory Used: 80 MB"], used);
        Assert.Equal(4, _memoryReads);
    }

    [Fact]
    public async Task The_exits_peak_raises_Max_Memory_Used_up_to_the_memory_size()
    {
        var report = Create(coldStart: false);
        _peakMemoryMb = 0; // the process is gone: /proc has nothing to say
        report.RaisePeakMemory(90); // what the exited process tree reached (rusage)
        await RunAsync(report, "11111111-1111-1111-1111-111111111111", TimeSpan.FromMilliseconds(60), null);
        report.RaisePeakMemory(700); // past the memory size (the cgroup also leaves room for /tmp): the size
        await RunAsync(report, "22222222-2222-2222-2222-222222222222", TimeSpan.FromMilliseconds(60), null);

        var used = ReadLines().Where(l => l.StartsWith("REPORT", StringComparison.Ordinal))
            .Select(l => l.Split('\t').Single(f => f.StartsWith("Max Memory Used", StringComparison.Ordinal))).ToList();
        Assert.Equal(["Max Memory Used: 90 MB", "Max Memory Used: 128 MB"], used);
    }

    [Fact]
    public async Task Without_a_log_stream_the_invocation_still_completes_and_counts()
    {
        var report = new InvocationReport(_clock, "$LATEST", 128, _metrics, () => 0, coldStart: true);
        var invocation = Rent("11111111-1111-1111-1111-111111111111");
        report.Begin(invocation);

        await report.FinishAsync(invocation, 5, null, null).WithTimeout();
        await invocation.WaitAsync().WithTimeout();
        _invocations.Return(invocation);

        Assert.Equal(1, _metrics.Invocations);
        await report.WhenFinished().WithTimeout();
    }

    private InvocationReport Create(bool coldStart, string version = "$LATEST") =>
        new(_clock, version, 128, _metrics, () =>
        {
            _memoryReads++;
            return _peakMemoryMb;
        }, coldStart)
        { Log = _log };

    private async Task RunAsync(InvocationReport report, string requestId, TimeSpan duration, double? initDurationMs)
    {
        var invocation = Rent(requestId);
        report.Begin(invocation);
        _clock.Advance(duration);
        await report.FinishAsync(invocation, initDurationMs, null, null).WithTimeout();
        _invocations.Return(invocation);
    }

    private Invocation Rent(string requestId)
    {
        var invocation = _invocations.Rent();
        invocation.RequestId = requestId;
        Encoding.ASCII.GetBytes(requestId, invocation.RequestIdBytes);
        return invocation;
    }

    private string[] ReadLines()
    {
        _log.Flush();
        using var stream = new FileStream(Path.Combine(_directory, "stream.log"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
