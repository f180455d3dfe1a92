using System.Text;
using Gateway.Environments;
using Gateway.Invocations;
using Gateway.RuntimeApi;
using Gateway.UnitTests.Admission;

namespace Gateway.UnitTests.Environments;

/// <summary>
/// The Runtime API state machine on a manual clock: every transition, every ending, and the exact refusals a runtime
/// gets. Deadlines fire only when the test advances the clock, so each test is deterministic.
/// </summary>
public sealed class EnvironmentStateMachineTests : IDisposable
{
    private static readonly TimeSpan InitTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan InvocationTimeout = TimeSpan.FromSeconds(3);

    private readonly ManualTimeProvider _clock = new();
    private readonly InvocationPool _invocations = new();
    private readonly List<Invocation> _rented = [];
    private readonly List<DeadlineStep> _deadlines = [];
    private readonly EnvironmentStateMachine _machine;

    public EnvironmentStateMachineTests()
    {
        // The owner's part: on the timer's prompt, ask the machine (a real owner does so under its lock).
        _machine = new EnvironmentStateMachine(_clock, InitTimeout, InvocationTimeout, () => _deadlines.Add(_machine!.OnDeadline()));
    }

    public void Dispose()
    {
        _machine.Dispose();
        Assert.Equal(0, _clock.TimerCount); // the machine's one timer is released with it
        foreach (var invocation in _rented)
        {
            _invocations.Return(invocation);
        }
        Assert.Equal(0, _invocations.Outstanding);
    }

    [Fact]
    public void Init_then_first_next_parks_and_offers_the_environment()
    {
        _machine.Spawning();
        Assert.Equal(EnvironmentState.Starting, _machine.State);
        _clock.AdvanceMilliseconds(120);

        var step = _machine.OnNext();

        Assert.Equal(new NextStep(NextDecision.Parked, null, null, Began: false, FirstReady: true, BecameIdle: true), step);
        Assert.Equal(EnvironmentState.Idle, _machine.State);
        Assert.True(_machine.EverReady);
        Assert.Equal(120, _machine.InitDurationMs);
    }

    [Fact]
    public void Init_deadline_is_cleared_by_the_first_next()
    {
        _machine.Spawning();
        _machine.OnNext();

        _clock.Advance(InitTimeout + TimeSpan.FromSeconds(1));

        Assert.Empty(_deadlines); // the timer was disarmed, so it never even prompted
        Assert.Equal(EnvironmentState.Idle, _machine.State);
    }

    [Fact]
    public void A_later_next_while_idle_parks_again_without_offering_twice()
    {
        _machine.Spawning();
        _machine.OnNext();

        var again = _machine.OnNext();

        Assert.Equal(new NextStep(NextDecision.Parked, null, null, false, FirstReady: false, BecameIdle: false), again);
    }

    [Fact]
    public void Assigned_while_starting_waits_then_goes_out_with_the_first_next()
    {
        _machine.Spawning();
        var invocation = Rent("11111111-1111-1111-1111-111111111111");

        Assert.Equal(AssignResult.Pending, _machine.TryAssign(invocation, runtimeWaiting: false));
        Assert.Same(invocation, _machine.Pending);
        Assert.Equal(AssignResult.Refused, _machine.TryAssign(Rent("22222222-2222-2222-2222-222222222222"), runtimeWaiting: false));

        _clock.AdvanceMilliseconds(50);
        var step = _machine.OnNext();

        Assert.Equal(new NextStep(NextDecision.Deliver, invocation, null, Began: true, FirstReady: true, BecameIdle: false), step);
        Assert.Equal(EnvironmentState.Busy, _machine.State);
        Assert.Same(invocation, _machine.Current);
        Assert.Null(_machine.Pending);
        // Lambda-Runtime-Deadline-Ms: delivery time plus the function's timeout, in Unix ms.
        Assert.Equal(_clock.GetUtcNow().ToUnixTimeMilliseconds() + 3000, invocation.DeadlineUnixMs);
    }

    [Fact]
    public void Assigned_to_a_parked_runtime_begins_at_once()
    {
        ReadyAndIdle();
        var invocation = Rent("11111111-1111-1111-1111-111111111111");

        Assert.Equal(AssignResult.DeliverNow, _machine.TryAssign(invocation, runtimeWaiting: true));

        Assert.Equal(EnvironmentState.Busy, _machine.State);
        Assert.Same(invocation, _machine.Current);
        Assert.Null(_machine.Pending);
    }

    [Fact]
    public void A_busy_environment_refuses_a_second_invocation()
    {
        var first = Deliver("11111111-1111-1111-1111-111111111111");

        Assert.Equal(AssignResult.Refused, _machine.TryAssign(Rent("22222222-2222-2222-2222-222222222222"), runtimeWaiting: true));
        Assert.Same(first, _machine.Current);
    }

