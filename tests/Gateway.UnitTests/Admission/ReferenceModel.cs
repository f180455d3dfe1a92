using Gateway.Admission;

namespace Gateway.UnitTests.Admission;

/// <summary>
/// Lambda's admission rules written the plain way, to predict what <see cref="AdmissionController"/> must decide:
/// integer token counts refilled once per simulated millisecond, every check made before anything is taken (so
/// nothing ever needs rolling back). Shares no code with the controller.
/// </summary>
internal sealed class ReferenceModel
{
    /// <summary>One token, in units. A rate of R tokens per second adds 60·R units per millisecond, which is a whole
    /// number for every rate the scenarios use (100/s → 6,000; 500/min → 500; 10,000/s → 600,000).</summary>
    public const long Unit = 60_000;

    private readonly List<Bucket> _buckets = [];
    private readonly Dictionary<string, Function> _functions = new(StringComparer.Ordinal);
    private readonly int _limit;
    private readonly int _multiplier;
    private readonly Bucket _accountRate;
    private readonly Bucket? _accountBurst;
    private readonly long _burstCapacity;
    private readonly long _burstUnitsPerMs;
    private int _inFlight;
    private int _unreservedInFlight;

    /// <param name="burstUnitsPerMs">The burst refill in units per millisecond (60 × tokens per second).</param>
    public ReferenceModel(int accountLimit, int requestRateMultiplier, bool perFunctionBurst, long burstCapacity, long burstUnitsPerMs)
    {
        _limit = accountLimit;
        _multiplier = requestRateMultiplier;
        _burstCapacity = burstCapacity;
        _burstUnitsPerMs = burstUnitsPerMs;
        long rate = (long)requestRateMultiplier * accountLimit;
        _accountRate = NewBucket(rate, rate * 60);
        if (!perFunctionBurst)
        {
            _accountBurst = NewBucket(burstCapacity, burstUnitsPerMs);
        }
    }

    public int InFlight => _inFlight;

    public void AddFunction(string name, int? reserved)
    {
        var function = new Function { Reserved = reserved };
        if (reserved is > 0)
        {
            long rate = (long)_multiplier * reserved.Value;
            function.Rate = NewBucket(rate, rate * 60);
        }
        if (_accountBurst is null)
        {
            function.Burst = NewBucket(_burstCapacity, _burstUnitsPerMs);
        }
        _functions.Add(name, function);
    }

    /// <summary>One millisecond passes.</summary>
    public void Step()
    {
        foreach (var bucket in _buckets)
        {
            bucket.Units = Math.Min(bucket.Capacity * Unit, bucket.Units + bucket.UnitsPerMs);
        }
    }

    public ThrottleReason Admit(string name, bool needsNewEnvironment, bool chargeRequest = true)
    {
        var function = _functions[name];
        if (chargeRequest && _accountRate.Units < Unit)
        {
            return ThrottleReason.FunctionInvocationRateLimitExceeded;
        }
        if (chargeRequest && function.Rate is { } rate && rate.Units < Unit)
        {
            return ThrottleReason.ReservedFunctionInvocationRateLimitExceeded;
        }
        int reservedTotal = _functions.Values.Sum(f => f.Reserved ?? 0);
        if (function.Reserved is int reserved && function.InFlight >= reserved)
        {
            return ThrottleReason.ReservedFunctionConcurrentInvocationLimitExceeded;
        }
        if (function.Reserved is null && _unreservedInFlight >= _limit - reservedTotal)
        {
            return ThrottleReason.ConcurrentInvocationLimitExceeded;
        }
        if (_inFlight >= _limit)
        {
            return ThrottleReason.ConcurrentInvocationLimitExceeded;
        }
        var burst = function.Burst ?? _accountBurst!;
        if (needsNewEnvironment && burst.Units < Unit)
        {
            return ThrottleReason.ConcurrentInvocationLimitExceeded;
        }

        // Every check passed: take everything.
        if (chargeRequest)
        {
            _accountRate.Units -= Unit;
            if (function.Rate is { } taken)
            {
                taken.Units -= Unit;
            }
        }
        if (needsNewEnvironment)
        {
            burst.Units -= Unit;
        }
        function.InFlight++;
        _inFlight++;
        if (function.Reserved is null)
        {
            _unreservedInFlight++;
        }
        return ThrottleReason.None;
    }

    /// <summary>Ends one invocation (reservations do not change during a script).</summary>
    public void Release(string name)
    {
        var function = _functions[name];
        function.InFlight--;
        _inFlight--;
        if (function.Reserved is null)
        {
            _unreservedInFlight--;
        }
    }

    private Bucket NewBucket(long capacity, long unitsPerMs)
    {
        var bucket = new Bucket { Capacity = capacity, UnitsPerMs = unitsPerMs, Units = capacity * Unit };
        _buckets.Add(bucket);
        return bucket;
    }

