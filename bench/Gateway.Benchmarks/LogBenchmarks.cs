using BenchmarkDotNet.Attributes;
using Gateway.Logs;

namespace Gateway.Benchmarks;

/// <summary>
/// Per-line and per-invocation log work: <see cref="LogTailRing.Append"/> of one function log line (plus its
/// newline, as EnvironmentLog does), the X-Amz-Log-Result tail (<see cref="LogTailRing.ToBase64"/> of a full
/// 4 KB ring) and the REPORT line (<see cref="ReportLine.Format"/>).
/// </summary>
[MemoryDiagnoser]
[GcServer(false)]
[GcConcurrent(false)]
public class LogBenchmarks
{
    private readonly LogTailRing _ring = new();
    private readonly byte[] _destination = new byte[1024];
    private byte[] _line = null!;
    private ReportLine _warm;
    private ReportLine _cold;

    [GlobalSetup]
    public void Setup()
    {
        _line = "2026-11-22T06:00:00.000Z\t8476a536-e9f4-11e8-9739-2dfe598c3fcd\tINFO\tprocessed order 12345 in 3 ms (cache hit)"u8.ToArray();
        while (_ring.CopyTo(new byte[LogTailRing.Capacity]) < LogTailRing.Capacity)
        {
            _ring.Append(_line);
            _ring.Append("\n"u8);
        }
        string id = Guid.NewGuid().ToString("D");
        _warm = new ReportLine(id, 26.734, null, 128, 75, null);
        _cold = new ReportLine(id, 26.734, 166.621, 128, 75, "error");
    }

    /// <summary>One log line into the tail ring (every line a function writes).</summary>
    [Benchmark(Baseline = true)]
    public int AppendLine()
    {
        _ring.Append(_line);
        _ring.Append("\n"u8);
        return _line.Length;
    }

    /// <summary>One line, then the base64 tail of the full ring (only when the caller asked for LogType=Tail).</summary>
    [Benchmark]
    public int AppendLineAndToBase64()
    {
        _ring.Append(_line);
        _ring.Append("\n"u8);
        return _ring.ToBase64().Length;
    }

    /// <summary>The REPORT line of a warm invocation.</summary>
    [Benchmark]
    public int ReportLine_Format() => _warm.Format(_destination);

    /// <summary>The REPORT line with Init Duration and Status (a cold start that failed).</summary>
    [Benchmark]
    public int ReportLine_FormatColdError() => _cold.Format(_destination);
}