    [Fact]
    public void Result_with_the_right_id_ends_the_invocation_and_claims_it()
    {
        var invocation = Deliver("11111111-1111-1111-1111-111111111111");
        var id = Encoding.ASCII.GetBytes(invocation.RequestId);

        Assert.Null(_machine.CheckResult(id, isError: false));
        var taken = _machine.TakeResult(id, isError: false, out var refusal);

        Assert.Same(invocation, taken);
        Assert.Null(refusal);
        Assert.False(invocation.TryClaimCompletion()); // already claimed: no other ending can complete it
        Assert.Equal(EnvironmentState.AwaitingNext, _machine.State);
        Assert.True(_machine.CanTakeInvocation);
    }

    [Fact]
    public void Result_with_a_wrong_id_is_refused_with_400_InvalidRequestID()
    {
        var invocation = Deliver("11111111-1111-1111-1111-111111111111");
        var wrong = "99999999-9999-9999-9999-999999999999"u8;

        Assert.Equal(RuntimeReplies.InvalidRequestId, _machine.CheckResult(wrong, isError: false));
        Assert.Null(_machine.TakeResult(wrong, isError: true, out var refusal));

        Assert.Equal(
            "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 68\r\n\r\n" +
            """{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}""",
            Encoding.UTF8.GetString(refusal!));
        Assert.Same(invocation, _machine.Current); // still running
        Assert.Equal(EnvironmentState.Busy, _machine.State);
    }

    [Fact]
    public void A_second_response_for_the_same_id_is_refused_as_RuntimeResponseSentState()
    {
        var invocation = Deliver("11111111-1111-1111-1111-111111111111");
        var id = Encoding.ASCII.GetBytes(invocation.RequestId);
        _machine.TakeResult(id, isError: false, out _);

        Assert.Null(_machine.TakeResult(id, isError: false, out var response));
        var error = _machine.CheckResult(id, isError: true);

        Assert.Equal(Forbidden("RuntimeResponseSentState", "InvocationResponse"), Encoding.UTF8.GetString(response!));
        Assert.Equal(Forbidden("RuntimeResponseSentState", "InvocationErrorResponse"), Encoding.UTF8.GetString(error!));
    }

    [Fact]
    public void A_result_during_init_for_no_invocation_is_an_invalid_request_id()
    {
        // RIE's AwsRequestIDValidator runs before the state machine, and no invocation is reserved yet.
        _machine.Spawning();

        var refusal = _machine.CheckResult("11111111-1111-1111-1111-111111111111"u8, isError: false);

        Assert.Equal(RuntimeReplies.InvalidRequestId, refusal);
    }

    [Fact]
    public void A_result_during_init_for_the_waiting_invocation_is_refused_from_Started()
    {
        _machine.Spawning();
        var waiting = Rent("11111111-1111-1111-1111-111111111111");
        Assert.Equal(AssignResult.Pending, _machine.TryAssign(waiting, runtimeWaiting: false));

        var refusal = _machine.CheckResult("11111111-1111-1111-1111-111111111111"u8, isError: false);
        var other = _machine.CheckResult("22222222-2222-2222-2222-222222222222"u8, isError: false);

        Assert.Equal(Forbidden("Started", "InvocationResponse"), Encoding.UTF8.GetString(refusal!));
        Assert.Equal(RuntimeReplies.InvalidRequestId, other);
    }

    [Fact]
    public void A_result_for_the_previous_invocation_once_the_next_is_assigned_is_an_invalid_request_id()
    {
        // RIE: the current invoke id becomes the next invocation's when it is reserved; the answered one's is then
        // refused by AwsRequestIDValidator (400), no longer by the state machine (403).
        var first = Deliver("11111111-1111-1111-1111-111111111111");
        var firstId = Encoding.ASCII.GetBytes(first.RequestId);
        _machine.TakeResult(firstId, isError: false, out _);
        var second = Rent("22222222-2222-2222-2222-222222222222");
        Assert.Equal(AssignResult.Pending, _machine.TryAssign(second, runtimeWaiting: false));

        Assert.Equal(RuntimeReplies.InvalidRequestId, _machine.CheckResult(firstId, isError: false));
        _machine.OnNext(); // the second is delivered
        Assert.Equal(RuntimeReplies.InvalidRequestId, _machine.CheckResult(firstId, isError: true));
        Assert.Null(_machine.TakeResult(firstId, isError: false, out var refusal));
        Assert.Equal(RuntimeReplies.InvalidRequestId, refusal);
        Assert.Same(second, _machine.Current); // still running
        Assert.Null(_machine.CheckResult(Encoding.ASCII.GetBytes(second.RequestId), isError: false));
    }

