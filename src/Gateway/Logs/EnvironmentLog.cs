using System.Net.Sockets;
using System.Text;
using System.Text.Unicode;
using Gateway.Extensions.Telemetry;

namespace Gateway.Logs;

/// <summary>
/// One execution environment's log stream: the worker's stdout and stderr (one socket, so their lines keep
/// the order they were written in) framed by the platform's START/END/REPORT lines, written to the stream's
/// file, echoed to the console, and kept in a 4 KB tail ring for the invocation in progress. Each line's write time
/// goes to the stream's <see cref="StreamIndex"/> (one 16-byte record per millisecond that has lines), which is how
/// the Logs API gives every event a timestamp without a prefix in the file. In LoggingConfig's JSON format the
/// platform lines are <see cref="JsonPlatformLines"/>, filtered by SystemLogLevel, and the function's JSON lines
/// below ApplicationLogLevel are dropped, as Lambda does.
/// </summary>
/// <remarks>
/// Output written before a runtime posts /response must land in that invocation's log and tail. The pump
/// therefore only waits for data with a zero-byte receive and takes bytes off the socket under the lock, and
/// <see cref="End"/> takes, under the same lock and without blocking, whatever is still unread (FIONREAD): bytes the
/// worker wrote before /response are in the socket by the time /response arrives, so none can be missed.
/// <para>
/// Lines are buffered and pushed to the file by the flusher's timer (every 200 ms), except at an invocation's end:
/// <see cref="End"/> writes the buffered lines to the kernel before it returns (their index records are stored into a
/// shared mapping of the index file as they are emitted: in the page cache at once, <see cref="MappedStreamIndex"/>), and the invocation's
/// response is released only after it. A completed invocation's START, its worker's lines, END and REPORT are then in
/// the page cache, which a SIGKILL of the gateway does not lose (no fsync: a crash of the gateway, not of the machine).
/// </para>
/// </remarks>
internal sealed class EnvironmentLog : IDisposable
{
    private const int MaxLine = 64 * 1024;

    private readonly object _lock = new();
    private readonly Socket _output;
    private readonly FileStream _file;
    private readonly MappedStreamIndex _index;
    private readonly TimeProvider _time;
    private readonly bool _json;
    private readonly int _systemLevel;
    private readonly int _applicationLevel;
    private long _position;
    private long _lastIndexedMs = long.MinValue;
    private readonly ConsoleEcho? _console;
    private readonly byte[] _consolePrefix;
    private readonly LogTailRing _tail = new();
    private readonly byte[] _readBuffer = new byte[16 * 1024];
    private readonly PendingLine _functionLine = new();
    private PendingLine? _extensionLineStorage;
    private byte[]? _restoredLine; // a line with its record newlines restored (RecordNewlines), made at the first one
    private bool _inExtensionLine;
    private bool _capturing;
    private bool _closed;
    private bool _disposed; // the file and its index are closed: a late line (an environment's end racing a platform line) is dropped

    /// <summary>Lines accepted for the file and not yet written to it (one write(2) per flush), in the gateway's own
    /// buffer over an unbuffered file: a write that fails (a full disk) leaves exactly these whole lines to write later,
    /// never part of one (a FileStream's buffer could keep a line's head and glue the next line onto it, and the index's
    /// offsets would drift from the file's content).</summary>
    private readonly byte[] _pending = new byte[64 * 1024];
    private int _pendingLength;

    public EnvironmentLog(Socket output, string filePath, string functionName, ConsoleEcho? console)
        : this(output, filePath, functionName, console, "/aws/lambda/" + functionName, Path.GetFileNameWithoutExtension(filePath), Functions.FunctionLogging.Default, TimeProvider.System)
    {
    }

