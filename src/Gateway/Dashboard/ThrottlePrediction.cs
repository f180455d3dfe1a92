namespace Gateway.Dashboard;

/// <summary>
/// <c>POST /_gateway/prediction</c>: what a throttle model predicts for a run that starts at <see cref="StartUnixMs"/>,
/// second by second (loadtests' harness posts it before it sends: the same numbers it prints beside the 200s and 429s).
/// The gateway does not recompute the model; it shows the prediction beside what it admitted.
/// </summary>
internal sealed class ThrottlePredictionRequest
{
    public string? FunctionName { get; init; }

    /// <summary>A line describing the model and its parameters (shown as is).</summary>
    public string? Model { get; init; }

    /// <summary>The Reason the excess should be throttled with.</summary>
    public string? Reason { get; init; }

    public long StartUnixMs { get; init; }

    /// <summary>Seconds after the last one during which answers still count (the harness's --grace).</summary>
    public double GraceSeconds { get; init; }

    public List<PredictedSecond>? Seconds { get; init; }
}

internal sealed class PredictedSecond
{
    public long Admitted { get; init; }

    public long Throttled { get; init; }
}