    [Fact]
    public void Repeated_next_while_busy_redelivers_the_same_invocation_with_the_same_deadline()
    {
        var invocation = Deliver("11111111-1111-1111-1111-111111111111");
        long deadline = invocation.DeadlineUnixMs;
        _clock.AdvanceMilliseconds(500);

        var again = _machine.OnNext();

        Assert.Equal(new NextStep(NextDecision.Deliver, invocation, null, Began: false, FirstReady: false, BecameIdle: false), again);
        Assert.Equal(deadline, invocation.DeadlineUnixMs);
        // The re-delivery does not restart the clock: the deadline still passes 3 s after the first delivery.
        _clock.AdvanceMilliseconds(2500);
        Assert.Equal(new DeadlineStep(DeadlineKind.Invocation, invocation), Assert.Single(_deadlines));
    }

    [Fact]
    public void Next_after_the_answer_delivers_what_was_assigned_meanwhile()
    {
        var first = Deliver("11111111-1111-1111-1111-111111111111");
        _machine.TakeResult(Encoding.ASCII.GetBytes(first.RequestId), isError: false, out _);
        var second = Rent("22222222-2222-2222-2222-222222222222");

        Assert.Equal(AssignResult.Pending, _machine.TryAssign(second, runtimeWaiting: false));
        Assert.False(_machine.CanTakeInvocation);
        var step = _machine.OnNext();

        Assert.Equal(new NextStep(NextDecision.Deliver, second, null, Began: true, FirstReady: false, BecameIdle: false), step);
    }

    [Fact]
    public void Init_deadline_ends_init_and_the_waiting_invocation()
    {
        _machine.Spawning();
        var waiting = Rent("11111111-1111-1111-1111-111111111111");
        _machine.TryAssign(waiting, runtimeWaiting: false);

        _clock.Advance(InitTimeout - TimeSpan.FromMilliseconds(1));
        Assert.Empty(_deadlines);
        _clock.AdvanceMilliseconds(1);

        Assert.Equal(new DeadlineStep(DeadlineKind.Init, waiting), Assert.Single(_deadlines));
        Assert.Equal(EnvironmentState.Dead, _machine.State);
        Assert.Null(_machine.Pending);
        Assert.False(waiting.TryClaimCompletion());
        Assert.Null(_machine.InitDurationMs); // INIT_REPORT then reports the time since the spawn
        Assert.Equal(10_000, _machine.MillisecondsSinceSpawn);
        Assert.Equal(ContainerError, Encoding.UTF8.GetString(_machine.OnNext().Rejection!));
    }

    /// <summary>An on-demand machine (its init goes on in the invoke phase) with its own invocation timeout.</summary>
    private EnvironmentStateMachine OnDemand(TimeSpan invocationTimeout, List<DeadlineStep> deadlines)
    {
        EnvironmentStateMachine? machine = null;
        machine = new EnvironmentStateMachine(_clock, InitTimeout, invocationTimeout, () => deadlines.Add(machine!.OnDeadline()), initGoesOnInInvoke: true);
        return machine;
    }

    [Fact]
    public void On_demand_an_init_past_the_init_limit_goes_on_and_the_whole_init_is_charged_to_the_invocation()
    {
        var deadlines = new List<DeadlineStep>();
        using var machine = OnDemand(TimeSpan.FromSeconds(15), deadlines);
        machine.Spawning();
        var waiting = Rent("11111111-1111-1111-1111-111111111111");
        machine.TryAssign(waiting, runtimeWaiting: false);

        _clock.Advance(InitTimeout);

        // AWS: "Lambda retries the Init phase at the time of the first function invocation with the configured
        // function timeout". Nothing ends: init goes on, on the waiting invocation's clock.
        Assert.Equal(new DeadlineStep(DeadlineKind.InitMovedToInvoke, null), Assert.Single(deadlines));
        Assert.Equal(EnvironmentState.Starting, machine.State);
        Assert.True(machine.InitInInvokePhase);
        Assert.Same(waiting, machine.Pending);

        _clock.AdvanceMilliseconds(1_000);
        var step = machine.OnNext();

        Assert.Equal(new NextStep(NextDecision.Deliver, waiting, null, Began: true, FirstReady: true, BecameIdle: false), step);
        Assert.Null(machine.InitDurationMs); // its REPORT has no Init Duration: the init was the invocation's
        // 15 s less the whole 11 s of init, as AWS's fresh init would have taken them from the timeout.
        Assert.Equal(_clock.GetUtcNow().ToUnixTimeMilliseconds() + 4_000, waiting.DeadlineUnixMs);
        _clock.AdvanceMilliseconds(3_999);
        Assert.Single(deadlines);
        _clock.AdvanceMilliseconds(1);
        Assert.Equal(new DeadlineStep(DeadlineKind.Invocation, waiting), deadlines[^1]);
    }

