using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Functions;
using Gateway.Invocations;
using Gateway.Logs;
using Gateway.Metrics;
using Gateway.Native;
using Gateway.UnitTests.Admission;
using Gateway.UnitTests.Support;

namespace Gateway.UnitTests.Logs;

/// <summary>
/// An invocation's log reaches the file (the kernel) before the invocation completes: what a worker wrote before its
/// response, START, END and REPORT are read back from the file without any flush, the way a restarted gateway or a user
/// reads them after a SIGKILL. The worker's end of a real socketpair is written to like a worker's stdout.
/// </summary>
public sealed class WriteThroughTests : IDisposable
{
    private const string Id = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";

    private readonly ManualTimeProvider _clock = new();
    private readonly InvocationPool _invocations = new();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gateway-writethrough-" + Guid.NewGuid().ToString("N"));
    private readonly List<(OutputChannel Output, EnvironmentLog Log)> _logs = [];

    public void Dispose()
    {
        foreach (var (output, log) in _logs)
        {
            output.CloseWriter();
            log.Dispose();
        }
        Directory.Delete(_directory, recursive: true);
        Assert.Equal(0, _invocations.Outstanding);
    }

    [Fact]
    public async Task A_completed_invocation_has_START_its_output_END_and_REPORT_in_the_file_without_a_flush()
    {
        var (output, log, path) = Open(FunctionLogging.Default, pump: true);
        var report = Report(log);
        var invocation = Rent();
        report.Begin(invocation);
        WriteAsWorker(output, "first line\nsecond line\n");

        await report.FinishAsync(invocation, null, null, null).WithTimeout();

        await invocation.WaitAsync().WithTimeout();
        var lines = ReadFile(path);
        Assert.Equal([$"START RequestId: {Id} Version: $LATEST", "first line", "second line", $"END RequestId: {Id}"], lines[..4]);
        Assert.StartsWith($"REPORT RequestId: {Id}\t", lines[4], StringComparison.Ordinal);
        Assert.Equal(5, lines.Length);
        _invocations.Return(invocation);
    }

    [Fact]
    public async Task Output_the_pump_has_not_read_yet_is_taken_at_the_end_in_order_partial_line_included()
    {
        // No pump: every byte the worker wrote is still in the socket when the invocation ends, as when /response
        // arrives before the pump thread ran. 100 KB: more than one read.
        var (output, log, path) = Open(FunctionLogging.Default, pump: false);
        var report = Report(log);
        var invocation = Rent();
        invocation.WantsLogTail = true;
        report.Begin(invocation);
        var text = new StringBuilder();
        for (int i = 0; i < 1000; i++)
        {
            text.Append(i).Append(' ').Append('x', 95).Append('\n');
        }
        text.Append("no newline before the response");
        WriteAsWorker(output, text.ToString());

        await report.FinishAsync(invocation, null, null, null).WithTimeout();

        var lines = ReadFile(path);
        Assert.Equal(1004, lines.Length);
        for (int i = 0; i < 1000; i++)
        {
            Assert.StartsWith(i + " x", lines[i + 1], StringComparison.Ordinal);
        }
        Assert.Equal("no newline before the response", lines[1001]);
        Assert.Equal($"END RequestId: {Id}", lines[1002]);
        // The tail (X-Amz-Log-Result) carries the same lines.
        var tail = Encoding.UTF8.GetString(Convert.FromBase64String(invocation.LogTail!));
        Assert.Contains("999 xxx", tail, StringComparison.Ordinal);
        Assert.Contains("no newline before the response\nEND RequestId: " + Id + "\nREPORT RequestId: " + Id, tail, StringComparison.Ordinal);
        _invocations.Return(invocation);
    }

    [Fact]
    public async Task Platform_lines_follow_the_workers_output_and_precede_END()
    {
        var (output, log, path) = Open(FunctionLogging.Default, pump: false);
        var report = Report(log);
        var invocation = Rent();
        report.Begin(invocation);
        WriteAsWorker(output, "working\n");

        await report.FinishAsync(invocation, null, "2026-01-01T00:00:03.000Z " + Id + " Task timed out after 3.00 seconds", "timeout").WithTimeout();

        var lines = ReadFile(path);
        Assert.Equal("working", lines[1]);
        Assert.EndsWith("Task timed out after 3.00 seconds", lines[2], StringComparison.Ordinal);
        Assert.Equal($"END RequestId: {Id}", lines[3]);
        _invocations.Return(invocation);
    }

