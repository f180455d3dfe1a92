using Gateway.Admission;

namespace Gateway.UnitTests.Admission;

/// <summary>
/// Scripted arrival patterns: every decision must equal the reference model's (checked inside the runner), and the
/// totals must equal the numbers worked out by hand from Lambda's published rules.
/// </summary>
public class AdmissionScenarioTests
{
    private const ThrottleReason Concurrent = ThrottleReason.ConcurrentInvocationLimitExceeded;
    private const ThrottleReason ReservedConcurrent = ThrottleReason.ReservedFunctionConcurrentInvocationLimitExceeded;
    private const ThrottleReason AccountRate = ThrottleReason.FunctionInvocationRateLimitExceeded;
    private const ThrottleReason ReservedRate = ThrottleReason.ReservedFunctionInvocationRateLimitExceeded;

    [Fact]
    public void Per_function_burst_1000_at_once_then_100_per_second_each_function_independently()
    {
        var options = new AdmissionOptions { AccountConcurrencyLimit = 10_000 };
        var model = new ReferenceModel(10_000, 10, perFunctionBurst: true, burstCapacity: 1000, burstUnitsPerMs: 100 * 60);
        Arrival[] script =
        [
            new(0, "a", 1500, NeedsNew: true),
            new(0, "b", 1000, NeedsNew: true),     // its own bucket: not affected by a
            new(5000, "a", 600, NeedsNew: true),   // 5 s × 100/s = 500 refilled
            .. Enumerable.Range(5001, 1000).Select(t => new Arrival(t, "a", 1, NeedsNew: true)), // one every ms
            new(6000, "a", 50, NeedsNew: false),   // warm: no token needed
        ];
        var outcomes = ScriptRunner.Run(options, model, [("a", null), ("b", null)], script);

        Assert.Equal(1000, outcomes[0].Admitted);
        Assert.Equal(500, outcomes[0].ThrottledWith(Concurrent));
        Assert.Equal(1000, outcomes[1].Admitted);
        Assert.Equal(500, outcomes[2].Admitted);
        Assert.Equal(100, outcomes[2].ThrottledWith(Concurrent));
        // Empty at 5,000 ms, one token per 10 ms: admitted at 5,010, 5,020 … 6,000.
        Assert.Equal(100, outcomes.Skip(3).Take(1000).Sum(o => o.Admitted));
        Assert.Equal(900, outcomes.Skip(3).Take(1000).Sum(o => o.ThrottledWith(Concurrent)));
        Assert.Equal(50, outcomes[^1].Admitted);
    }

    [Fact]
    public void Per_function_burst_does_not_accrue_beyond_capacity()
    {
        var options = new AdmissionOptions { AccountConcurrencyLimit = 10_000 };
        var model = new ReferenceModel(10_000, 10, perFunctionBurst: true, burstCapacity: 1000, burstUnitsPerMs: 100 * 60);
        Arrival[] script =
        [
            new(0, "a", 10, NeedsNew: true, HoldMs: 0),
            new(60_000, "a", 1200, NeedsNew: true), // a minute idle: still only 1,000
        ];
        var outcomes = ScriptRunner.Run(options, model, [("a", null)], script);
        Assert.Equal(10, outcomes[0].Admitted);
        Assert.Equal(1000, outcomes[1].Admitted);
        Assert.Equal(200, outcomes[1].ThrottledWith(Concurrent));
    }

    [Fact]
    public void Account_burst_500_shared_then_500_per_minute()
    {
        var options = new AdmissionOptions { AccountConcurrencyLimit = 5000, BurstModel = BurstModel.AccountBurst };
        var model = new ReferenceModel(5000, 10, perFunctionBurst: false, burstCapacity: 500, burstUnitsPerMs: 500); // 500/min = 500 units/ms
        Arrival[] script =
        [
            new(0, "a", 300, NeedsNew: true),
            new(0, "b", 300, NeedsNew: true),       // shares the account bucket: 200 left
            new(30_000, "b", 300, NeedsNew: true),  // half a minute: 250
            new(30_000, "a", 20, NeedsNew: false),  // warm: admitted regardless
            new(90_000, "a", 600, NeedsNew: true),  // a full minute and more: capped at 500
        ];
        var outcomes = ScriptRunner.Run(options, model, [("a", null), ("b", null)], script);
        Assert.Equal(300, outcomes[0].Admitted);
        Assert.Equal(200, outcomes[1].Admitted);
        Assert.Equal(100, outcomes[1].ThrottledWith(Concurrent));
        Assert.Equal(250, outcomes[2].Admitted);
        Assert.Equal(20, outcomes[3].Admitted);
        Assert.Equal(500, outcomes[4].Admitted);
        Assert.Equal(100, outcomes[4].ThrottledWith(Concurrent));
    }