    [Fact]
    public void On_demand_an_init_longer_than_the_function_timeout_ends_its_invocation()
    {
        var deadlines = new List<DeadlineStep>();
        using var machine = OnDemand(TimeSpan.FromSeconds(12), deadlines);
        machine.Spawning();
        var waiting = Rent("11111111-1111-1111-1111-111111111111");
        machine.TryAssign(waiting, runtimeWaiting: false);

        _clock.Advance(InitTimeout);
        Assert.Equal(DeadlineKind.InitMovedToInvoke, Assert.Single(deadlines).Expired);
        _clock.AdvanceMilliseconds(1_999);
        Assert.Single(deadlines);
        _clock.AdvanceMilliseconds(1); // 12 s since the spawn: the whole timeout

        Assert.Equal(new DeadlineStep(DeadlineKind.Init, waiting), deadlines[^1]);
        Assert.Equal(EnvironmentState.Dead, machine.State);
        Assert.False(waiting.TryClaimCompletion());
    }

    [Fact]
    public void On_demand_an_invocation_arriving_after_an_init_longer_than_its_timeout_fails_at_once()
    {
        var deadlines = new List<DeadlineStep>();
        using var machine = OnDemand(InvocationTimeout, deadlines);
        machine.Spawning();
        _clock.Advance(InitTimeout); // no invocation is waiting yet: init just goes on, with no deadline
        Assert.Equal(new DeadlineStep(DeadlineKind.InitMovedToInvoke, null), Assert.Single(deadlines));
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Single(deadlines);

        // Init has run for 70 s, more than the 3 s timeout: on AWS the fresh init could not fit either.
        var waiting = Rent("11111111-1111-1111-1111-111111111111");
        Assert.Equal(AssignResult.Pending, machine.TryAssign(waiting, runtimeWaiting: false));
        _clock.AdvanceMilliseconds(1);

        Assert.Equal(new DeadlineStep(DeadlineKind.Init, waiting), deadlines[^1]);
        Assert.Equal(EnvironmentState.Dead, machine.State);
    }

    [Fact]
    public void Invocation_deadline_times_out_the_invocation_when_no_result_came()
    {
        var invocation = Deliver("11111111-1111-1111-1111-111111111111");

        _clock.Advance(InvocationTimeout);

        Assert.Equal(new DeadlineStep(DeadlineKind.Invocation, invocation), Assert.Single(_deadlines));
        Assert.Equal(EnvironmentState.Dead, _machine.State);
        Assert.False(invocation.TryClaimCompletion());
        // The runtime's late answer is refused: the environment is going away.
        Assert.Null(_machine.TakeResult(Encoding.ASCII.GetBytes(invocation.RequestId), isError: false, out var late));
        Assert.Equal(ContainerError, Encoding.UTF8.GetString(late!));
    }

    [Fact]
    public void A_result_before_the_deadline_wins_and_the_deadline_does_nothing()
    {
        var invocation = Deliver("11111111-1111-1111-1111-111111111111");
        _clock.AdvanceMilliseconds(2999);

        Assert.Same(invocation, _machine.TakeResult(Encoding.ASCII.GetBytes(invocation.RequestId), isError: false, out _));
        _clock.Advance(InvocationTimeout * 2);

        Assert.Empty(_deadlines);
        Assert.Equal(EnvironmentState.AwaitingNext, _machine.State);
    }

    [Fact]
    public void A_deadline_that_passed_first_wins_and_the_late_result_is_refused()
    {
        var invocation = Deliver("11111111-1111-1111-1111-111111111111");
        _clock.Advance(InvocationTimeout);

        Assert.Null(_machine.TakeResult(Encoding.ASCII.GetBytes(invocation.RequestId), isError: false, out _));

        Assert.Single(_deadlines);
    }

    [Fact]
    public void A_stale_timer_prompt_cannot_time_out_the_next_invocation()
    {
        // The first invocation's timer fires just as its answer is processed (the prompt is already on its way),
        // and the next invocation has begun by the time the prompt is handled.
        var first = Deliver("11111111-1111-1111-1111-111111111111");
        _clock.AdvanceMilliseconds(2000);
        _machine.TakeResult(Encoding.ASCII.GetBytes(first.RequestId), isError: false, out _);
        var second = Rent("22222222-2222-2222-2222-222222222222");
        _machine.TryAssign(second, runtimeWaiting: false);
        _machine.OnNext();
        _clock.AdvanceMilliseconds(1000); // the first deadline's time: not the second's

        var stale = _machine.OnDeadline();

        Assert.Equal(default, stale);
        Assert.Equal(EnvironmentState.Busy, _machine.State);
        Assert.Same(second, _machine.Current);
        // The real deadline still comes, 3 s after the second delivery.
        _clock.AdvanceMilliseconds(1999);
        Assert.Empty(_deadlines);
        _clock.AdvanceMilliseconds(1);
        Assert.Equal(new DeadlineStep(DeadlineKind.Invocation, second), Assert.Single(_deadlines));
    }