    [Fact]
    public async Task The_index_has_a_record_for_every_line_in_the_file_at_the_end()
    {
        var start = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        var (output, log, path) = Open(FunctionLogging.Default, pump: true);
        var report = Report(log);
        var invocation = Rent();
        report.Begin(invocation);
        _clock.Advance(TimeSpan.FromMilliseconds(7));
        WriteAsWorker(output, "a line\n");

        await report.FinishAsync(invocation, null, null, null).WithTimeout();

        // Read as the Logs API reads after a crash: the index file as it is on disk, no flush.
        var index = File.ReadAllBytes(StreamIndex.PathFor(path));
        Assert.True(StreamIndex.TryReadHeader(index, out _, out _, out int header));
        var records = StreamIndex.ReadRecords(index.AsSpan(header));
        Assert.NotEmpty(records);
        Assert.Equal(0, records[0].Offset);
        Assert.Equal(start, records[0].Time);
        Assert.True(records[^1].Offset < new FileInfo(path).Length);
        _invocations.Return(invocation);
    }

    [Fact]
    public async Task JSON_format_writes_its_platform_objects_through_too()
    {
        var (output, log, path) = Open(new FunctionLogging { LogFormat = "JSON" }, pump: false);
        var report = Report(log);
        var invocation = Rent();
        report.Begin(invocation);
        WriteAsWorker(output, """{"level":"INFO","message":"from the function"}""" + "\n");

        await report.FinishAsync(invocation, null, null, null).WithTimeout();

        var lines = ReadFile(path);
        Assert.Equal(["platform.start", null, "platform.report"], lines.Select(l => JsonNode.Parse(l)!["type"]?.GetValue<string>()));
        Assert.Equal("from the function", JsonNode.Parse(lines[1])!["message"]!.GetValue<string>());
        _invocations.Return(invocation);
    }

    [Fact]
    public void Lines_between_invocations_stay_batched_until_the_flush()
    {
        var (_, log, path) = Open(FunctionLogging.Default, pump: false);
        log.WritePlatformLine("between invocations"u8);

        Assert.Empty(ReadFile(path)); // in the 64 KB buffer: the 200 ms flusher writes it
        log.Flush();
        Assert.Equal(["between invocations"], ReadFile(path));
    }

    [Fact]
    public async Task An_extensions_marked_line_is_its_own_even_in_the_middle_of_the_functions_unfinished_line()
    {
        var (output, log, path) = Open(FunctionLogging.Default, pump: false);
        var telemetry = new Gateway.Extensions.Telemetry.EnvironmentTelemetry(_clock);
        log.Telemetry = telemetry;
        log.MarksExtensionLines = true; // an environment whose extensions launcher runs
        var report = Report(log);
        var invocation = Rent();
        report.Begin(invocation);
        // The function writes half a line; an extension's whole line (behind the launcher's mark) arrives; the function
        // finishes its line; an extension's line in two writes; an empty one.
        WriteAsWorker(output, "fn-partial-");
        WriteAsWorker(output, "\u001eext-line\n");
        WriteAsWorker(output, "fn-rest\n\u001eext-par");
        WriteAsWorker(output, "t-rest\n\u001e\nlast\n");

        await report.FinishAsync(invocation, null, null, null).WithTimeout();

        var lines = ReadFile(path);
        Assert.Equal(["ext-line", "fn-partial-fn-rest", "ext-part-rest", "last"], lines[1..5]);
        Assert.DoesNotContain(lines, l => l.Contains('\u001e'));
        _invocations.Return(invocation);
        telemetry.Stop();
    }

    [Fact]
    public async Task Without_extensions_the_mark_is_an_ordinary_byte_of_the_functions_line()
    {
        var (output, log, path) = Open(FunctionLogging.Default, pump: false);
        var report = Report(log);
        var invocation = Rent();
        report.Begin(invocation);
        WriteAsWorker(output, "abc\u001edef\n");
        await report.FinishAsync(invocation, null, null, null).WithTimeout();
        Assert.Equal("abc\u001edef", ReadFile(path)[1]);
        _invocations.Return(invocation);
    }

