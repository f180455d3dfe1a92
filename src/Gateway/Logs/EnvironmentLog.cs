using System.Net.Sockets;
using System.Text;
using System.Text.Unicode;

namespace Gateway.Logs;

/// <summary>
/// One execution environment's log stream: the worker's stdout and stderr (one socket, so their lines keep
/// the order they were written in) framed by the platform's START/END/REPORT lines, written to the stream's
/// file, echoed to the console, and kept in a 4 KB tail ring for the invocation in progress.
/// </summary>
/// <remarks>
/// Output written before a runtime posts /response must land in that invocation's log and tail. The pump
/// therefore only waits for data with a zero-byte receive and takes bytes off the socket under the lock;
/// <see cref="DrainAsync"/> checks, under the same lock, that nothing is left unread (FIONREAD). Bytes the
/// worker wrote before /response are in the socket by the time /response arrives, so none can be missed.
/// </remarks>
internal sealed class EnvironmentLog : IDisposable
{
    private const int MaxLine = 64 * 1024;

    private readonly object _lock = new();
    private readonly Socket _output;
    private readonly FileStream _file;
    private readonly ConsoleEcho? _console;
    private readonly byte[] _consolePrefix;
    private readonly LogTailRing _tail = new();
    private readonly byte[] _readBuffer = new byte[16 * 1024];
    private readonly byte[] _line = new byte[MaxLine];
    private int _lineLength;
    private bool _capturing;
    private bool _closed;
    private bool _dirty;

    public EnvironmentLog(Socket output, string filePath, string functionName, ConsoleEcho? console)
    {
        _output = output;
        // Bytes are only taken off the socket after a zero-byte receive said they are there, but a receive that
        // could block while holding the lock would stall every invocation of this environment: never block.
        _output.Blocking = false;
        Directory.CreateDirectory(Path.GetDirectoryName(filePath)!);
        _file = new FileStream(filePath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);
        _console = console;
        _consolePrefix = Encoding.UTF8.GetBytes("[" + functionName + "] ");
        FilePath = filePath;
    }

    public string FilePath { get; }

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
                        FlushPartialLine();
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

    /// <summary>START line; from here until <see cref="End"/>, lines also go to the invocation's tail.</summary>
    public void Begin(string requestId, string version)
    {
        Span<byte> line = stackalloc byte[256];
        Utf8.TryWrite(line, $"START RequestId: {requestId} Version: {version}", out int n);
        lock (_lock)
        {
            _tail.Clear();
            _capturing = true;
            Emit(line[..n]);
        }
    }

    /// <summary>Writes a platform line (timeout notice, init report) into the stream.</summary>
    public void WritePlatformLine(ReadOnlySpan<byte> line)
    {
        lock (_lock)
        {
            Emit(line);
        }
    }

    /// <summary>END and REPORT lines; returns the tail's base64 when <paramref name="wantTail"/>.</summary>
    public string? End(in ReportLine report, bool wantTail)
    {
        Span<byte> line = stackalloc byte[512];
        lock (_lock)
        {
            FlushPartialLine();
            Utf8.TryWrite(line, $"END RequestId: {report.RequestId}", out int n);
            Emit(line[..n]);
            n = report.Format(line);
            Emit(line[..n]);
            _capturing = false;
            return wantTail ? _tail.ToBase64() : null;
        }
    }

    /// <summary>Pushes buffered file writes to the OS (called by the log flusher's timer and at shutdown).</summary>
    public void Flush()
    {
        lock (_lock)
        {
            if (_dirty)
            {
                _file.Flush();
                _dirty = false;
            }
        }
    }

    private void Process(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            int newline = data.IndexOf((byte)'\n');
            var piece = newline >= 0 ? data[..newline] : data;
            int room = MaxLine - _lineLength;
            if (piece.Length > room)
            {
                // An over-long line is split rather than buffered without bound.
                piece[..room].CopyTo(_line.AsSpan(_lineLength));
                _lineLength = MaxLine;
                FlushPartialLine();
                data = data[room..];
                continue;
            }
            piece.CopyTo(_line.AsSpan(_lineLength));
            _lineLength += piece.Length;
            if (newline < 0)
            {
                return;
            }
            FlushPartialLine();
            data = data[(newline + 1)..];
        }
    }

    private void FlushPartialLine()
    {
        if (_lineLength > 0)
        {
            Emit(_line.AsSpan(0, _lineLength));
            _lineLength = 0;
        }
    }

    private void Emit(ReadOnlySpan<byte> line)
    {
        _file.Write(line);
        _file.WriteByte((byte)'\n');
        _dirty = true;
        _console?.WriteLine(_consolePrefix, line);
        if (_capturing)
        {
            _tail.Append(line);
            _tail.Append("\n"u8);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            FlushPartialLine();
            _closed = true;
            _file.Dispose();
            _output.Dispose();
        }
    }
}
