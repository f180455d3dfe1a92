using System.Text.Unicode;

namespace Gateway.Logs;

/// <summary>
/// The platform's lines in LoggingConfig's JSON format, as Lambda writes them to the log group: one object per line,
/// <c>{"time":"…","type":"platform.start","record":{"requestId":"…","version":"$LATEST"}}</c>, and
/// <c>platform.report</c> with its <c>metrics</c> (durationMs, billedDurationMs, memorySizeMB, maxMemoryUsedMB and,
/// on a cold start, initDurationMs). Each event has the level Lambda's SystemLogLevel filters on: initStart, start,
/// initReport and report are INFO; runtimeDone is DEBUG (the Telemetry API's event shapes, 2022-07-01 schema).
/// Written into a caller's span: the values are request ids, versions, names and numbers, none of which need escaping.
/// </summary>
internal static class JsonPlatformLines
{
    public const int Debug = 1;
    public const int Info = 2;

    public static int Start(Span<byte> destination, DateTimeOffset time, string requestId, string version)
    {
        Utf8.TryWrite(destination, $"{{\"time\":\"{time.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}\",\"type\":\"platform.start\",\"record\":{{\"requestId\":\"{requestId}\",\"version\":\"{version}\"}}}}", out int n);
        return n;
    }

    /// <summary>platform.runtimeDone: requestId, status, errorType (failure and error only), then metrics (durationMs,
    /// producedBytes), as the schema reference's example orders them.</summary>
    public static int RuntimeDone(Span<byte> destination, DateTimeOffset time, string requestId, in RuntimeDoneRecord record)
    {
        Utf8.TryWrite(destination, $"{{\"time\":\"{time.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}\",\"type\":\"platform.runtimeDone\",\"record\":{{\"requestId\":\"{requestId}\",\"status\":\"{record.Status}\"", out int n);
        int m;
        if (record.ErrorType is { } errorType)
        {
            Utf8.TryWrite(destination[n..], $",\"errorType\":\"{Safe(errorType)}\"", out m);
            n += m;
        }
        Utf8.TryWrite(destination[n..], $",\"metrics\":{{\"durationMs\":", out m);
        n += m;
        TwoDecimals.TryWrite(Math.Max(0, record.DurationMs ?? 0), destination[n..], out m);
        n += m;
        if (record.ProducedBytes is { } bytes)
        {
            Utf8.TryWrite(destination[n..], $",\"producedBytes\":{bytes}", out m);
            n += m;
        }
        Utf8.TryWrite(destination[n..], $"}}}}}}", out m);
        return n + m;
    }

    /// <summary>An error type as a JSON string's content: it comes from a runtime's or an extension's header, so it is
    /// cut to 128 characters, and to 40 when it needs escaping (the events are written into fixed spans). The usual ones need neither.</summary>
    private static string Safe(string errorType)
    {
        var text = errorType.Length > 128 ? errorType[..128] : errorType;
        foreach (char c in text)
        {
            if (c < 0x20 || c == '"' || c == '\\' || c > 0x7E)
            {
                return System.Text.Json.JsonEncodedText.Encode(text[..Math.Min(text.Length, 40)]).Value; // ≤ 6 bytes each
            }
        }
        return text;
    }

    /// <summary><c>,"errorType":"…"</c> when there is one (the Telemetry API's optional member of runtimeDone and report
    /// when the status is not success, as the Text REPORT's <c>Error Type:</c>), then the record's and the line's ends.</summary>
    private static int ErrorTypeAndClose(Span<byte> destination, string? errorType)
    {
        int m;
        if (errorType is not null)
        {
            Utf8.TryWrite(destination, $",\"errorType\":\"{Safe(errorType)}\"}}}}", out m);
        }
        else
        {
            Utf8.TryWrite(destination, $"}}}}", out m);
        }
        return m;
    }

    public static int Report(Span<byte> destination, DateTimeOffset time, in ReportLine report)
    {
        // The durations through TwoDecimals, as on the Text REPORT line (F2's output without the double formatter).
        Utf8.TryWrite(destination,
            $"{{\"time\":\"{time.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}\",\"type\":\"platform.report\",\"record\":{{\"requestId\":\"{report.RequestId}\",\"metrics\":{{\"durationMs\":",
            out int n);
        TwoDecimals.TryWrite(report.DurationMs, destination[n..], out int m);
        n += m;
        Utf8.TryWrite(destination[n..],
            $",\"billedDurationMs\":{report.BilledDurationMs},\"memorySizeMB\":{report.MemorySizeMb},\"maxMemoryUsedMB\":{report.MaxMemoryUsedMb}",
            out m);
        n += m;
        if (report.InitDurationMs is { } init)
        {
            Utf8.TryWrite(destination[n..], $",\"initDurationMs\":", out m);
            n += m;
            TwoDecimals.TryWrite(init, destination[n..], out m);
            n += m;
        }
        Utf8.TryWrite(destination[n..], $"}},\"status\":\"{report.Status ?? "success"}\"", out m);
        n += m;
        return n + ErrorTypeAndClose(destination[n..], report.ErrorType);
    }

    /// <summary>platform.initStart's record in the Telemetry API schema's order: initializationType, phase,
    /// runtimeVersion, runtimeVersionArn, functionName, functionVersion.</summary>
    public static int InitStart(Span<byte> destination, DateTimeOffset time, bool provisioned, string runtimeVersion, string runtimeVersionArn, string functionName, string version)
    {
        Utf8.TryWrite(destination,
            $"{{\"time\":\"{time.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}\",\"type\":\"platform.initStart\",\"record\":{{\"initializationType\":\"{(provisioned ? "provisioned-concurrency" : "on-demand")}\",\"phase\":\"init\",\"runtimeVersion\":\"{runtimeVersion}\",\"runtimeVersionArn\":\"{runtimeVersionArn}\",\"functionName\":\"{functionName}\",\"functionVersion\":\"{version}\"}}}}",
            out int n);
        return n;
    }

    public static int InitReport(Span<byte> destination, DateTimeOffset time, double initDurationMs, string status, string? errorType, InitPhase phase = InitPhase.Init)
    {
        Utf8.TryWrite(destination,
            $"{{\"time\":\"{time.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}\",\"type\":\"platform.initReport\",\"record\":{{\"initializationType\":\"on-demand\",\"phase\":\"{InitPhaseText.Of(phase)}\",\"status\":\"{status}\"",
            out int n);
        int m;
        if (errorType is not null)
        {
            Utf8.TryWrite(destination[n..], $",\"errorType\":\"{Safe(errorType)}\"", out m);
            n += m;
        }
        Utf8.TryWrite(destination[n..], $",\"metrics\":{{\"durationMs\":{initDurationMs:F2}}}}}}}", out m);
        return n + m;
    }

    /// <summary>platform.extension: one extension's state at the end of init (the Telemetry API's name, state, events).</summary>
    public static int Extension(Span<byte> destination, DateTimeOffset time, string name, string state, string[] events)
    {
        var quoted = string.Join(',', events.Select(static e => "\"" + e + "\""));
        Utf8.TryWrite(destination,
            $"{{\"time\":\"{time.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}\",\"type\":\"platform.extension\",\"record\":{{\"name\":\"{System.Text.Json.JsonEncodedText.Encode(name)}\",\"state\":\"{state}\",\"events\":[{quoted}]}}}}",
            out int n);
        return n;
    }
}
