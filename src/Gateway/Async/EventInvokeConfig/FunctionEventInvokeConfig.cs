namespace Gateway.Async.EventInvokeConfig;

/// <summary>
/// One function's configured FunctionEventInvokeConfig (immutable; replaced whole on every change). Null limits
/// mean "not set": AWS leaves them out of its answers and applies its defaults (2 retries, 21,600 s).
/// Destinations are the configured strings (validated), or null.
/// </summary>
internal sealed record FunctionEventInvokeConfig(
    int? MaximumRetryAttempts,
    int? MaximumEventAgeInSeconds,
    string? OnSuccess,
    string? OnFailure,
    DateTimeOffset LastModified)
{
    /// <summary>The settings the Event queue applies, with AWS's defaults for what is not set.</summary>
    public AsyncInvokeSettings ToSettings(string? deadLetterTargetArn) => new(
        MaximumRetryAttempts ?? AsyncInvokeSettings.DefaultMaximumRetryAttempts,
        MaximumEventAgeInSeconds ?? AsyncInvokeSettings.DefaultMaximumEventAgeInSeconds,
        OnSuccess,
        OnFailure,
        deadLetterTargetArn);

    /// <summary>PutFunctionEventInvokeConfig: the document replaces everything; what it leaves out is unset.</summary>
    public static FunctionEventInvokeConfig FromPut(EventInvokeConfigDocument document, DateTimeOffset now) => new(
        document.MaximumRetryAttempts,
        document.MaximumEventAgeInSeconds,
        Normalize(document.DestinationConfig?.OnSuccess?.Destination),
        Normalize(document.DestinationConfig?.OnFailure?.Destination),
        now);

    /// <summary>
    /// UpdateFunctionEventInvokeConfig: only what the document names changes. Each of OnSuccess and OnFailure
    /// is replaced when present in DestinationConfig (<c>{}</c> clears it) and kept when absent.
    /// </summary>
    public FunctionEventInvokeConfig Merge(EventInvokeConfigDocument document, DateTimeOffset now) => new(
        document.MaximumRetryAttempts ?? MaximumRetryAttempts,
        document.MaximumEventAgeInSeconds ?? MaximumEventAgeInSeconds,
        document.DestinationConfig?.OnSuccess is { } onSuccess ? Normalize(onSuccess.Destination) : OnSuccess,
        document.DestinationConfig?.OnFailure is { } onFailure ? Normalize(onFailure.Destination) : OnFailure,
        now);

    /// <summary>AWS's DestinationArn pattern admits the empty string: it means no destination.</summary>
    public static string? Normalize(string? destination) => string.IsNullOrEmpty(destination) ? null : destination;

    public FunctionEventInvokeConfigResponse ToResponse(string qualifiedFunctionArn) => new()
    {
        LastModified = Math.Round(LastModified.ToUnixTimeMilliseconds() / 1000.0, 3),
        FunctionArn = qualifiedFunctionArn,
        MaximumRetryAttempts = MaximumRetryAttempts,
        MaximumEventAgeInSeconds = MaximumEventAgeInSeconds,
        DestinationConfig = new DestinationConfigDocument
        {
            OnSuccess = new DestinationDocument { Destination = OnSuccess },
            OnFailure = new DestinationDocument { Destination = OnFailure },
        },
    };
}
