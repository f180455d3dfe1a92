namespace Gateway.Functions;

/// <summary>
/// A version's LoggingConfig as Lambda applies it: the format of the platform's lines (Text: START/END/REPORT;
/// JSON: <c>platform.*</c> objects), the levels Lambda filters at (JSON only), and the log group the streams belong
/// to. <see cref="Effective"/> fills AWS's defaults (Text; INFO/INFO with JSON; <c>/aws/lambda/NAME</c>).
/// </summary>
internal sealed record FunctionLogging
{
    public const string Text = "Text";
    public const string Json = "JSON";

    /// <summary>Text or JSON.</summary>
    public string LogFormat { get; init; } = Text;

    /// <summary>TRACE … FATAL; null in Text format (AWS shows no levels then).</summary>
    public string? ApplicationLogLevel { get; init; }

    /// <summary>DEBUG, INFO or WARN; null in Text format.</summary>
    public string? SystemLogLevel { get; init; }

    /// <summary>A custom log group, or null for the default <c>/aws/lambda/NAME</c>.</summary>
    public string? LogGroup { get; init; }

    public static readonly FunctionLogging Default = new();

    public bool IsJson => LogFormat == Json;

    public string LogGroupFor(string functionName) => LogGroup ?? "/aws/lambda/" + functionName;

    /// <summary>
    /// The stream's name before the environment's id: <c>2026/12/07/[$LATEST]</c> in the function's own group, and
    /// with the function's name in a custom one (<c>2026/12/07/orders[$LATEST]</c>), so that functions sharing a group
    /// keep their streams apart ("Configuring CloudWatch log groups": <c>YYYY/MM/DD/&lt;function_name&gt;[&lt;function_version&gt;]…</c>).
    /// </summary>
    public string StreamPrefix(DateTime createdUtc, string functionName, string version)
    {
        // A group set to the function's own default is not custom: its streams are the default group's, as if unset
        // (AWS's naming for that case is unrecorded; this keeps one function's streams named one way).
        bool custom = LogGroup is { } group && group != "/aws/lambda/" + functionName;
        return custom
            ? $"{createdUtc:yyyy'/'MM'/'dd}/{functionName}[{version}]"
            : $"{createdUtc:yyyy'/'MM'/'dd}/[{version}]";
    }

    /// <summary>The configuration with AWS's defaults: in JSON format both levels default to INFO.</summary>
    public FunctionLogging Effective() => IsJson
        ? this with { ApplicationLogLevel = ApplicationLogLevel ?? "INFO", SystemLogLevel = SystemLogLevel ?? "INFO" }
        : this with { ApplicationLogLevel = null, SystemLogLevel = null };

    /// <summary>Lambda's level order, most detail first (TRACE 0 … FATAL 5); -1 for an unknown name.</summary>
    public static int LevelRank(string? level) => level?.ToUpperInvariant() switch
    {
        "TRACE" => 0,
        "DEBUG" => 1,
        "INFO" => 2,
        "WARN" or "WARNING" => 3,
        "ERROR" => 4,
        "FATAL" or "CRITICAL" => 5,
        _ => -1,
    };
}
