namespace Gateway.RuntimeApi;

/// <summary>The Runtime API endpoints (paths under <c>/2018-06-01/runtime/</c>).</summary>
internal enum RuntimeRoute
{
    Unknown,
    Next,
    Response,
    Error,
    InitError,

    /// <summary>GET <c>/2018-06-01/ping</c>: "pong", as AWS's emulator still answers (RuntimeReplies.Pong).</summary>
    Ping,

    /// <summary>POST <c>/2020-01-01/extension/register</c> (the Extensions API, Extensions/).</summary>
    ExtensionRegister,

    /// <summary>GET <c>/2020-01-01/extension/event/next</c>.</summary>
    ExtensionNext,

    /// <summary>POST <c>/2020-01-01/extension/init/error</c>.</summary>
    ExtensionInitError,

    /// <summary>POST <c>/2020-01-01/extension/exit/error</c>.</summary>
    ExtensionExitError,

    /// <summary>GET <c>/_gateway/extensions/launched</c>: the extensions launcher waits for every registration.</summary>
    LauncherLaunched,

    /// <summary>POST <c>/_gateway/extensions/exited</c>: the launcher reports an extension's exit status.</summary>
    LauncherExited,

    /// <summary>PUT <c>/2022-07-01/telemetry</c>: the Telemetry API's subscription (Extensions/Telemetry/).</summary>
    TelemetrySubscribe,

    /// <summary>PUT <c>/2020-08-15/logs</c>: the Logs API's subscription.</summary>
    LogsSubscribe,
}

internal enum RuntimeMethod
{
    Other,
    Get,
    Post,
    Put,
}

/// <summary>What the gateway needs from one HTTP/1.1 request head sent by a runtime.</summary>
internal struct RuntimeRequestHead
{
    public RuntimeMethod Method;
    public RuntimeRoute Route;

    /// <summary>Length of the request id copied into the caller's id buffer (Response and Error routes).</summary>
    public int RequestIdLength;

    /// <summary>Content-Length, or -1 when absent.</summary>
    public long ContentLength;

    public bool Chunked;
    public bool ExpectContinue;
    public bool ConnectionClose;

    /// <summary>Lambda-Runtime-Function-Error-Type, when sent.</summary>
    public string? ErrorType;

    /// <summary>Lambda-Runtime-Function-Response-Mode, when sent (only "streaming" is valid).</summary>
    public string? ResponseMode;

    /// <summary>Content-Type, when sent: a streamed body's type. <c>application/vnd.awslambda.http-integration-response</c>
    /// (<see cref="Streaming.StreamContentTypes.HttpIntegration"/>, the same string) marks a body that begins with a JSON
    /// prelude and 8 NUL bytes (function URLs); any other is what a plain stream is served as.</summary>
    public string? ContentType;

    /// <summary>Lambda-Extension-Name, when sent.</summary>
    public string? ExtensionName;

    /// <summary>Lambda-Extension-Identifier, when sent.</summary>
    public string? ExtensionId;

    /// <summary>Lambda-Extension-Function-Error-Type, when sent.</summary>
    public string? ExtensionErrorType;

    /// <summary>Lambda-Extension-Accept-Feature, when sent.</summary>
    public string? ExtensionAcceptFeature;

    /// <summary>True when the request id in the path did not fit the id buffer (it cannot be a valid id).</summary>
    public bool RequestIdTooLong;
}

internal enum ParseStatus
{
    Incomplete,
    Complete,
    Invalid,
    TooLarge,
}
