using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Gateway.LoadTests;

/// <summary>One second of the time series.</summary>
internal readonly record struct SecondRow(int Second, bool Warmup, long Requests, double P50Ms, double P99Ms, double MaxMs,
    long Ok2xx, long Throttled429, long Other4xx, long Server5xx, long Errors, long FunctionErrors, SortedDictionary<int, long> Statuses);

/// <summary>Summary and time series: stdout RESULT line, summary.json, timeseries.json/.csv, chart.html (inline SVG).</summary>
internal static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static List<SecondRow> Rows(Options options, Recorder recorder)
    {
        var rows = new List<SecondRow>();
        for (int s = 0; s < options.WarmupSeconds + options.DurationSeconds; s++)
        {
            var slot = recorder.Peek(s);
            var statuses = new SortedDictionary<int, long>();
            long ok = 0, throttled = 0, other4 = 0, server5 = 0, errors = 0;
            if (slot is not null)
            {
                for (int code = 0; code < slot.StatusCounts.Length; code++)
                {
                    long c = slot.StatusCounts[code];
                    if (c == 0)
                    {
                        continue;
                    }
                    statuses[code] = c;
                    switch (code)
                    {
                        case 0: errors += c; break;
                        case 429: throttled += c; break;
                        case >= 200 and < 300: ok += c; break;
                        case >= 400 and < 500: other4 += c; break;
                        default: server5 += c; break;
                    }
                }
            }
            rows.Add(new SecondRow(s, s < options.WarmupSeconds, slot?.Requests ?? 0,
                LoadRunner.Ms(slot?.Latency.ValueAtPercentile(50) ?? 0), LoadRunner.Ms(slot?.Latency.ValueAtPercentile(99) ?? 0),
                LoadRunner.Ms(slot?.Latency.MaxNanos ?? 0), ok, throttled, other4, server5, errors, slot?.FunctionErrors ?? 0, statuses));
        }
        return rows;
    }

    public static LatencyHistogram Measured(Options options, Recorder recorder)
    {
        var all = new LatencyHistogram();
        for (int s = options.WarmupSeconds; s < options.WarmupSeconds + options.DurationSeconds; s++)
        {
            if (recorder.Peek(s) is { } slot)
            {
                all.Add(slot.Latency);
            }
        }
        return all;
    }

    public static string ResultLine(Options options, RunResult result, List<SecondRow> rows, LatencyHistogram measured)
    {
        var m = rows.Where(r => !r.Warmup).ToList();
        string cpu = result.Cpu is { } w && measured.TotalCount > 0 ? CpuFields(w, measured.TotalCount / (double)options.DurationSeconds) : "";
        string lag = options.OpenLoop ? string.Create(Inv, $" send_lag_p99_ms={LoadRunner.Ms(result.SendLag.ValueAtPercentile(99)):F3}") : "";
        return string.Create(Inv,
            $"RESULT label={options.Label} mode={(options.OpenLoop ? "open" : "closed")} rate={options.Rate} connections={options.Connections} " +
            $"rps={measured.TotalCount / (double)options.DurationSeconds:F0} p50_ms={LoadRunner.Ms(measured.ValueAtPercentile(50)):F3} " +
            $"p90_ms={LoadRunner.Ms(measured.ValueAtPercentile(90)):F3} p99_ms={LoadRunner.Ms(measured.ValueAtPercentile(99)):F3} " +
            $"p999_ms={LoadRunner.Ms(measured.ValueAtPercentile(99.9)):F3} max_ms={LoadRunner.Ms(measured.MaxNanos):F3} " +
            $"ok={m.Sum(r => r.Ok2xx)} throttled={m.Sum(r => r.Throttled429)} other4xx={m.Sum(r => r.Other4xx)} 5xx={m.Sum(r => r.Server5xx)} " +
            $"errors={m.Sum(r => r.Errors)} function_errors={m.Sum(r => r.FunctionErrors)} unsent_due={result.UnsentDue} in_flight_at_end={result.InFlightAtEnd}{lag}{cpu}");
    }

    /// <summary>CPU µs per request: ticks over the sampled window ÷ the window's seconds ÷ the measured request rate.</summary>
    private static string CpuFields(CpuWindow w, double requestsPerSecond)
    {
        double PerRequest(long ticks) => ticks * 1_000_000.0 / ProcessCpu.TicksPerSecond / w.Seconds / requestsPerSecond;
        return string.Create(Inv,
            $" server_self_us={PerRequest(w.End.Roots - w.Start.Roots):F1} server_tree_us={PerRequest(w.End.Tree - w.Start.Tree):F1} " +
            $"harness_us={PerRequest(w.End.Self - w.Start.Self):F1} cpu_window_s={w.Seconds:F2} server_processes={w.Start.Processes}/{w.End.Processes}");
    }

    public static void Write(string directory, Options options, RunResult result, List<SecondRow> rows, LatencyHistogram measured)
    {
        Directory.CreateDirectory(directory);
        WriteSummary(Path.Combine(directory, "summary.json"), options, result, rows, measured);
        WriteSeriesJson(Path.Combine(directory, "timeseries.json"), rows);
        WriteCsv(Path.Combine(directory, "timeseries.csv"), rows);
        File.WriteAllText(Path.Combine(directory, "chart.html"), Chart(options, rows, measured));
    }

    private static void WriteSummary(string path, Options options, RunResult result, List<SecondRow> rows, LatencyHistogram h)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        var m = rows.Where(r => !r.Warmup).ToList();
        json.WriteStartObject();
        json.WriteString("label", options.Label);
        json.WriteString("url", options.Url.ToString());
        json.WriteString("function", options.Function);
        json.WriteString("invocationType", options.InvocationType);
        json.WriteString("mode", options.OpenLoop ? "open" : "closed");
        json.WriteNumber("rate", options.Rate);
        json.WriteNumber("connections", options.Connections);
        json.WriteNumber("durationSeconds", options.DurationSeconds);
        json.WriteNumber("warmupSeconds", options.WarmupSeconds);
        json.WriteNumber("requests", h.TotalCount);
        json.WriteNumber("requestsPerSecond", Math.Round(h.TotalCount / (double)options.DurationSeconds, 1));
        json.WriteStartObject("latencyMs");
        foreach (var (name, p) in new[] { ("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("p99.9", 99.9), ("p99.99", 99.99) })
        {
            json.WriteNumber(name, Math.Round(LoadRunner.Ms(h.ValueAtPercentile(p)), 4));
        }
        json.WriteNumber("min", Math.Round(LoadRunner.Ms(h.MinNanos), 4));
        json.WriteNumber("max", Math.Round(LoadRunner.Ms(h.MaxNanos), 4));
        json.WriteEndObject();
        json.WriteStartObject("statuses");
        foreach (var group in m.SelectMany(r => r.Statuses).GroupBy(kv => kv.Key).OrderBy(g => g.Key))
        {
            json.WriteNumber(group.Key == 0 ? "transportError" : group.Key.ToString(Inv), group.Sum(kv => kv.Value));
        }
        json.WriteEndObject();
        json.WriteNumber("functionErrors", m.Sum(r => r.FunctionErrors));
        json.WriteNumber("unsentDueAtEnd", result.UnsentDue);
        json.WriteNumber("inFlightAtEnd", result.InFlightAtEnd);
        if (options.OpenLoop)
        {
            json.WriteNumber("sendLagP99Ms", Math.Round(LoadRunner.Ms(result.SendLag.ValueAtPercentile(99)), 4));
            json.WriteNumber("sendLagMaxMs", Math.Round(LoadRunner.Ms(result.SendLag.MaxNanos), 4));
        }
        json.WriteEndObject();
    }

    private static void WriteSeriesJson(string path, List<SecondRow> rows)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartArray();
        foreach (var r in rows)
        {
            json.WriteStartObject();
            json.WriteNumber("second", r.Second);
            json.WriteBoolean("warmup", r.Warmup);
            json.WriteNumber("requests", r.Requests);
            json.WriteNumber("p50Ms", Math.Round(r.P50Ms, 4));
            json.WriteNumber("p99Ms", Math.Round(r.P99Ms, 4));
            json.WriteNumber("maxMs", Math.Round(r.MaxMs, 4));
            json.WriteNumber("functionErrors", r.FunctionErrors);
            json.WriteStartObject("statuses");
            foreach (var (code, count) in r.Statuses)
            {
                json.WriteNumber(code == 0 ? "transportError" : code.ToString(Inv), count);
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteCsv(string path, List<SecondRow> rows)
    {
        var csv = new StringBuilder("second,warmup,requests,p50_ms,p99_ms,max_ms,2xx,429,other_4xx,5xx,transport_errors,function_errors\n");
        foreach (var r in rows)
        {
            csv.Append(Inv, $"{r.Second},{(r.Warmup ? 1 : 0)},{r.Requests},{r.P50Ms:F4},{r.P99Ms:F4},{r.MaxMs:F4},{r.Ok2xx},{r.Throttled429},{r.Other4xx},{r.Server5xx},{r.Errors},{r.FunctionErrors}\n");
        }
        File.WriteAllText(path, csv.ToString());
    }

    // ---- chart: three stacked SVG panels, no scripts, no external files ----

    private const int W = 900, H = 180, Left = 70, Right = 20, Top = 20, Bottom = 25;

    private static string Chart(Options options, List<SecondRow> rows, LatencyHistogram h)
    {
        var html = new StringBuilder();
        html.Append("<!doctype html><html><head><meta charset=\"utf-8\"><title>").Append(Escape(options.Label))
            .Append("</title><style>body{font:13px sans-serif;margin:20px} svg{display:block;margin-bottom:14px} text{font:11px sans-serif}</style></head><body>");
        html.Append(Inv, $"<h3>{Escape(options.Label)}: {(options.OpenLoop ? $"open loop {options.Rate:F0} req/s" : "closed loop")}, {options.Connections} connections, {Escape(options.Url + " " + options.Function)}</h3>");
        html.Append(Inv, $"<p>{h.TotalCount / (double)options.DurationSeconds:F0} req/s measured; p50 {LoadRunner.Ms(h.ValueAtPercentile(50)):F3} ms, p99 {LoadRunner.Ms(h.ValueAtPercentile(99)):F3} ms, p99.9 {LoadRunner.Ms(h.ValueAtPercentile(99.9)):F3} ms, max {LoadRunner.Ms(h.MaxNanos):F3} ms. Shaded: warmup (not in the summary).</p>");

        double maxRps = Math.Max(1, rows.Max(r => r.Requests));
        html.Append(Panel("throughput (req/s)", rows, options.WarmupSeconds, 0, maxRps * 1.1, log: false,
            [("#1f77b4", rows.Select(r => (double)r.Requests).ToArray(), "req/s")]));

        double minMs = Math.Max(0.001, rows.Where(r => r.Requests > 0).Select(r => r.P50Ms).DefaultIfEmpty(0.01).Min() / 2);
        double maxMs = Math.Max(minMs * 10, rows.Max(r => r.MaxMs) * 1.5);
        html.Append(Panel("latency per second (ms, log scale)", rows, options.WarmupSeconds, minMs, maxMs, log: true,
            [("#2ca02c", rows.Select(r => r.P50Ms).ToArray(), "p50"), ("#ff7f0e", rows.Select(r => r.P99Ms).ToArray(), "p99"), ("#d62728", rows.Select(r => r.MaxMs).ToArray(), "max")]));

        double maxCount = Math.Max(1, rows.Max(r => r.Requests));
        html.Append(StatusPanel(rows, options.WarmupSeconds, maxCount * 1.1));
        html.Append("</body></html>");
        return html.ToString();
    }

    private static string Panel(string title, List<SecondRow> rows, int warmup, double min, double max, bool log, (string Color, double[] Values, string Name)[] series)
    {
        var svg = Frame(title, rows.Count, warmup, min, max, log);
        int legendX = Left + 10;
        foreach (var (color, values, name) in series)
        {
            var points = new StringBuilder();
            for (int i = 0; i < values.Length; i++)
            {
                if (rows[i].Requests == 0 && log)
                {
                    continue;
                }
                points.Append(Inv, $"{X(i + 0.5, rows.Count):F1},{Y(values[i], min, max, log):F1} ");
            }
            svg.Append(Inv, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.8\" points=\"{points}\"/>");
            svg.Append(Inv, $"<rect x=\"{legendX}\" y=\"{Top + 4}\" width=\"10\" height=\"10\" fill=\"{color}\"/><text x=\"{legendX + 14}\" y=\"{Top + 13}\">{name}</text>");
            legendX += 60;
        }
        return svg.Append("</svg>").ToString();
    }

    private static string StatusPanel(List<SecondRow> rows, int warmup, double max)
    {
        var svg = Frame("responses per second by status (stacked)", rows.Count, warmup, 0, max, log: false);
        (string Color, Func<SecondRow, long> Count, string Name)[] kinds =
        [
            ("#2ca02c", r => r.Ok2xx, "2xx"), ("#ff7f0e", r => r.Throttled429, "429"), ("#9467bd", r => r.Other4xx, "other 4xx"),
            ("#d62728", r => r.Server5xx, "5xx"), ("#000000", r => r.Errors, "transport error"),
        ];
        double barWidth = Math.Max(1, (W - Left - Right) / (double)rows.Count - 1);
        for (int i = 0; i < rows.Count; i++)
        {
            double stacked = 0;
            foreach (var (color, count, name) in kinds)
            {
                long c = count(rows[i]);
                if (c == 0)
                {
                    continue;
                }
                double y0 = Y(stacked, 0, max, false), y1 = Y(stacked + c, 0, max, false);
                svg.Append(Inv, $"<rect x=\"{X(i, rows.Count) + 0.5:F1}\" y=\"{y1:F1}\" width=\"{barWidth:F1}\" height=\"{Math.Max(0.5, y0 - y1):F1}\" fill=\"{color}\"><title>{i}s: {c} {Escape(name)}</title></rect>");
                stacked += c;
            }
        }
        int legendX = Left + 10;
        foreach (var (color, _, name) in kinds)
        {
            svg.Append(Inv, $"<rect x=\"{legendX}\" y=\"{Top + 4}\" width=\"10\" height=\"10\" fill=\"{color}\"/><text x=\"{legendX + 14}\" y=\"{Top + 13}\">{name}</text>");
            legendX += 90;
        }
        return svg.Append("</svg>").ToString();
    }

    private static StringBuilder Frame(string title, int seconds, int warmup, double min, double max, bool log)
    {
        var svg = new StringBuilder();
        svg.Append(Inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\">");
        svg.Append(Inv, $"<text x=\"{Left}\" y=\"12\" font-weight=\"bold\">{Escape(title)}</text>");
        if (warmup > 0)
        {
            svg.Append(Inv, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{X(warmup, seconds) - Left:F1}\" height=\"{H - Top - Bottom}\" fill=\"#eee\"/>");
        }
        svg.Append(Inv, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{W - Left - Right}\" height=\"{H - Top - Bottom}\" fill=\"none\" stroke=\"#999\"/>");
        // Y ticks: 5 linear, or one per decade.
        var ticks = new List<double>();
        if (log)
        {
            for (double t = Math.Pow(10, Math.Floor(Math.Log10(min))); t <= max; t *= 10)
            {
                if (t >= min) { ticks.Add(t); }
            }
        }
        else
        {
            for (int i = 0; i <= 4; i++) { ticks.Add(min + (max - min) * i / 4); }
        }
        foreach (double t in ticks)
        {
            double y = Y(t, min, max, log);
            svg.Append(Inv, $"<line x1=\"{Left}\" x2=\"{W - Right}\" y1=\"{y:F1}\" y2=\"{y:F1}\" stroke=\"#ddd\"/><text x=\"{Left - 4}\" y=\"{y + 4:F1}\" text-anchor=\"end\">{Label(t)}</text>");
        }
        int step = Math.Max(1, seconds / 15);
        for (int s = 0; s <= seconds; s += step)
        {
            svg.Append(Inv, $"<text x=\"{X(s, seconds):F1}\" y=\"{H - 8}\" text-anchor=\"middle\">{s}s</text>");
        }
        return svg;
    }

    private static double X(double second, int seconds) => Left + (W - Left - Right) * second / Math.Max(1, seconds);

    private static double Y(double value, double min, double max, bool log)
    {
        double f = log
            ? (Math.Log10(Math.Max(value, min)) - Math.Log10(min)) / (Math.Log10(max) - Math.Log10(min))
            : (value - min) / (max - min);
        return H - Bottom - Math.Clamp(f, 0, 1) * (H - Top - Bottom);
    }

    private static string Label(double v) => v >= 1000 ? (v / 1000).ToString("0.#", Inv) + "k" : v >= 1 ? v.ToString("0.##", Inv) : v.ToString("0.###", Inv);

    private static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal);
}