    /// <param name="logGroup">The log group and <paramref name="logStream"/> name the Logs API shows this file under.</param>
    public EnvironmentLog(Socket output, string filePath, string functionName, ConsoleEcho? console, string logGroup, string logStream,
        Functions.FunctionLogging logging, TimeProvider time)
    {
        _output = output;
        // Bytes are only taken off the socket after a zero-byte receive said they are there, but a receive that
        // could block while holding the lock would stall every invocation of this environment: never block.
        _output.Blocking = false;
        Directory.CreateDirectory(Path.GetDirectoryName(filePath)!);
        _file = new FileStream(filePath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        _position = _file.Length;
        var indexPath = StreamIndex.PathFor(filePath);
        Directory.CreateDirectory(Path.GetDirectoryName(indexPath)!);
        _index = new MappedStreamIndex(indexPath, StreamIndex.Header(logGroup, logStream));
        _time = time;
        var effective = logging.Effective();
        _json = effective.IsJson;
        _systemLevel = Functions.FunctionLogging.LevelRank(effective.SystemLogLevel);
        _applicationLevel = Functions.FunctionLogging.LevelRank(effective.ApplicationLogLevel);
        _console = console;
        _consolePrefix = Encoding.UTF8.GetBytes("[" + functionName + "] ");
        _functionName = functionName;
        FilePath = filePath;
    }

    private readonly string _functionName;

    /// <summary>Writes to the stream's file have failed (a full disk) and not yet succeeded again: said once on the
    /// console, not at every line.</summary>
    private bool _writeFailing;

    public string FilePath { get; }

    /// <summary>The environment's Telemetry API, when it has extensions: each line and platform event also goes to its
    /// subscribers, published under this log's lock so they get them in the log's order. Null (the usual case): no cost.</summary>
    public EnvironmentTelemetry? Telemetry { get; set; }

    /// <summary>The extensions launcher runs in this environment, so a line behind its mark is an extension's. Set before
    /// the worker starts; without it (most environments) the mark is an ordinary byte of the function's output.</summary>
    public bool MarksExtensionLines { get; set; }

    /// <summary>The invocation whose platform.runtimeDone went out when the runtime answered (<see cref="Answered"/>), so
    /// its deferred END does not send another.</summary>
    private string? _runtimeDoneSent;

    /// <summary>Starts reading the worker's output; runs until the worker closes it.</summary>
    public void Start() => _ = PumpAsync();

    private async Task PumpAsync()
    {
        try
        {
            while (true)
            {
                // Wait for data without taking it: only code holding the lock removes bytes from the socket.
                await _output.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
                lock (_lock)
                {
                    int n = _output.Receive(_readBuffer, SocketFlags.None, out var error);
                    if (n <= 0 && error != SocketError.WouldBlock)
                    {
                        FlushPartialLines();
                        _closed = true;
                        return;
                    }
                    Process(_readBuffer.AsSpan(0, Math.Max(n, 0)));
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            lock (_lock)
            {
                _closed = true;
            }
        }
    }

    /// <summary>Waits (briefly) until every byte the worker has written so far has been logged.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask DrainAsync()
    {
        for (int attempt = 0; attempt < 500; attempt++)
        {
            lock (_lock)
            {
                if (_closed || _output.Available == 0)
                {
                    return;
                }
            }
            if (attempt < 10)
            {
                await Task.Yield();
            }
            else
            {
                await Task.Delay(1).ConfigureAwait(false);
            }
        }
    }

    /// <summary>START line; from here until <see cref="End"/>, lines also go to the invocation's tail when
    /// <paramref name="captureTail"/> (LogType Tail): an invocation that will not return its tail does not fill it.</summary>
    public void Begin(string requestId, string version, bool captureTail = true)
    {
        Span<byte> line = stackalloc byte[256];
        int n;
        if (_json)
        {
            n = _systemLevel <= JsonPlatformLines.Info ? JsonPlatformLines.Start(line, _time.GetUtcNow(), requestId, version) : 0;
        }
        else
        {
            Utf8.TryWrite(line, $"START RequestId: {requestId} Version: {version}", out n);
        }
        lock (_lock)
        {
            _tail.Clear();
            _capturing = captureTail;
            if (n > 0)
            {
                Emit(line[..n]);
            }
            if (Telemetry is { Listening: true } telemetry)
            {
                telemetry.Thaw(); // the environment was frozen while idle
                Span<byte> json = stackalloc byte[256];
                int length = JsonPlatformLines.Start(json, _time.GetUtcNow(), requestId, version);
                telemetry.Publish(TelemetryEventKind.Shared, TelemetryCategories.Platform, json[..length].ToArray());
            }
        }
    }

    /// <summary>A new environment's first line: <c>INIT_START Runtime Version: {name}\tRuntime Version ARN: {arn}</c>, or
    /// JSON's platform.initStart (INFO) with the same two as runtimeVersion and runtimeVersionArn.</summary>
    public void WriteInitStart(bool provisioned, string functionName, string version, string runtimeVersion, string runtimeVersionArn)
    {
        Span<byte> line = stackalloc byte[768];
        int n;
        if (Telemetry is { Listening: true } telemetry)
        {
            n = JsonPlatformLines.InitStart(line, _time.GetUtcNow(), provisioned, runtimeVersion, runtimeVersionArn, functionName, version);
            telemetry.Publish(TelemetryEventKind.TelemetryOnly, TelemetryCategories.Platform, line[..n].ToArray());
        }
        if (_json)
        {
            if (_systemLevel > JsonPlatformLines.Info)
            {
                return;
            }
            n = JsonPlatformLines.InitStart(line, _time.GetUtcNow(), provisioned, runtimeVersion, runtimeVersionArn, functionName, version);
        }
        else
        {
            Utf8.TryWrite(line, $"INIT_START Runtime Version: {runtimeVersion}\tRuntime Version ARN: {runtimeVersionArn}", out n);
        }
        WritePlatformLine(line[..n]);
    }

    /// <summary><c>INIT_REPORT Init Duration: … Phase: {phase} Status: {status}[ Error Type: …]</c>, or JSON's platform.initReport.</summary>
    public void WriteInitReport(double initDurationMs, string status, string? errorType, InitPhase phase = InitPhase.Init)
    {
        // What the worker wrote during its init goes before the report: a runtime that exits is seen (its exit) before
        // its last lines are read off the socket, and they belong above INIT_REPORT and the invocation's START.
        lock (_lock)
        {
            TakePending();
            FlushPartialLine();
        }
        Span<byte> line = stackalloc byte[512];
        int n;
        PublishInitEnd(initDurationMs, provisioned: false, status, errorType, phase);
        if (_json)
        {
            if (_systemLevel > JsonPlatformLines.Info)
            {
                return;
            }
            n = JsonPlatformLines.InitReport(line, _time.GetUtcNow(), initDurationMs, status, errorType, phase);
        }
        else
        {
            Utf8.TryWrite(line, $"INIT_REPORT Init Duration: {initDurationMs:F2} ms\tPhase: {InitPhaseText.Of(phase)}\tStatus: {status}", out n);
            if (errorType is not null)
            {
                Utf8.TryWrite(line[n..], $"\tError Type: {errorType}", out int m);
                n += m;
            }
        }
        WritePlatformLine(line[..n]);
    }

    /// <summary>Init succeeded (the runtime's first /next): for the Telemetry API only, platform.initRuntimeDone and
    /// platform.initReport (the log shows no INIT_REPORT for a successful on-demand init, as on AWS).</summary>
    public void InitSucceeded(double initDurationMs, bool provisioned) => PublishInitEnd(initDurationMs, provisioned, "success", null, InitPhase.Init);

    private void PublishInitEnd(double initDurationMs, bool provisioned, string status, string? errorType, InitPhase phase)
    {
        if (Telemetry is not { Listening: true } telemetry)
        {
            return;
        }
        var now = _time.GetUtcNow();
        Span<byte> json = stackalloc byte[512];
        int n = JsonPlatformLines.InitReport(json, now, initDurationMs, status, errorType, phase);
        lock (_lock)
        {
            telemetry.Publish(TelemetryEventKind.TelemetryOnly, TelemetryCategories.Platform, TelemetryEvents.InitRuntimeDone(now, provisioned, status, errorType));
            telemetry.Publish(TelemetryEventKind.TelemetryOnly, TelemetryCategories.Platform, json[..n].ToArray());
        }
    }

    /// <summary>At the end of init, for each extension: <c>EXTENSION\tName: {name}\tState: Ready\tEvents: [INVOKE,SHUTDOWN]</c>
    /// (as CloudWatch shows it), or JSON's platform.extension.</summary>
    public void WriteExtension(string name, string state, string[] events)
    {
        Span<byte> line = stackalloc byte[1024];
        int n;
        if (Telemetry is { Listening: true } telemetry)
        {
            n = JsonPlatformLines.Extension(line, _time.GetUtcNow(), name, state, events);
            telemetry.Publish(TelemetryEventKind.Shared, TelemetryCategories.Platform, line[..n].ToArray());
        }
        if (_json)
        {
            if (_systemLevel > JsonPlatformLines.Info)
            {
                return;
            }
            n = JsonPlatformLines.Extension(line, _time.GetUtcNow(), name, state, events);
        }
        else
        {
            Utf8.TryWrite(line, $"EXTENSION\tName: {name}\tState: {state}\tEvents: [{string.Join(',', events)}]", out n);
        }
        WritePlatformLine(line[..n]);
    }

    /// <summary>Writes a platform line (timeout notice, init report) into the stream.</summary>
    public void WritePlatformLine(ReadOnlySpan<byte> line)
    {
        lock (_lock)
        {
            Emit(line);
        }
    }

    /// <summary>
    /// Ends the invocation's log: the worker's output still in the socket, <paramref name="platformLines"/> (separated by
    /// '\n', e.g. the timeout notice), END and REPORT, all written to the file (the page cache) before this returns.
    /// Returns the tail's base64 when <paramref name="wantTail"/>. <paramref name="runtimeDone"/> is the invocation's
    /// platform.runtimeDone (the JSON log's DEBUG line, and the Telemetry API's event unless it went out at the answer).
    /// </summary>
    public string? End(in ReportLine report, in RuntimeDoneRecord runtimeDone, bool wantTail, string? platformLines = null)
    {
        Span<byte> line = stackalloc byte[512];
        lock (_lock)
        {
            TakePending();
            FlushPartialLine();
            if (platformLines is not null)
            {
                EmitPlatformLines(platformLines);
            }
            if (_json)
            {
                EndJson(report, runtimeDone, line);
            }
            else
            {
                Utf8.TryWrite(line, $"END RequestId: {report.RequestId}", out int n);
                Emit(line[..n]);
                n = report.Format(line);
                Emit(line[..n]);
            }
            if (Telemetry is { Listening: true } telemetry)
            {
                PublishEnd(telemetry, report, runtimeDone, line);
            }
            _capturing = false;
            TryWritePending();
            return wantTail ? _tail.ToBase64() : null;
        }
    }

    /// <summary>
    /// The runtime has answered but END and REPORT wait for the extensions (<see cref="InvocationReport.Answer"/>): the
    /// worker's output so far is written to the file (the page cache) before the caller gets the answer, as at
    /// <see cref="End"/>. Returns the tail's base64 when <paramref name="wantTail"/> (without END and REPORT).
    /// </summary>
    public string? Answered(bool wantTail, string requestId, in RuntimeDoneRecord runtimeDone)
    {
        lock (_lock)
        {
            TakePending();
            FlushPartialLine();
            if (Telemetry is { Listening: true } telemetry)
            {
                Span<byte> json = stackalloc byte[512]; // an errorType of up to 128 characters, and the metrics
                int n = JsonPlatformLines.RuntimeDone(json, _time.GetUtcNow(), requestId, runtimeDone);
                telemetry.Publish(TelemetryEventKind.RuntimeDone, TelemetryCategories.Platform, json[..n].ToArray());
                _runtimeDoneSent = requestId;
            }
            _capturing = false;
            TryWritePending();
            return wantTail ? _tail.ToBase64() : null;
        }
    }

    /// <summary>
    /// Takes what the worker has written so far off the socket, without blocking: only the bytes already there when
    /// called, so a worker that keeps writing cannot hold the invocation's end (and the lock) for long.
    /// </summary>
    /// <remarks>
    /// One non-blocking receive first: with nothing pending (most invocations) it finds EAGAIN at the cost FIONREAD had,
    /// and with output it takes it without a FIONREAD before. Only a receive that filled the buffer asks how much more
    /// is there (FIONREAD) and takes that much.
    /// </remarks>
    private void TakePending()
    {
        if (_closed)
        {
            return;
        }
        int first = _output.Receive(_readBuffer, SocketFlags.None, out var firstError);
        if (first <= 0)
        {
            if (firstError != SocketError.WouldBlock)
            {
                _closed = true; // the worker's end is closed (or broken): the pump sees the same and stops
            }
            return;
        }
        Process(_readBuffer.AsSpan(0, first));
        if (first < _readBuffer.Length)
        {
            return; // less than asked for: the socket held no more when it was read
        }
        int pending = _output.Available;
        while (pending > 0)
        {
            int n = _output.Receive(_readBuffer.AsSpan(0, Math.Min(pending, _readBuffer.Length)), SocketFlags.None, out var error);
            if (n <= 0)
            {
                if (error != SocketError.WouldBlock)
                {
                    _closed = true; // the worker's end is closed (or broken): the pump sees the same and stops
                }
                return;
            }
            Process(_readBuffer.AsSpan(0, n));
            pending -= n;
        }
    }

    private void EmitPlatformLines(string lines)
    {
        foreach (var piece in lines.Split('\n'))
        {
            Emit(Encoding.UTF8.GetBytes(piece));
        }
    }

    /// <summary>
    /// Hands the buffered lines to the kernel (one write(2), no fsync). Their index records are already in the page cache
    /// (stored into the index's shared mapping as each line was emitted), so a line a reader (or a restarted gateway)
    /// can see has its timestamp record.
    /// </summary>
    /// <summary>Writes the pending lines (a whole number of them) to the file; false when the write failed, and then
    /// they stay pending: a retry writes them at the same offset (pwrite), so nothing is doubled or reordered.</summary>
    private bool TryWritePending()
    {
        if (_pendingLength == 0)
        {
            return true;
        }
        try
        {
            _file.Write(_pending, 0, _pendingLength);
            _pendingLength = 0;
            WriteSucceeded();
            return true;
        }
        catch (IOException ex)
        {
            WriteFailed(ex);
            return false;
        }
    }

    /// <summary>
    /// A write to the stream's file failed: a full (or failing) disk. The function and every other function go on: its
    /// lines still reach the console, the tail and the Telemetry API, and the file gets what the buffer can hold once
    /// the disk has room. Before, the exception escaped the flusher's timer and took the whole gateway down.
    /// </summary>
    private void WriteFailed(IOException ex)
    {
        if (!_writeFailing)
        {
            _writeFailing = true;
            Say($"[gateway] {_functionName}: its log file cannot be written ({ex.Message}); lines are dropped from the file until the disk has room");
        }
    }

    private void WriteSucceeded()
    {
        if (_writeFailing)
        {
            _writeFailing = false;
            Say($"[gateway] {_functionName}: its log file is written again");
        }
    }

    /// <summary>A line on the gateway's stderr, which may itself be a file on the full disk: a write that fails there
    /// must not end anything either.</summary>
    private static void Say(string message)
    {
        try
        {
            Console.Error.WriteLine(message);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Under the lock, at END: platform.runtimeDone (unless it went out when the runtime answered), the Logs
    /// API's platform.end, and platform.report.</summary>
    private void PublishEnd(EnvironmentTelemetry telemetry, in ReportLine report, in RuntimeDoneRecord runtimeDone, Span<byte> line)
    {
        var now = _time.GetUtcNow();
        if (!string.Equals(_runtimeDoneSent, report.RequestId, StringComparison.Ordinal))
        {
            int n = JsonPlatformLines.RuntimeDone(line, now, report.RequestId, runtimeDone);
            telemetry.Publish(TelemetryEventKind.RuntimeDone, TelemetryCategories.Platform, line[..n].ToArray());
        }
        _runtimeDoneSent = null;
        telemetry.Publish(TelemetryEventKind.LogsOnly, TelemetryCategories.Platform, TelemetryEvents.PlatformEnd(now, report.RequestId));
        int m = JsonPlatformLines.Report(line, now, report);
        telemetry.Publish(TelemetryEventKind.Shared, TelemetryCategories.Platform, line[..m].ToArray());
    }

    private void EndJson(in ReportLine report, in RuntimeDoneRecord runtimeDone, Span<byte> line)
    {
        var now = _time.GetUtcNow();
        if (_systemLevel <= JsonPlatformLines.Debug)
        {
            Emit(line[..JsonPlatformLines.RuntimeDone(line, now, report.RequestId, runtimeDone)]);
        }
        if (_systemLevel <= JsonPlatformLines.Info)
        {
            Emit(line[..JsonPlatformLines.Report(line, now, report)]);
        }
    }

    /// <summary>Pushes buffered file writes to the OS (called by the log flusher's timer and at shutdown): the lines
    /// written between invocations, which <see cref="End"/> does not cover.</summary>
    public void Flush()
    {
        lock (_lock)
        {
            TryWritePending();
        }
    }

    /// <summary>
    /// Splits the worker's output into lines. An extension's line comes whole, behind the launcher's mark
    /// (<see cref="Extensions.ExternalExtensions.LineMark"/>), possibly in the middle of a line the function has not
    /// finished: it is assembled apart from that line, which waits for the rest of its bytes, so neither is cut into
    /// the other and each is known for whose it is.
    /// </summary>
    private void Process(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            bool extension = _inExtensionLine;
            int stop = extension || !MarksExtensionLines ? data.IndexOf((byte)'\n') : data.IndexOfAny((byte)'\n', Extensions.ExternalExtensions.LineMark);
            Append(extension ? ExtensionLine : _functionLine, stop >= 0 ? data[..stop] : data, extension);
            if (stop < 0)
            {
                return;
            }
            if (data[stop] == (byte)'\n')
            {
                FlushLine(extension ? ExtensionLine : _functionLine, extension);
                _inExtensionLine = false;
            }
            else
            {
                _inExtensionLine = true; // the mark: an extension's line follows
            }
            data = data[(stop + 1)..];
        }
    }

    /// <summary>Adds bytes to a line; an over-long line is split (written in <see cref="MaxLine"/> pieces) rather
    /// than buffered without bound.</summary>
    private void Append(PendingLine line, ReadOnlySpan<byte> piece, bool extension)
    {
        while (piece.Length > MaxLine - line.Length)
        {
            int room = MaxLine - line.Length;
            piece[..room].CopyTo(line.Bytes.AsSpan(line.Length));
            line.Length = MaxLine;
            FlushLine(line, extension);
            piece = piece[room..];
        }
        piece.CopyTo(line.Bytes.AsSpan(line.Length));
        line.Length += piece.Length;
    }

    /// <summary>The function's unfinished line, as a line of its own (at an invocation's end: its output so far).
    /// An extension's unfinished line is left to finish: the launcher writes each whole.</summary>
    private void FlushPartialLine() => FlushLine(_functionLine, extension: false);

    /// <summary>The output has ended: whatever is unfinished, as lines.</summary>
    private void FlushPartialLines()
    {
        FlushLine(_functionLine, extension: false);
        if (_extensionLineStorage is { } extension)
        {
            FlushLine(extension, extension: true);
        }
        _inExtensionLine = false;
    }

    private void FlushLine(PendingLine pending, bool extension)
    {
        if (pending.Length == 0)
        {
            return;
        }
        var line = pending.Bytes.AsSpan(0, pending.Length);
        pending.Length = 0;
        // JSON format: a function's JSON line below ApplicationLogLevel is dropped, as Lambda does (Text: no filtering).
        if (!extension && _json && _applicationLevel > 0 && JsonLineLevel.Of(line) < _applicationLevel)
        {
            return;
        }
        ReadOnlySpan<byte> shown = line;
        if (RecordNewlines.Has(line))
        {
            var restored = (_restoredLine ??= new byte[MaxLine]).AsSpan(0, line.Length);
            line.CopyTo(restored);
            RecordNewlines.Restore(restored);
            shown = restored;
        }
        Emit(line, shown);
        if (Telemetry is { Listening: true } telemetry)
        {
            telemetry.Publish(TelemetryEventKind.Log, extension ? TelemetryCategories.Extension : TelemetryCategories.Function,
                TelemetryEvents.Line(_time.GetUtcNow(), extension ? "extension" : "function", shown, _json));
        }
    }

    /// <summary>Made at an extension's first line (most environments have none: no second 64 KB buffer).</summary>
    private PendingLine ExtensionLine => _extensionLineStorage ??= new PendingLine();

    /// <summary>A line being assembled from the worker's output.</summary>
    private sealed class PendingLine
    {
        public readonly byte[] Bytes = new byte[MaxLine];
        public int Length;
    }

    private void Emit(ReadOnlySpan<byte> line) => Emit(line, line);

    /// <summary>Writes <paramref name="line"/> to the stream's file as it is, and <paramref name="shown"/> (the same line
    /// with a runtime client's record newlines restored) to the console and the tail.</summary>
    private void Emit(ReadOnlySpan<byte> line, ReadOnlySpan<byte> shown)
    {
        if (_disposed)
        {
            return;
        }
        if (AcceptForFile(line))
        {
            long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            if (now != _lastIndexedMs)
            {
                _index.Append(_position, now); // a store into the mapped index: no system call (MappedStreamIndex)
                _lastIndexedMs = now;
            }
            _position += line.Length + 1;
        }
        _console?.WriteLine(_consolePrefix, shown);
        if (_capturing)
        {
            _tail.Append(shown);
            _tail.Append("\n"u8);
        }
    }

    /// <summary>
    /// Takes <paramref name="line"/> and its newline for the file: into the pending buffer (written at the next flush),
    /// or, for a line longer than the buffer, straight to the file once the buffer is written. False when it cannot be
    /// taken (a full disk: the buffer could not be emptied, or the write failed): the line is not in the file at all.
    /// </summary>
    private bool AcceptForFile(ReadOnlySpan<byte> line)
    {
        int needed = line.Length + 1;
        if (_pendingLength + needed > _pending.Length && !TryWritePending())
        {
            return false;
        }
        if (needed <= _pending.Length)
        {
            line.CopyTo(_pending.AsSpan(_pendingLength));
            _pending[_pendingLength + line.Length] = (byte)'\n';
            _pendingLength += needed;
            return true;
        }
        try
        {
            _file.Write(line); // unbuffered: all of it, or an exception and no position moved
            _pending[0] = (byte)'\n';
            _pendingLength = 1;
            return true;
        }
        catch (IOException ex)
        {
            WriteFailed(ex);
            return false;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            FlushPartialLines();
            _closed = true;
            TryWritePending(); // what is left, if the disk has room now
            _disposed = true;
            _file.Dispose(); // unbuffered: nothing to flush, nothing to throw
            _index.Dispose();
            _output.Dispose();
        }
    }
}