    [Fact]
    public void A_timer_that_fires_early_is_put_back_for_the_rest()
    {
        var invocation = Deliver("11111111-1111-1111-1111-111111111111");
        _clock.AdvanceMilliseconds(2990);

        Assert.Equal(default, _machine.OnDeadline()); // a coarse timer's early prompt
        _clock.AdvanceMilliseconds(10);

        Assert.Equal(new DeadlineStep(DeadlineKind.Invocation, invocation), Assert.Single(_deadlines));
    }

    [Fact]
    public void Exit_during_init_ends_the_waiting_invocation_and_measures_init()
    {
        _machine.Spawning();
        var waiting = Rent("11111111-1111-1111-1111-111111111111");
        _machine.TryAssign(waiting, runtimeWaiting: false);
        _clock.AdvanceMilliseconds(40);

        var step = _machine.OnExit();

        Assert.Equal(new ExitStep(null, waiting), step);
        Assert.Equal(40, _machine.InitDurationMs);
        Assert.Equal(EnvironmentState.Dead, _machine.State);
        _clock.Advance(InitTimeout);
        Assert.Empty(_deadlines);
    }

    [Fact]
    public void Exit_during_an_invocation_ends_it_and_its_deadline()
    {
        var invocation = Deliver("11111111-1111-1111-1111-111111111111");

        var step = _machine.OnExit();

        Assert.Equal(new ExitStep(invocation, null), step);
        Assert.False(invocation.TryClaimCompletion());
        _clock.Advance(InvocationTimeout);
        Assert.Empty(_deadlines);
        Assert.Equal(ContainerError, Encoding.UTF8.GetString(_machine.CheckResult(invocation.RequestIdBytes, isError: false)!));
    }

    [Fact]
    public void Exit_while_idle_ends_nothing()
    {
        ReadyAndIdle();

        Assert.Equal(new ExitStep(null, null), _machine.OnExit());
        Assert.Equal(EnvironmentState.Dead, _machine.State);
        Assert.Equal(AssignResult.Refused, _machine.TryAssign(Rent("11111111-1111-1111-1111-111111111111"), runtimeWaiting: true));
    }

    [Fact]
    public void Init_error_fails_init_and_hands_over_the_waiting_invocation()
    {
        _machine.Spawning();
        var waiting = Rent("11111111-1111-1111-1111-111111111111");
        _machine.TryAssign(waiting, runtimeWaiting: false);
        _clock.AdvanceMilliseconds(75);

        Assert.Null(_machine.CheckInitError());
        var step = _machine.OnInitError();

        Assert.Equal(new InitErrorStep(null, waiting), step);
        Assert.Equal(EnvironmentState.InitFailed, _machine.State);
        Assert.Equal(75, _machine.InitDurationMs);
        Assert.False(waiting.TryClaimCompletion());
        _clock.Advance(InitTimeout);
        Assert.Empty(_deadlines);
        // After /init/error the runtime may not go on.
        Assert.Equal(Forbidden("InitError", "Ready"), Encoding.UTF8.GetString(_machine.OnNext().Rejection!));
        Assert.Equal(Forbidden("InitError", "InitError"), Encoding.UTF8.GetString(_machine.OnInitError().Refusal!));
        Assert.Equal(Forbidden("InitError", "InvocationResponse"),
            Encoding.UTF8.GetString(_machine.CheckResult("11111111-1111-1111-1111-111111111111"u8, isError: false)!));
    }

    [Fact]
    public void Init_error_after_init_is_refused_by_state()
    {
        ReadyAndIdle();
        Assert.Equal(Forbidden("Ready", "InitError"), Encoding.UTF8.GetString(_machine.OnInitError().Refusal!));

        var invocation = Deliver("11111111-1111-1111-1111-111111111111", alreadyReady: true);
        Assert.Equal(Forbidden("Running", "InitError"), Encoding.UTF8.GetString(_machine.CheckInitError()!));

        _machine.TakeResult(Encoding.ASCII.GetBytes(invocation.RequestId), isError: false, out _);
        Assert.Equal(Forbidden("RuntimeResponseSentState", "InitError"), Encoding.UTF8.GetString(_machine.CheckInitError()!));
        Assert.Equal(EnvironmentState.AwaitingNext, _machine.State);
    }

    // ---- The init retry ("suppressed init"): recorded CloudWatch logs show AWS retrying a failed init once, in the
    // invoke phase, before the waiting invocation is answered. ------------------------------------------------------

