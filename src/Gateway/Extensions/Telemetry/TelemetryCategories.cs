namespace Gateway.Extensions.Telemetry;

/// <summary>The <c>types</c> a subscriber asks for: each event belongs to one.</summary>
[Flags]
internal enum TelemetryCategories
{
    None = 0,
    Platform = 1,
    Function = 2,
    Extension = 4,
}

internal static class TelemetryCategoriesText
{
    public static TelemetryCategories Parse(string? name) => name switch
    {
        "platform" => TelemetryCategories.Platform,
        "function" => TelemetryCategories.Function,
        "extension" => TelemetryCategories.Extension,
        _ => TelemetryCategories.None,
    };
}

/// <summary>
/// What an event is, for the filter of each API: the Telemetry API carries the init events and
/// <c>platform.telemetrySubscription</c>; the Logs API (runtimes-logs-api.html) has none of those, but
/// <c>platform.end</c>, <c>platform.fault</c> and <c>platform.logsSubscription</c>, and <c>platform.runtimeDone</c>
/// only from its schema 2021-03-18.
/// </summary>
internal enum TelemetryEventKind
{
    /// <summary>A line of the function's (or an extension's) output: both APIs.</summary>
    Log,
    /// <summary>platform.start, platform.report, platform.extension, platform.logsDropped: both APIs.</summary>
    Shared,
    /// <summary>platform.runtimeDone: the Telemetry API, and the Logs API from schema 2021-03-18.</summary>
    RuntimeDone,
    /// <summary>platform.initStart, platform.initRuntimeDone, platform.initReport, platform.telemetrySubscription.</summary>
    TelemetryOnly,
    /// <summary>platform.end, platform.fault, platform.logsSubscription.</summary>
    LogsOnly,
}
