using Gateway.Admission;

namespace Gateway.UnitTests.Admission;

public class AdmissionControllerTests
{
    private const string BelowMinimum100 = "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].";

    private static (AdmissionController Controller, ManualTimeProvider Clock) Create(AdmissionOptions? options = null)
    {
        var clock = new ManualTimeProvider();
        return (new AdmissionController(options ?? new AdmissionOptions(), clock), clock);
    }

    private static FunctionAdmission Reserved(AdmissionController controller, string name, int? reserved)
    {
        var function = controller.Register(name);
        Assert.True(controller.TrySetReservedConcurrency(function, reserved, out var error), error?.Message);
        return function;
    }

    [Fact]
    public void Defaults_are_lambdas()
    {
        var options = new AdmissionOptions();
        Assert.Equal(1000, options.AccountConcurrencyLimit);
        Assert.Equal(100, options.MinimumUnreservedConcurrency);
        Assert.Equal(BurstModel.PerFunction, options.BurstModel);
        Assert.Equal(1000, options.EffectiveBurstCapacity);
        Assert.Equal(100, options.EffectiveBurstRefillPerSecond);
        Assert.Equal(10, options.RequestRateMultiplier);
        var old = new AdmissionOptions { BurstModel = BurstModel.AccountBurst };
        Assert.Equal(500, old.EffectiveBurstCapacity);
        Assert.Equal(500.0 / 60, old.EffectiveBurstRefillPerSecond);
        Assert.Equal(3000, AdmissionOptions.AccountBurstCapacityFor("eu-west-1"));
        Assert.Equal(1000, AdmissionOptions.AccountBurstCapacityFor("eu-central-1"));
        Assert.Equal(500, AdmissionOptions.AccountBurstCapacityFor("ap-south-1"));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(10, 100)]
    [InlineData(10, -1)]
    public void Impossible_options_are_refused_at_construction(int limit, int minimum)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdmissionController(
            new AdmissionOptions { AccountConcurrencyLimit = limit, MinimumUnreservedConcurrency = minimum }, new ManualTimeProvider()));
    }

    [Fact]
    public void Zero_refill_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdmissionController(new AdmissionOptions { BurstRefillPerSecond = 0 }, new ManualTimeProvider()));
    }

    [Fact]
    public void Warm_invocations_need_no_burst_token()
    {
        var (controller, _) = Create(new AdmissionOptions { BurstCapacity = 3 });
        var function = controller.Register("f");
        for (int i = 0; i < 3; i++)
        {
            Assert.True(controller.TryAdmit(function, needsNewEnvironment: true, out _).IsAdmitted);
        }
        Assert.Equal(0, controller.BurstTokensAvailable(function));
        var refused = controller.TryAdmit(function, needsNewEnvironment: true, out var none);
        Assert.Equal(ThrottleReason.ConcurrentInvocationLimitExceeded, refused.Reason);
        Assert.False(none.IsHeld);
        for (int i = 0; i < 50; i++)
        {
            Assert.True(controller.TryAdmit(function, needsNewEnvironment: false, out _).IsAdmitted);
        }
        Assert.Equal(53, controller.ConcurrentExecutions);
    }

    [Fact]
    public void Retry_after_is_the_time_to_the_next_token_rounded_up_to_whole_seconds()
    {
        // One environment every 10 s.
        var (controller, clock) = Create(new AdmissionOptions { BurstCapacity = 1, BurstRefillPerSecond = 0.1 });
        var function = controller.Register("f");
        Assert.True(controller.TryAdmit(function, true, out _).IsAdmitted);
        Assert.Equal(10, controller.TryAdmit(function, true, out _).RetryAfterSeconds);
        clock.Advance(TimeSpan.FromSeconds(3.5));
        Assert.Equal(7, controller.TryAdmit(function, true, out _).RetryAfterSeconds); // 6.5 s → 7
        clock.Advance(TimeSpan.FromSeconds(5.5));
        Assert.Equal(1, controller.TryAdmit(function, true, out _).RetryAfterSeconds); // exactly 1 s
        clock.Advance(TimeSpan.FromMilliseconds(999));
        var last = controller.TryAdmit(function, true, out _);
        Assert.Equal(1, last.RetryAfterSeconds); // 1 ms → at least 1
        Assert.Equal(TimeSpan.FromSeconds(1), last.RetryAfter);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(controller.TryAdmit(function, true, out _).IsAdmitted);
    }

    [Fact]
    public void Retry_after_for_rate_and_concurrency_throttles()
    {
        // Account of 1 with multiplier 1: one request per second.
        var (controller, clock) = Create(new AdmissionOptions { AccountConcurrencyLimit = 1, MinimumUnreservedConcurrency = 0, RequestRateMultiplier = 1 });
        var function = controller.Register("f");
        Assert.True(controller.TryAdmit(function, false, out var ticket).IsAdmitted);
        controller.Release(ref ticket);
        var rate = controller.TryAdmit(function, false, out _);
        Assert.Equal(ThrottleDecision.Throttled(ThrottleReason.FunctionInvocationRateLimitExceeded, 1), rate);
        Assert.Equal("FunctionInvocationRateLimitExceeded", rate.ReasonName);

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(controller.TryAdmit(function, false, out ticket).IsAdmitted);
        clock.Advance(TimeSpan.FromSeconds(1));
        var concurrency = controller.TryAdmit(function, false, out _);
        Assert.Equal(ThrottleReason.ConcurrentInvocationLimitExceeded, concurrency.Reason);
        Assert.Equal(1, concurrency.RetryAfterSeconds); // no bucket to ask: one second
        controller.Release(ref ticket);
    }

    [Fact]
    public void Old_model_retry_after_at_500_per_minute_is_one_second()
    {
        var (controller, clock) = Create(new AdmissionOptions { AccountConcurrencyLimit = 2000, BurstModel = BurstModel.AccountBurst });
        var a = controller.Register("a");
        var b = controller.Register("b");
        for (int i = 0; i < 500; i++)
        {
            Assert.True(controller.TryAdmit(i % 2 == 0 ? a : b, true, out _).IsAdmitted);
        }
        Assert.Equal(0, controller.BurstTokensAvailable(b));
        Assert.Equal(1, controller.TryAdmit(b, true, out _).RetryAfterSeconds); // 120 ms
        clock.Advance(TimeSpan.FromMilliseconds(120));
        Assert.True(controller.TryAdmit(b, true, out _).IsAdmitted);
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(500, controller.BurstTokensAvailable(a));
    }

    [Fact]
    public void A_refusal_for_the_reserved_cap_gives_back_both_rate_tokens_exactly()
    {
        var (controller, _) = Create();
        var function = Reserved(controller, "r", 5);
        var tickets = new AdmissionTicket[5];
        for (int i = 0; i < 5; i++)
        {
            Assert.True(controller.TryAdmit(function, true, out tickets[i]).IsAdmitted);
        }
        long account = controller.AccountRequestTokensAvailable;
        long reserved = controller.ReservedRequestTokensAvailable(function)!.Value;
        long burst = controller.BurstTokensAvailable(function);
        Assert.Equal(10_000 - 5, account);
        Assert.Equal(50 - 5, reserved);

        for (int i = 0; i < 20; i++)
        {
            var refused = controller.TryAdmit(function, true, out var ticket);
            Assert.Equal(ThrottleReason.ReservedFunctionConcurrentInvocationLimitExceeded, refused.Reason);
            Assert.False(ticket.IsHeld);
        }
        Assert.Equal(account, controller.AccountRequestTokensAvailable);
        Assert.Equal(reserved, controller.ReservedRequestTokensAvailable(function));
        Assert.Equal(burst, controller.BurstTokensAvailable(function));
        Assert.Equal(5, controller.ConcurrentExecutions);
        Assert.Equal(5, function.ConcurrentExecutions);
        Assert.Equal(0, controller.UnreservedConcurrentExecutions);
        for (int i = 0; i < 5; i++)
        {
            controller.Release(ref tickets[i]);
        }
        Assert.Equal(0, controller.ConcurrentExecutions);
        Assert.Equal(0, function.ConcurrentExecutions);
    }

    [Fact]
    public void A_refusal_for_an_empty_burst_bucket_gives_back_concurrency_and_rate_exactly()
    {
        var (controller, _) = Create(new AdmissionOptions { BurstCapacity = 2 });
        var function = controller.Register("u");
        var other = Reserved(controller, "r", 10);
        Assert.True(controller.TryAdmit(function, true, out var first).IsAdmitted);
        Assert.True(controller.TryAdmit(function, true, out var second).IsAdmitted);
        Assert.True(controller.TryAdmit(other, false, out var third).IsAdmitted);
        long account = controller.AccountRequestTokensAvailable;

        var refused = controller.TryAdmit(function, true, out _);
        Assert.Equal(ThrottleReason.ConcurrentInvocationLimitExceeded, refused.Reason);
        Assert.Equal(1, refused.RetryAfterSeconds); // 10 ms to the next token
        Assert.Equal(account, controller.AccountRequestTokensAvailable);
        Assert.Equal(3, controller.ConcurrentExecutions);
        Assert.Equal(2, controller.UnreservedConcurrentExecutions);
        Assert.Equal(2, function.ConcurrentExecutions);

        // A reserved function's own rate token comes back too.
        for (int i = 0; i < 2; i++)
        {
            Assert.True(controller.TryAdmit(other, true, out var ticket).IsAdmitted);
            controller.Release(ref ticket);
        }
        long reserved = controller.ReservedRequestTokensAvailable(other)!.Value;
        account = controller.AccountRequestTokensAvailable;
        Assert.Equal(ThrottleReason.ConcurrentInvocationLimitExceeded, controller.TryAdmit(other, true, out _).Reason);
        Assert.Equal(reserved, controller.ReservedRequestTokensAvailable(other));
        Assert.Equal(account, controller.AccountRequestTokensAvailable);

        controller.Release(ref first);
        controller.Release(ref second);
        controller.Release(ref third);
        Assert.Equal(0, controller.ConcurrentExecutions);
        Assert.Equal(0, controller.UnreservedConcurrentExecutions);
    }

    [Fact]
    public void A_refusal_for_the_reserved_rate_gives_back_the_account_token()
    {
        var (controller, _) = Create();
        var function = Reserved(controller, "r", 1); // 10 requests per second
        for (int i = 0; i < 10; i++)
        {
            Assert.True(controller.TryAdmit(function, false, out var ticket).IsAdmitted);
            controller.Release(ref ticket);
        }
        long account = controller.AccountRequestTokensAvailable;
        Assert.Equal(ThrottleReason.ReservedFunctionInvocationRateLimitExceeded, controller.TryAdmit(function, false, out _).Reason);
        Assert.Equal(account, controller.AccountRequestTokensAvailable);
        Assert.Equal(0, controller.ConcurrentExecutions);
    }

    [Fact]
    public void Release_clears_the_ticket_so_a_second_release_does_nothing()
    {
        var (controller, _) = Create();
        var function = controller.Register("f");
        Assert.True(controller.TryAdmit(function, false, out var ticket).IsAdmitted);
        Assert.True(controller.TryAdmit(function, false, out var other).IsAdmitted);
        controller.Release(ref ticket);
        controller.Release(ref ticket);
        AdmissionTicket empty = default;
        controller.Release(ref empty);
        Assert.Equal(1, controller.ConcurrentExecutions);
        controller.Release(ref other);
        Assert.Equal(0, controller.ConcurrentExecutions);
    }

    [Fact]
    public void A_reservation_leaving_less_than_the_minimum_unreserved_is_refused_with_awss_message()
    {
        var (controller, _) = Create();
        var a = controller.Register("a");
        var b = controller.Register("b");
        Assert.False(controller.TrySetReservedConcurrency(a, 901, out var error));
        Assert.Equal("InvalidParameterValueException", error.ErrorType);
        Assert.Equal(BelowMinimum100, error.Message);
        Assert.Null(a.ReservedConcurrentExecutions);
        Assert.Equal(1000, controller.UnreservedConcurrencyLimit);

        Assert.True(controller.TrySetReservedConcurrency(a, 900, out _));
        Assert.Equal(100, controller.UnreservedConcurrencyLimit);
        Assert.False(controller.TrySetReservedConcurrency(b, 1, out error));
        Assert.Equal(BelowMinimum100, error.Message);
        Assert.True(controller.TrySetReservedConcurrency(a, 899, out _)); // its own old value does not count twice
        Assert.True(controller.TrySetReservedConcurrency(b, 1, out _));
        Assert.Equal(900, controller.ReservedConcurrencyTotal);

        Assert.False(controller.TrySetReservedConcurrency(b, -1, out error));
        Assert.Equal("ValidationException", error.ErrorType);
        Assert.Contains("reservedConcurrentExecutions", error.Message);
        Assert.Equal(1, b.ReservedConcurrentExecutions);
    }

    [Fact]
    public void The_minimum_in_the_message_is_the_configured_one()
    {
        var (controller, _) = Create(new AdmissionOptions { AccountConcurrencyLimit = 200, MinimumUnreservedConcurrency = 50 });
        Assert.False(controller.TrySetReservedConcurrency(controller.Register("a"), 151, out var error));
        Assert.Equal("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [50].", error.Message);
    }

    [Fact]
    public void Reserved_concurrency_changes_at_run_time_and_releases_stay_exact()
    {
        var (controller, _) = Create(new AdmissionOptions { AccountConcurrencyLimit = 100, MinimumUnreservedConcurrency = 10 });
        var function = controller.Register("f");
        var tickets = new List<AdmissionTicket>();
        for (int i = 0; i < 20; i++)
        {
            Assert.True(controller.TryAdmit(function, false, out var ticket).IsAdmitted);
            tickets.Add(ticket);
        }
        Assert.Equal(20, controller.UnreservedConcurrentExecutions);

        // PutFunctionConcurrency 10 while 20 run: they continue, new ones wait until fewer than 10 run.
        Assert.True(controller.TrySetReservedConcurrency(function, 10, out _));
        Assert.Equal(90, controller.UnreservedConcurrencyLimit);
        Assert.Equal(ThrottleReason.ReservedFunctionConcurrentInvocationLimitExceeded, controller.TryAdmit(function, false, out _).Reason);
        for (int i = 0; i < 11; i++)
        {
            var ticket = tickets[^1];
            tickets.RemoveAt(tickets.Count - 1);
            controller.Release(ref ticket);
        }
        Assert.Equal(9, function.ConcurrentExecutions);
        Assert.Equal(9, controller.UnreservedConcurrentExecutions); // the old tickets still hold the pool
        Assert.True(controller.TryAdmit(function, false, out var reservedTicket).IsAdmitted);
        Assert.Equal(9, controller.UnreservedConcurrentExecutions); // the ticket is opaque: it shows in the pool's count
        tickets.Add(reservedTicket);
        Assert.Equal(ThrottleReason.ReservedFunctionConcurrentInvocationLimitExceeded, controller.TryAdmit(function, false, out _).Reason);

        // DeleteFunctionConcurrency: back to the pool.
        Assert.True(controller.TrySetReservedConcurrency(function, null, out _));
        Assert.Equal(100, controller.UnreservedConcurrencyLimit);
        Assert.True(controller.TryAdmit(function, false, out var poolTicket).IsAdmitted);
        Assert.Equal(10, controller.UnreservedConcurrentExecutions);
        tickets.Add(poolTicket);

        foreach (var held in tickets)
        {
            var ticket = held;
            controller.Release(ref ticket);
        }
        Assert.Equal(0, controller.ConcurrentExecutions);
        Assert.Equal(0, controller.UnreservedConcurrentExecutions);
        Assert.Equal(0, function.ConcurrentExecutions);
    }

    [Fact]
    public void A_reservation_of_zero_refuses_every_invocation()
    {
        var (controller, _) = Create();
        var function = Reserved(controller, "off", 0);
        long account = controller.AccountRequestTokensAvailable;
        var refused = controller.TryAdmit(function, false, out _);
        Assert.Equal(ThrottleReason.ReservedFunctionConcurrentInvocationLimitExceeded, refused.Reason);
        Assert.Equal("ReservedFunctionConcurrentInvocationLimitExceeded", refused.ReasonName);
        Assert.Equal(account, controller.AccountRequestTokensAvailable);
    }

    [Fact]
    public void Provisioned_concurrency_is_taken_out_of_what_a_reservation_leaves_to_on_demand_environments()
    {
        // AWS (LocalStack's recordings test_lambda_concurrency_block, test_reserved_provisioned_overlap): provisioned
        // concurrency counts towards the reservation, so reserved 2 with 1 provisioned runs 1 on demand and 1 provisioned.
        var (controller, _) = Create();
        var function = Reserved(controller, "pc", 2);
        function.ProvisionedConcurrency = 1;

        Assert.True(controller.TryAdmit(function, false, out var onDemand).IsAdmitted);
        var second = controller.TryAdmit(function, false, out _);
        Assert.Equal(ThrottleReason.ReservedFunctionConcurrentInvocationLimitExceeded, second.Reason);
        Assert.True(controller.TryAdmit(function, false, out var provisioned, onProvisionedEnvironment: true).IsAdmitted);
        Assert.Equal(ThrottleReason.ReservedFunctionConcurrentInvocationLimitExceeded,
            controller.TryAdmit(function, false, out _, onProvisionedEnvironment: true).Reason); // the reservation still caps the whole
        Assert.Equal(2, function.ConcurrentExecutions);

        controller.Release(ref onDemand);
        Assert.True(controller.TryAdmit(function, false, out var again).IsAdmitted); // its on-demand unit came back
        controller.Release(ref again);
        controller.Release(ref provisioned);
        Assert.Equal(0, function.ConcurrentExecutions);
        Assert.Equal(0, controller.ConcurrentExecutions);

        // All of it provisioned: nothing is left on demand ($LATEST gets the 429).
        function.ProvisionedConcurrency = 2;
        Assert.Equal(ThrottleReason.ReservedFunctionConcurrentInvocationLimitExceeded, controller.TryAdmit(function, false, out _).Reason);
        Assert.True(controller.TryAdmit(function, false, out var onProvisioned, onProvisionedEnvironment: true).IsAdmitted);
        controller.Release(ref onProvisioned);
    }

    [Fact]
    public void Provisioned_concurrency_without_a_reservation_is_held_back_from_the_pool_busy_or_idle()
    {
        // monitoring-concurrency.html: limit 1,000, 600 reserved for one function, 200 provisioned for another → "only
        // 200 units of concurrency remaining for other functions", whatever the provisioned environments are doing.
        var (controller, _) = Create(new AdmissionOptions { AccountConcurrencyLimit = 10, MinimumUnreservedConcurrency = 0, RequestRateMultiplier = 100 });
        var blue = controller.Register("blue");
        var other = controller.Register("other");
        blue.ProvisionedConcurrency = 2;
        Assert.Equal(8, controller.UnreservedConcurrencyLimit);
        Assert.Equal(2, controller.ProvisionedOutsideReservations);

        var tickets = new List<AdmissionTicket>();
        for (int i = 0; i < 8; i++)
        {
            Assert.True(controller.TryAdmit(other, false, out var ticket).IsAdmitted);
            tickets.Add(ticket);
        }
        Assert.Equal(ThrottleReason.ConcurrentInvocationLimitExceeded, controller.TryAdmit(other, false, out _).Reason); // the idle 2 are blue's
        Assert.Equal(ThrottleReason.ConcurrentInvocationLimitExceeded, controller.TryAdmit(blue, false, out _).Reason); // blue's spill-over is on demand

        // Blue's provisioned environments run on its own slots, even with the pool used up.
        Assert.True(controller.TryAdmit(blue, false, out var p1, onProvisionedEnvironment: true).IsAdmitted);
        Assert.True(controller.TryAdmit(blue, false, out var p2, onProvisionedEnvironment: true).IsAdmitted);
        Assert.Equal(10, controller.ConcurrentExecutions);
        Assert.Equal(10, controller.UnreservedConcurrentExecutions); // CloudWatch's count: every function without a reservation
        controller.Release(ref p1);
        controller.Release(ref p2);
        foreach (var ticket in tickets)
        {
            var held = ticket;
            controller.Release(ref held);
        }
        Assert.Equal(0, controller.ConcurrentExecutions);
        Assert.Equal(0, controller.UnreservedConcurrentExecutions);

        // Given a reservation, blue's provisioned concurrency counts inside it: the pool is the limit less the reservation.
        Assert.True(controller.TrySetReservedConcurrency(blue, 3, out _));
        Assert.Equal(7, controller.UnreservedConcurrencyLimit);
        Assert.Equal(0, controller.ProvisionedOutsideReservations);
        Assert.True(controller.TrySetReservedConcurrency(blue, null, out _));
        Assert.Equal(8, controller.UnreservedConcurrencyLimit);

        // Provisioned concurrency removed: the pool is whole again.
        blue.ProvisionedConcurrency = 0;
        Assert.Equal(10, controller.UnreservedConcurrencyLimit);
    }

    [Fact]
    public void A_new_reservation_starts_a_full_rate_bucket_and_an_unchanged_one_keeps_its_state()
    {
        var (controller, _) = Create();
        var function = Reserved(controller, "r", 2); // 20 requests per second
        for (int i = 0; i < 15; i++)
        {
            Assert.True(controller.TryAdmit(function, false, out var ticket).IsAdmitted);
            controller.Release(ref ticket);
        }
        Assert.True(controller.TrySetReservedConcurrency(function, 2, out _));
        Assert.Equal(5, controller.ReservedRequestTokensAvailable(function));
        Assert.True(controller.TrySetReservedConcurrency(function, 3, out _));
        Assert.Equal(30, controller.ReservedRequestTokensAvailable(function));
        Assert.True(controller.TrySetReservedConcurrency(function, null, out _));
        Assert.Null(controller.ReservedRequestTokensAvailable(function));
    }

    [Fact]
    public void Event_requests_pay_the_rate_when_accepted_and_concurrency_when_run()
    {
        var (controller, _) = Create(new AdmissionOptions { AccountConcurrencyLimit = 2, MinimumUnreservedConcurrency = 0, RequestRateMultiplier = 1 });
        var function = controller.Register("f");
        Assert.True(controller.TryAcceptRequest(function).IsAdmitted);
        Assert.True(controller.TryAcceptRequest(function).IsAdmitted);
        Assert.Equal(ThrottleReason.FunctionInvocationRateLimitExceeded, controller.TryAcceptRequest(function).Reason);
        Assert.Equal(0, controller.ConcurrentExecutions);

        // The queue's poller: no request token needed, concurrency still applies.
        Assert.True(controller.TryAdmitQueued(function, true, out var first).IsAdmitted);
        Assert.True(controller.TryAdmitQueued(function, false, out var second).IsAdmitted);
        Assert.Equal(ThrottleReason.ConcurrentInvocationLimitExceeded, controller.TryAdmitQueued(function, false, out _).Reason);
        controller.Release(ref first);
        controller.Release(ref second);
        Assert.Equal(0, controller.ConcurrentExecutions);
    }

    [Fact]
    public void A_late_burst_token_for_an_admitted_invocation()
    {
        var (controller, _) = Create(new AdmissionOptions { BurstCapacity = 1 });
        var function = controller.Register("f");
        Assert.True(controller.TryAdmit(function, false, out var ticket).IsAdmitted);
        Assert.True(controller.TryStartEnvironment(function).IsAdmitted);
        Assert.Equal(ThrottleReason.ConcurrentInvocationLimitExceeded, controller.TryStartEnvironment(function).Reason);
        controller.Release(ref ticket);
    }

    [Fact]
    public void Functions_from_another_controller_are_refused()
    {
        var (controller, _) = Create();
        var (other, _) = Create();
        Assert.Throws<ArgumentException>(() => controller.TrySetReservedConcurrency(other.Register("f"), 1, out _));
    }

    [Fact]
    public void Token_cost_is_exact_for_rates_that_divide_the_clock_and_never_faster_otherwise()
    {
        Assert.Equal(120_000_000, new ContinuousTokenBucket(500, 500.0 / 60, 1_000_000_000, 0).TicksPerToken);
        Assert.Equal(10_000_000, new ContinuousTokenBucket(1000, 100, 1_000_000_000, 0).TicksPerToken);
        Assert.Equal(14_285_715, new ContinuousTokenBucket(70, 70, 1_000_000_000, 0).TicksPerToken); // 14,285,714.28… up
        Assert.Equal(1, new ContinuousTokenBucket(10, 1e9, 1_000_000, 0).TicksPerToken);
    }

    [Fact]
    public void Works_with_a_coarse_clock()
    {
        var clock = new ManualTimeProvider(frequency: 10_000_000); // 100 ns ticks, as on Windows
        var controller = new AdmissionController(new AdmissionOptions(), clock);
        var function = controller.Register("f");
        for (int i = 0; i < 1000; i++)
        {
            Assert.True(controller.TryAdmit(function, true, out var ticket).IsAdmitted);
            controller.Release(ref ticket);
        }
        Assert.False(controller.TryAdmit(function, true, out _).IsAdmitted);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(100, controller.BurstTokensAvailable(function));
    }
}