    [Fact]
    public void Account_burst_capacity_and_refill_are_configurable()
    {
        var options = new AdmissionOptions
        {
            AccountConcurrencyLimit = 5000,
            BurstModel = BurstModel.AccountBurst,
            BurstCapacity = AdmissionOptions.AccountBurstCapacityFor("us-east-1"),
            BurstRefillPerSecond = 50,
        };
        Assert.Equal(3000, options.EffectiveBurstCapacity);
        var model = new ReferenceModel(5000, 10, perFunctionBurst: false, burstCapacity: 3000, burstUnitsPerMs: 50 * 60);
        Arrival[] script = [new(0, "a", 3100, NeedsNew: true), new(1000, "a", 100, NeedsNew: true)];
        var outcomes = ScriptRunner.Run(options, model, [("a", null)], script);
        Assert.Equal(3000, outcomes[0].Admitted);
        Assert.Equal(50, outcomes[1].Admitted);
    }

    [Fact]
    public void Reserved_cap_unreserved_pool_shared_by_two_functions_and_the_reserved_guarantee()
    {
        // Account 100, r reserves 30: the unreserved pool is 70, shared by b and c.
        var options = new AdmissionOptions { AccountConcurrencyLimit = 100, MinimumUnreservedConcurrency = 10 };
        var model = new ReferenceModel(100, 10, perFunctionBurst: true, burstCapacity: 1000, burstUnitsPerMs: 6000);
        Arrival[] script =
        [
            new(0, "b", 50, NeedsNew: false, HoldMs: 100),
            new(0, "c", 30, NeedsNew: false),
            new(0, "r", 40, NeedsNew: false),       // the pool is full, but r's 30 are guaranteed
            new(50, "b", 5, NeedsNew: false),       // pool still full
            new(100, "c", 60, NeedsNew: false),     // b's 50 released at 100 ms: 50 free
        ];
        var outcomes = ScriptRunner.Run(options, model, [("r", 30), ("b", null), ("c", null)], script);
        Assert.Equal(50, outcomes[0].Admitted);
        Assert.Equal(20, outcomes[1].Admitted);
        Assert.Equal(10, outcomes[1].ThrottledWith(Concurrent));
        Assert.Equal(30, outcomes[2].Admitted);
        Assert.Equal(10, outcomes[2].ThrottledWith(ReservedConcurrent));
        Assert.Equal(5, outcomes[3].ThrottledWith(Concurrent));
        Assert.Equal(50, outcomes[4].Admitted);
        Assert.Equal(10, outcomes[4].ThrottledWith(Concurrent));
    }

    [Fact]
    public void Account_limit_caps_functions_without_reservations()
    {
        var options = new AdmissionOptions { AccountConcurrencyLimit = 100, MinimumUnreservedConcurrency = 0 };
        var model = new ReferenceModel(100, 10, perFunctionBurst: true, burstCapacity: 1000, burstUnitsPerMs: 6000);
        Arrival[] script =
        [
            new(0, "a", 70, NeedsNew: true, HoldMs: 20),
            new(0, "b", 50, NeedsNew: true, HoldMs: 20),
            new(10, "b", 1, NeedsNew: false),
            new(20, "b", 70, NeedsNew: false), // a's and b's released at 20 ms
        ];
        var outcomes = ScriptRunner.Run(options, model, [("a", null), ("b", null)], script);
        Assert.Equal(70, outcomes[0].Admitted);
        Assert.Equal(30, outcomes[1].Admitted);
        Assert.Equal(20, outcomes[1].ThrottledWith(Concurrent));
        Assert.Equal(1, outcomes[2].ThrottledWith(Concurrent));
        Assert.Equal(70, outcomes[3].Admitted);
    }