    [Fact]
    public async Task A_runtime_clients_multi_line_record_is_one_event_shown_with_its_newlines()
    {
        // AWS's runtime clients write a record's LFs as CR on stdout (no telemetry descriptor): the file keeps the line
        // as written, and every place the event is shown has the LFs back; a CR that ends a line (CRLF) stays.
        var (output, log, path) = Open(FunctionLogging.Default, pump: false);
        var report = Report(log);
        var invocation = Rent();
        invocation.WantsLogTail = true;
        report.Begin(invocation);
        WriteAsWorker(output, "[ERROR] Boom: x\rTraceback (most recent call last):\r  File \"app.py\"\ncrlf\r\n"
            + "printed\ra\rcarriage return\n" + "2026-01-01T00:00:00.000Z\t" + Id + "\tERROR\tnode\rrecord\n");

        await report.FinishAsync(invocation, null, null, null).WithTimeout();

        var raw = File.ReadAllText(path);
        Assert.Contains("\n[ERROR] Boom: x\rTraceback (most recent call last):\r  File \"app.py\"\ncrlf\r\n", raw, StringComparison.Ordinal);
        var tail = Encoding.UTF8.GetString(Convert.FromBase64String(invocation.LogTail!));
        Assert.Contains("\n[ERROR] Boom: x\nTraceback (most recent call last):\n  File \"app.py\"\ncrlf\r\n"
            + "printed\ra\rcarriage return\n" // not a record: stdout's CRs stay, as on AWS
            + "2026-01-01T00:00:00.000Z\t" + Id + "\tERROR\tnode\nrecord\nEND RequestId: ", tail, StringComparison.Ordinal);

        var index = File.ReadAllBytes(StreamIndex.PathFor(path));
        Assert.True(StreamIndex.TryReadHeader(index, out var group, out var stream, out int header));
        var file = new Gateway.Logs.Api.LogStreamFile
        {
            LogGroup = group,
            LogStream = stream,
            FilePath = path,
            IndexPath = StreamIndex.PathFor(path),
            HeaderLength = header,
        };
        var messages = file.Read(null, null).Select(l => l.Message).ToList();
        // A Python record is an event without a trailing newline (a telemetry frame on AWS); stdout's end with theirs.
        Assert.Equal("[ERROR] Boom: x\nTraceback (most recent call last):\n  File \"app.py\"", messages[1]);
        Assert.Equal("crlf\r\n", messages[2]);
        Assert.Equal("printed\ra\rcarriage return\n", messages[3]);
        Assert.Equal("2026-01-01T00:00:00.000Z\t" + Id + "\tERROR\tnode\nrecord\n", messages[4]);
        Assert.Equal(7, messages.Count); // START, the record, crlf, printed, the Node record, END, REPORT
        _invocations.Return(invocation);
    }

    private (OutputChannel Output, EnvironmentLog Log, string Path) Open(FunctionLogging logging, bool pump)
    {
        var output = OutputChannel.Create();
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".log");
        var log = new EnvironmentLog(output.Reader, path, "fn", null, "/aws/lambda/fn", "s", logging, _clock);
        if (pump)
        {
            log.Start();
        }
        _logs.Add((output, log));
        return (output, log, path);
    }

    private InvocationReport Report(EnvironmentLog log) =>
        new(_clock, "$LATEST", 128, new FunctionMetrics(), () => 64, coldStart: false) { Log = log };

    private Invocation Rent()
    {
        var invocation = _invocations.Rent();
        invocation.RequestId = Id;
        Encoding.ASCII.GetBytes(Id, invocation.RequestIdBytes);
        return invocation;
    }

    /// <summary>Writes to the worker's end of the channel, as the worker's stdout does.</summary>
    private static void WriteAsWorker(OutputChannel output, string text)
    {
        using var worker = new Socket(new SafeSocketHandle((IntPtr)output.WriterFd, ownsHandle: false));
        var bytes = Encoding.UTF8.GetBytes(text);
        int sent = 0;
        while (sent < bytes.Length)
        {
            sent += worker.Send(bytes.AsSpan(sent));
        }
    }

    /// <summary>The file as the kernel has it: no flush first.</summary>
    private static string[] ReadFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