    /// <summary>A stop after the exit decided the retry but before its process spawned: CancelRetry hands the waiting
    /// invocation back (claimed) and nothing is spawned; with no retry due it does nothing.</summary>
    [Fact]
    public void CancelRetry_ends_a_decided_retry_before_its_spawn()
    {
        using var machine = OnDemand(TimeSpan.FromSeconds(5), []);
        machine.Spawning();
        Assert.Null(machine.CancelRetry());
        var waiting = Rent("11111111-1111-1111-1111-111111111111");
        machine.TryAssign(waiting, runtimeWaiting: false);
        Assert.True(machine.OnExit(mayRetry: true).RetryInit);

        Assert.Same(waiting, machine.CancelRetry());

        Assert.Equal(EnvironmentState.Dead, machine.State);
        Assert.Null(machine.Pending);
        Assert.False(machine.InitRetryDue);
        Assert.Null(machine.CancelRetry());
    }

    [Fact]
    public void An_init_error_with_an_invocation_waiting_is_retried_once_on_the_invocations_clock()
    {
        var deadlines = new List<DeadlineStep>();
        using var machine = OnDemand(TimeSpan.FromSeconds(5), deadlines);
        machine.Spawning();
        var waiting = Rent("11111111-1111-1111-1111-111111111111");
        machine.TryAssign(waiting, runtimeWaiting: false);
        _clock.AdvanceMilliseconds(300);

        var step = machine.OnInitError(mayRetry: true);

        // Nobody is answered: the first INIT_REPORT (Phase: init) is due, and the retry once this process is gone.
        Assert.Equal(new InitErrorStep(null, null, RetryInit: true), step);
        Assert.Equal(300, machine.InitReportMs);
        Assert.Same(waiting, machine.Pending);
        Assert.True(machine.InitRetryDue);
        Assert.Equal(Forbidden("InitError", "Ready"), Encoding.UTF8.GetString(machine.OnNext().Rejection!));
        Assert.Equal(new ExitStep(null, null, RetryInit: true, InitFailedNow: false), machine.OnExit(mayRetry: true));

        _clock.AdvanceMilliseconds(50);
        machine.Spawning(); // the retry's process
        Assert.False(machine.InitRetryDue);
        Assert.Equal(EnvironmentState.Starting, machine.State);
        Assert.Equal(Gateway.Logs.InitPhase.Invoke, machine.InitPhase);
        Assert.Null(machine.InitDurationMs);
        _clock.AdvanceMilliseconds(1_000);
        var next = machine.OnNext();

        Assert.Equal(new NextStep(NextDecision.Deliver, waiting, null, Began: true, FirstReady: true, BecameIdle: false), next);
        Assert.Null(machine.InitDurationMs); // no Init Duration: the retry was the invocation's time
        Assert.Equal(_clock.GetUtcNow().ToUnixTimeMilliseconds() + 4_000, waiting.DeadlineUnixMs); // 5 s from the retry's start
        Assert.Empty(deadlines);
    }

    [Fact]
    public void A_retry_that_fails_hands_over_the_invocation_and_there_is_no_second_retry()
    {
        using var machine = OnDemand(TimeSpan.FromSeconds(5), []);
        machine.Spawning();
        var waiting = Rent("11111111-1111-1111-1111-111111111111");
        machine.TryAssign(waiting, runtimeWaiting: false);
        _clock.AdvanceMilliseconds(20);

        // Exits during init: the exit is the failure (its INIT_REPORT due now).
        Assert.Equal(new ExitStep(null, null, RetryInit: true, InitFailedNow: true), machine.OnExit(mayRetry: true));
        Assert.Equal(20, machine.InitReportMs);
        machine.Spawning();
        _clock.AdvanceMilliseconds(70);

        var step = machine.OnInitError(mayRetry: true);

        Assert.Equal(new InitErrorStep(null, waiting), step);
        Assert.Equal(70, machine.InitReportMs); // the retry's own time, in the invoke phase
        Assert.Equal(Gateway.Logs.InitPhase.Invoke, machine.InitPhase);
        Assert.False(waiting.TryClaimCompletion());
        Assert.Equal(new ExitStep(null, null), machine.OnExit(mayRetry: true)); // the killed retry: nothing more
        Assert.Equal(EnvironmentState.Dead, machine.State);
    }

    [Fact]
    public void A_retry_past_the_function_timeout_times_out()
    {
        var deadlines = new List<DeadlineStep>();
        using var machine = OnDemand(TimeSpan.FromSeconds(5), deadlines);
        machine.Spawning();
        var waiting = Rent("11111111-1111-1111-1111-111111111111");
        machine.TryAssign(waiting, runtimeWaiting: false);
        _clock.AdvanceMilliseconds(4_000);
        Assert.Null(machine.OnFailedToStart(mayRetry: true, out bool retry));
        Assert.True(retry);
        machine.Spawning();

        _clock.AdvanceMilliseconds(4_999);
        Assert.Empty(deadlines); // 5 s from the retry's start, not the first spawn
        _clock.AdvanceMilliseconds(1);

        Assert.Equal(new DeadlineStep(DeadlineKind.Init, waiting), Assert.Single(deadlines));
        Assert.Equal(Gateway.Logs.InitPhase.Invoke, machine.InitPhase);
    }