    [Fact]
    public void Request_rate_is_ten_times_the_account_limit_and_ten_times_the_reservation()
    {
        // Account 1,000 → 10,000 requests/s; r reserves 20 → 200 requests/s. Every invocation ends at once, so only
        // the rates can refuse.
        var options = new AdmissionOptions { AccountConcurrencyLimit = 1000 };
        var model = new ReferenceModel(1000, 10, perFunctionBurst: true, burstCapacity: 1000, burstUnitsPerMs: 6000);
        Arrival[] script =
        [
            new(0, "r", 250, NeedsNew: false, HoldMs: 0),
            new(0, "a", 10_000, NeedsNew: false, HoldMs: 0),
            new(100, "r", 30, NeedsNew: false, HoldMs: 0),  // 100 ms: r refilled 20, the account 1,000
            new(100, "a", 2000, NeedsNew: false, HoldMs: 0),
        ];
        var outcomes = ScriptRunner.Run(options, model, [("r", 20), ("a", null)], script);
        Assert.Equal(200, outcomes[0].Admitted);
        Assert.Equal(50, outcomes[0].ThrottledWith(ReservedRate));
        // r's refused requests gave their account tokens back: 10,000 − 200 remain.
        Assert.Equal(9800, outcomes[1].Admitted);
        Assert.Equal(200, outcomes[1].ThrottledWith(AccountRate));
        Assert.Equal(20, outcomes[2].Admitted);
        Assert.Equal(10, outcomes[2].ThrottledWith(ReservedRate));
        Assert.Equal(980, outcomes[3].Admitted);
        Assert.Equal(1020, outcomes[3].ThrottledWith(AccountRate));
    }

    [Fact]
    public void Rate_tokens_of_requests_refused_for_concurrency_are_given_back()
    {
        // r reserves 5 (50 requests/s). 5 held; 45 more are refused for concurrency and must not use up r's rate.
        var options = new AdmissionOptions { AccountConcurrencyLimit = 100, MinimumUnreservedConcurrency = 10 };
        var model = new ReferenceModel(100, 10, perFunctionBurst: true, burstCapacity: 1000, burstUnitsPerMs: 6000);
        Arrival[] script =
        [
            new(0, "r", 50, NeedsNew: false, HoldMs: 1),
            new(1, "r", 50, NeedsNew: false, HoldMs: 0),
        ];
        var outcomes = ScriptRunner.Run(options, model, [("r", 5)], script);
        Assert.Equal(5, outcomes[0].Admitted);
        Assert.Equal(45, outcomes[0].ThrottledWith(ReservedConcurrent));
        Assert.Equal(45, outcomes[1].Admitted); // 50 − 5 taken + 0.05 refilled: 45 whole tokens
        Assert.Equal(5, outcomes[1].ThrottledWith(ReservedRate));
    }

    [Fact]
    public void Mixed_traffic_agrees_with_the_model_decision_by_decision()
    {
        var random = new Random(20231126);
        string[] names = ["r1", "r2", "u1", "u2", "u3"];
        var script = new List<Arrival>();
        for (int t = 0; t < 20_000; t += random.Next(1, 40))
        {
            script.Add(new Arrival(t, names[random.Next(names.Length)], random.Next(1, 60), NeedsNew: random.Next(3) == 0, HoldMs: random.Next(-1, 400)));
        }
        foreach (var model in new[] { BurstModel.PerFunction, BurstModel.AccountBurst })
        {
            // Every rate divides the 1 GHz test clock (500/s, 100/s, 200/s, 25/s), so the controller's token costs are
            // exact and it must agree with the model to the request (a non-dividing rate is rounded one tick slower).
            var options = new AdmissionOptions
            {
                AccountConcurrencyLimit = 250,
                MinimumUnreservedConcurrency = 100,
                BurstModel = model,
                BurstCapacity = 120,
                BurstRefillPerSecond = 25,
                RequestRateMultiplier = 2,
            };
            var reference = new ReferenceModel(250, 2, model == BurstModel.PerFunction, burstCapacity: 120, burstUnitsPerMs: 25 * 60);
            var outcomes = ScriptRunner.Run(options, reference, [("r1", 50), ("r2", 100), ("u1", null), ("u2", null), ("u3", null)], script);

            // The script exercises every reason (otherwise it would prove little).
            Assert.All(new[] { ThrottleReason.ConcurrentInvocationLimitExceeded, ReservedConcurrent, AccountRate, ReservedRate },
                reason => Assert.True(outcomes.Sum(o => o.ThrottledWith(reason)) > 0, $"{model}: no {reason}"));
            Assert.True(outcomes.Sum(o => o.Admitted) > 1000);
        }
    }
}