    private sealed class Bucket
    {
        public long Capacity;
        public long UnitsPerMs;
        public long Units;
    }

    private sealed class Function
    {
        public int? Reserved;
        public int InFlight;
        public Bucket? Rate;
        public Bucket? Burst;
    }
}

/// <summary>At <paramref name="AtMs"/>, <paramref name="Count"/> invocations of <paramref name="Function"/>, each held
/// for <paramref name="HoldMs"/> (0 = released at once, negative = held to the end of the script).</summary>
internal sealed record Arrival(int AtMs, string Function, int Count, bool NeedsNew, int HoldMs = -1);

/// <summary>What one arrival line got: admitted and throttled counts, by reason.</summary>
internal sealed class ArrivalOutcome
{
    public int Admitted;
    public Dictionary<ThrottleReason, int> Throttled { get; } = [];

    public int ThrottledWith(ThrottleReason reason) => Throttled.GetValueOrDefault(reason);

    public override string ToString() => $"admitted {Admitted}, throttled {string.Join(", ", Throttled.Select(p => $"{p.Key}={p.Value}"))}";
}

/// <summary>Plays a script against the controller (on a manual clock moved 1 ms at a time) and the reference model,
/// asserting that every single decision agrees, and returns each arrival line's outcome.</summary>
internal static class ScriptRunner
{
    public static ArrivalOutcome[] Run(AdmissionOptions options, ReferenceModel model, IReadOnlyList<(string Name, int? Reserved)> functions, IReadOnlyList<Arrival> script)
    {
        var clock = new ManualTimeProvider();
        var controller = new AdmissionController(options, clock);
        var registered = new Dictionary<string, FunctionAdmission>(StringComparer.Ordinal);
        foreach (var (name, reserved) in functions)
        {
            var function = controller.Register(name);
            Assert.True(controller.TrySetReservedConcurrency(function, reserved, out var error), error?.Message);
            registered.Add(name, function);
            model.AddFunction(name, reserved);
        }

        var outcomes = script.Select(_ => new ArrivalOutcome()).ToArray();
        var releases = new SortedDictionary<int, List<(string Name, AdmissionTicket Ticket)>>();
        var heldToEnd = new List<(string Name, AdmissionTicket Ticket)>();
        int end = script.Max(a => a.AtMs + Math.Max(0, a.HoldMs)) + 1;
        var byTime = script.Select((arrival, index) => (arrival, index)).ToLookup(p => p.arrival.AtMs);
        for (int t = 0; t <= end; t++)
        {
            if (t > 0)
            {
                clock.AdvanceMilliseconds(1);
                model.Step();
            }
            if (releases.Remove(t, out var due))
            {
                foreach (var (name, ticket) in due)
                {
                    Release(controller, model, name, ticket);
                }
            }
            foreach (var (arrival, index) in byTime[t])
            {
                var function = registered[arrival.Function];
                for (int i = 0; i < arrival.Count; i++)
                {
                    var decision = controller.TryAdmit(function, arrival.NeedsNew, out var ticket);
                    var expected = model.Admit(arrival.Function, arrival.NeedsNew);
                    Assert.True(expected == decision.Reason, $"t={t} ms, line {index} ({arrival}), request {i}: model {expected}, controller {decision}");
                    if (decision.IsThrottled)
                    {
                        Assert.True(decision.RetryAfterSeconds >= 1);
                        outcomes[index].Throttled[decision.Reason] = outcomes[index].ThrottledWith(decision.Reason) + 1;
                        continue;
                    }
                    outcomes[index].Admitted++;
                    if (arrival.HoldMs == 0)
                    {
                        Release(controller, model, arrival.Function, ticket);
                    }
                    else if (arrival.HoldMs < 0)
                    {
                        heldToEnd.Add((arrival.Function, ticket));
                    }
                    else
                    {
                        if (!releases.TryGetValue(t + arrival.HoldMs, out var list))
                        {
                            releases[t + arrival.HoldMs] = list = [];
                        }
                        list.Add((arrival.Function, ticket));
                    }
                }
            }
        }
        foreach (var (name, ticket) in heldToEnd)
        {
            Release(controller, model, name, ticket);
        }
        Assert.Empty(releases);
        Assert.Equal(0, controller.ConcurrentExecutions);
        Assert.Equal(0, controller.UnreservedConcurrentExecutions);
        Assert.Equal(0, model.InFlight);
        Assert.All(registered.Values, f => Assert.Equal(0, f.ConcurrentExecutions));
        return outcomes;
    }

    private static void Release(AdmissionController controller, ReferenceModel model, string name, AdmissionTicket ticket)
    {
        model.Release(name);
        controller.Release(ref ticket);
    }
}