    [Fact]
    public void No_retry_without_a_waiting_invocation_when_not_allowed_or_after_the_init_timeout()
    {
        _machine.Spawning();
        Assert.Equal(new InitErrorStep(null, null), _machine.OnInitError(mayRetry: true)); // nobody waits
        Assert.Equal(new ExitStep(null, null), _machine.OnExit(mayRetry: true));

        using var refused = OnDemand(TimeSpan.FromSeconds(5), []);
        refused.Spawning();
        var waiting = Rent("11111111-1111-1111-1111-111111111111");
        refused.TryAssign(waiting, runtimeWaiting: false);
        Assert.Same(waiting, refused.OnFailedToStart(mayRetry: false, out bool retry));
        Assert.False(retry);

        // An init that went on in the invoke phase is already AWS's retry of an init that timed out.
        using var slow = OnDemand(TimeSpan.FromSeconds(30), []);
        slow.Spawning();
        var late = Rent("22222222-2222-2222-2222-222222222222");
        slow.TryAssign(late, runtimeWaiting: false);
        _clock.Advance(InitTimeout);
        Assert.Equal(new InitErrorStep(null, late), slow.OnInitError(mayRetry: true));
    }

    [Fact]
    public void A_retry_decided_by_an_init_error_gives_way_to_a_stop_before_the_exit()
    {
        using var machine = OnDemand(TimeSpan.FromSeconds(5), []);
        machine.Spawning();
        var waiting = Rent("11111111-1111-1111-1111-111111111111");
        machine.TryAssign(waiting, runtimeWaiting: false);
        Assert.True(machine.OnInitError(mayRetry: true).RetryInit);

        // The environment is being stopped when the process's exit comes: no retry; the invocation gets the /init/error
        // that decided it (RetryCancelled: its INIT_REPORT is written), not the kill's exit.
        Assert.Equal(new ExitStep(null, waiting, RetryCancelled: true), machine.OnExit(mayRetry: false));
        Assert.False(machine.InitRetryDue);
        Assert.Equal(EnvironmentState.Dead, machine.State);
    }

    [Fact]
    public void Failing_to_start_ends_the_waiting_invocation()
    {
        _machine.Spawning();
        var waiting = Rent("11111111-1111-1111-1111-111111111111");
        _machine.TryAssign(waiting, runtimeWaiting: false);

        Assert.Same(waiting, _machine.OnFailedToStart(mayRetry: false, out _));
        Assert.Equal(EnvironmentState.Dead, _machine.State);
        _clock.Advance(InitTimeout);
        Assert.Empty(_deadlines);
    }

    private const string ContainerError =
        "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: 125\r\nConnection: close\r\n\r\n" +
        """{"errorMessage":"Container error. Non-recoverable state. Runtime should exit promptly.","errorType":"Runtime.ContainerError"}""";

    private static string Forbidden(string from, string to)
    {
        var body = $$"""{"errorMessage":"State transition from {{from}} to {{to}} failed for runtime. Error: State transition is not allowed","errorType":"InvalidStateTransition"}""";
        return $"HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}";
    }

    /// <summary>An on-demand machine whose owner allows a reset (no extension, not stopping).</summary>
    private EnvironmentStateMachine Resettable(TimeSpan invocationTimeout, List<DeadlineStep> deadlines)
    {
        EnvironmentStateMachine? machine = null;
        machine = new EnvironmentStateMachine(_clock, InitTimeout, invocationTimeout, () => deadlines.Add(machine!.OnDeadline(mayReset: true)), initGoesOnInInvoke: true);
        return machine;
    }

