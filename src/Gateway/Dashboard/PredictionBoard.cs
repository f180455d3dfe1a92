using System.Collections.Concurrent;
using Gateway.Admission;
using Gateway.Hosting;

namespace Gateway.Dashboard;

/// <summary>
/// The latest posted throttle prediction per function, with the function's counters at the moment it was posted
/// (the baseline "admitted since" is counted from). Posting replaces the previous one.
/// </summary>
internal sealed class PredictionBoard
{
    /// <summary>A run's length is bounded so a posted prediction stays small.</summary>
    public const int MaxSeconds = 3600;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public void Post(FunctionRuntime function, ThrottlePredictionRequest request) =>
        _entries[function.Name] = new Entry(request, function.Admission.Admitted, ThrottleTotal(function));

    public bool TryGet(string functionName, out Entry entry) => _entries.TryGetValue(functionName, out entry!);

    internal static long ThrottleTotal(FunctionRuntime function)
    {
        long sum = 0;
        foreach (var reason in Enum.GetValues<ThrottleReason>())
        {
            if (reason != ThrottleReason.None)
            {
                sum += function.Metrics.Throttles(reason);
            }
        }
        return sum;
    }

    internal sealed class Entry(ThrottlePredictionRequest request, long admittedBaseline, long throttledBaseline)
    {
        public ThrottlePredictionRequest Request { get; } = request;

        public long AdmittedBaseline { get; } = admittedBaseline;

        public long ThrottledBaseline { get; } = throttledBaseline;

        /// <summary>Counts frozen once the run and its grace ended (set by the feed's single timer loop only).</summary>
        public (long Admitted, long Throttled)? Final { get; set; }
    }
}