    /// <summary>AWS resets the environment after an invocation's timeout and re-initializes it with the next invocation:
    /// that init is on the invocation's clock (its handler gets what is left), and an init slower than the timeout times
    /// out again and resets again (the doom loop).</summary>
    [Fact]
    public void A_timeout_resets_the_environment_and_the_next_invocation_re_initializes_it_on_its_own_clock()
    {
        var deadlines = new List<DeadlineStep>();
        using var machine = Resettable(TimeSpan.FromSeconds(2), deadlines);
        machine.Spawning();
        machine.OnNext();
        var first = Rent("11111111-1111-1111-1111-111111111111");
        machine.TryAssign(first, runtimeWaiting: true);

        _clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(new DeadlineStep(DeadlineKind.Invocation, first, Reset: true), Assert.Single(deadlines));
        Assert.Equal(EnvironmentState.Reset, machine.State);
        Assert.True(machine.CanTakeInvocation); // idle for the pool
        Assert.Equal(new ExitStep(null, null, Reset: true), machine.OnExit(mayReset: true)); // the reset's kill

        var second = Rent("22222222-2222-2222-2222-222222222222");
        Assert.Equal(AssignResult.Pending, machine.TryAssign(second, runtimeWaiting: false));
        machine.Spawning(); // the re-init
        Assert.Equal(EnvironmentState.Starting, machine.State);
        Assert.Equal(Gateway.Logs.InitPhase.Invoke, machine.InitPhase);
        Assert.Null(machine.InitDurationMs); // no Init Duration: the init is the invocation's time
        _clock.AdvanceMilliseconds(500);
        var next = machine.OnNext();
        Assert.Same(second, next.Invocation);
        Assert.Equal(_clock.GetUtcNow().ToUnixTimeMilliseconds() + 1500, second.DeadlineUnixMs); // the re-init's 500 ms are spent

        // Its handler runs out of what was left: reset again.
        _clock.AdvanceMilliseconds(1500);
        Assert.Equal(new DeadlineStep(DeadlineKind.Invocation, second, Reset: true), deadlines[^1]);
        Assert.Equal(EnvironmentState.Reset, machine.State);
        Assert.Equal(new ExitStep(null, null, Reset: true), machine.OnExit(mayReset: true));
        var third = Rent("33333333-3333-3333-3333-333333333333");
        machine.TryAssign(third, runtimeWaiting: false);
        machine.Spawning();
        _clock.Advance(TimeSpan.FromSeconds(2)); // a re-init slower than the timeout: the doom loop
        Assert.Equal(new DeadlineStep(DeadlineKind.Init, third, Reset: true), deadlines[^1]);
        Assert.Equal(EnvironmentState.Reset, machine.State);
    }

    [Fact]
    public void A_crash_resets_a_ready_environment_and_a_failed_re_init_ends_its_invocation_and_resets_again()
    {
        using var machine = Resettable(TimeSpan.FromSeconds(2), []);
        machine.Spawning();
        machine.OnNext();
        var running = Rent("11111111-1111-1111-1111-111111111111");
        machine.TryAssign(running, runtimeWaiting: true);

        Assert.Equal(new ExitStep(running, null, Reset: true), machine.OnExit(mayReset: true));
        Assert.Equal(EnvironmentState.Reset, machine.State);

        var waiting = Rent("22222222-2222-2222-2222-222222222222");
        machine.TryAssign(waiting, runtimeWaiting: false);
        machine.Spawning();
        Assert.Equal(new InitErrorStep(null, waiting, Reset: true), machine.OnInitError(mayRetry: true, mayReset: true)); // no init retry in a re-init
        Assert.Equal(EnvironmentState.Reset, machine.State);
        Assert.Equal(new ExitStep(null, null, Reset: true), machine.OnExit(mayRetry: true, mayReset: true));

        // Stopped with no process: Dead, nothing waiting.
        Assert.Null(machine.EndReset());
        Assert.Equal(EnvironmentState.Dead, machine.State);
    }

    [Fact]
    public void Without_the_owners_leave_or_before_a_first_ready_an_exit_ends_the_environment()
    {
        using var machine = Resettable(TimeSpan.FromSeconds(2), []);
        machine.Spawning();
        var waiting = Rent("11111111-1111-1111-1111-111111111111");
        machine.TryAssign(waiting, runtimeWaiting: false);
        Assert.Equal(new ExitStep(null, waiting), machine.OnExit(mayReset: true)); // the init never succeeded: no reset
        Assert.Equal(EnvironmentState.Dead, machine.State);

        using var extended = Resettable(TimeSpan.FromSeconds(2), []);
        extended.Spawning();
        extended.OnNext();
        var running = Rent("22222222-2222-2222-2222-222222222222");
        extended.TryAssign(running, runtimeWaiting: true);
        Assert.Equal(new ExitStep(running, null), extended.OnExit(mayReset: false)); // e.g. an extension registered
        Assert.Equal(EnvironmentState.Dead, extended.State);
    }

    private Invocation Rent(string requestId)
    {
        var invocation = _invocations.Rent();
        _rented.Add(invocation);
        invocation.RequestId = requestId;
        Encoding.ASCII.GetBytes(requestId, invocation.RequestIdBytes);
        return invocation;
    }

    private void ReadyAndIdle()
    {
        _machine.Spawning();
        _machine.OnNext();
    }

    /// <summary>An invocation delivered to a parked runtime (after init, unless <paramref name="alreadyReady"/>).</summary>
    private Invocation Deliver(string requestId, bool alreadyReady = false)
    {
        if (!alreadyReady)
        {
            ReadyAndIdle();
        }
        var invocation = Rent(requestId);
        Assert.Equal(AssignResult.DeliverNow, _machine.TryAssign(invocation, runtimeWaiting: true));
        return invocation;
    }
}
