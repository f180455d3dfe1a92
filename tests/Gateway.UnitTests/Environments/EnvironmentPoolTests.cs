using System.Text;
using Gateway.Admission;
using Gateway.Environments;
using Gateway.Functions;
using Gateway.Hosting;
using Gateway.Invocations;
using Gateway.Invoke;
using Gateway.Metrics;
using Gateway.UnitTests.Support;

namespace Gateway.UnitTests.Environments;

/// <summary>
/// The environment pool with real environments: each runs a bash + curl bootstrap (<see cref="TestRuntime"/>) that
/// answers with its definition's marker and its pid, so every test asserts which code and which process answered.
/// Waits are for outcomes (a count reached, a process gone), each with a deadline; nothing is timed.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class EnvironmentPoolTests : IAsyncLifetime
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly TestRuntime _runtime = new();
    private readonly EnvironmentServices _services;
    private readonly InvocationPool _invocations = new();
    private readonly List<EnvironmentPool> _pools = [];

    public EnvironmentPoolTests()
    {
        // Host folders, not a mount namespace: the runtime waits on gate files in the test's folder and answers with its
        // own pid, which a test compares with the environment's (in a namespace that would be bubblewrap's). The
        // namespace has its own tests (EnvironmentSandboxTests, and SandboxTests end to end).
        _services = new EnvironmentServices(new GatewayOptions { DataDirectory = _runtime.DataDirectory, EchoFunctionLogs = false, Sandbox = "none" }, TimeProvider.System);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var pool in _pools)
        {
            await pool.StopAsync(StopTimeout).WithTimeout();
        }
        _services.Dispose();
        _runtime.Dispose();
    }

    // ---- 1. Where a dispatch goes, and the one release ----

    [Fact]
    public async Task An_invocation_goes_to_the_most_recently_used_idle_environment()
    {
        var pool = NewPool(_runtime.Definition("v1"));
        // Two environments busy at once, then idle in a known order: first, then second.
        var (first, firstGate) = await StartHeldAsync(pool, "first");
        var (second, secondGate) = await StartHeldAsync(pool, "second");
        Assert.Equal(2, pool.Count);
        TestRuntime.Open(firstGate);
        var firstAnswer = await first.WithTimeout();
        await UntilAsync(() => pool.IdleCount == 1);
        TestRuntime.Open(secondGate);
        var secondAnswer = await second.WithTimeout();
        await UntilAsync(() => pool.IdleCount == 2);
        Assert.NotEqual(Pid(firstAnswer), Pid(secondAnswer));

        var next = await InvokeAsync(pool);

        Assert.Equal(secondAnswer, next); // the warmest: the last to go idle
        Assert.Equal(2, pool.Count); // and nothing new was started
    }

    [Fact]
    public async Task An_invocation_goes_to_an_environment_that_is_still_starting()
    {
        var initGate = _runtime.Gate("init");
        var pool = NewPool(_runtime.Definition("v1", initGate: initGate));
        pool.SetProvisionedConcurrency(1);
        var starting = Assert.Single(pool.Snapshot());
        await UntilAsync(() => starting.ProcessId is not null);
        Assert.Equal(EnvironmentState.Starting, starting.State); // its init waits for the gate

        var invocation = NewInvocation();
        try
        {
            var lease = Dispatch(pool, invocation);
            Assert.Same(starting, Assert.Single(pool.Snapshot())); // claimed: no second environment
            TestRuntime.Open(initGate);
            await lease.RunAsync().WithTimeout();

            Assert.Equal($"v1 {starting.ProcessId}", Answer(invocation));
        }
        finally
        {
            _invocations.Return(invocation);
        }
    }

    [Fact]
    public async Task Running_a_lease_releases_its_admission_ticket_exactly_once_when_the_function_has_answered()
    {
        var admission = new FakeAdmission();
        var pool = NewPool(_runtime.Definition("v1"), admission);
        var gate = _runtime.Gate("answer");
        var invocation = NewInvocation(Hold(answerAfter: gate));
        try
        {
            var run = Dispatch(pool, invocation).RunAsync().AsTask();
            var environment = Assert.Single(pool.Snapshot());
            await UntilAsync(() => environment.State == EnvironmentState.Busy);
            Assert.Equal(1, admission.Admitted);
            Assert.Equal(0, admission.Released); // held while the function runs
            Assert.True(invocation.Admission.IsHeld);

            TestRuntime.Open(gate);
            await run.WithTimeout();
            pool.Release(invocation); // a second release (as a careless caller might) gives nothing back

            Assert.Equal("v1", Marker(Answer(invocation)));
            Assert.Equal(1, admission.Released);
            Assert.False(invocation.Admission.IsHeld);
        }
        finally
        {
            _invocations.Return(invocation);
        }
    }

    // ---- 2. Two-phase placement: a refusal rolls the reservation back ----

    [Fact]
    public async Task A_remote_pre_admission_is_the_only_admission_and_its_burst_token_is_not_asked_for_again()
    {
        var admission = new FakeAdmission { IsRemote = true };
        var pool = NewPool(_runtime.Definition("v1"), admission);
        Assert.True(pool.AdmissionIsRemote);

        // Nothing idle: the pre-admission predicts a new environment and takes its burst token.
        var cold = NewInvocation();
        try
        {
            Assert.True((await pool.PreAdmitAsync(cold, chargeRequest: true).WithTimeout()).IsAdmitted);
            Assert.True(admission.LastRemoteNeedsNew);
            await Dispatch(pool, cold).RunAsync().WithTimeout();
        }
        finally
        {
            _invocations.Return(cold);
        }
        Assert.Equal(0, admission.SyncAdmits);
        Assert.Equal(0, admission.BurstRequests); // the ticket said it included the token
        Assert.Equal(1, admission.Released);

        // A warm environment idle: predicted as such, no burst token.
        await UntilAsync(() => pool.IdleCount == 1);
        var warm = NewInvocation();
        try
        {
            Assert.True((await pool.PreAdmitAsync(warm, chargeRequest: true).WithTimeout()).IsAdmitted);
            Assert.False(admission.LastRemoteNeedsNew);
            await Dispatch(pool, warm).RunAsync().WithTimeout();
        }
        finally
        {
            _invocations.Return(warm);
        }
        Assert.Equal(0, admission.SyncAdmits);
        Assert.Equal(1, pool.Count);
        Assert.Equal(2, admission.Released);

        // A refused pre-admission holds nothing.
        admission.Decision = ThrottleDecision.Throttled(ThrottleReason.ReservedFunctionConcurrentInvocationLimitExceeded, 1);
        var refused = NewInvocation();
        try
        {
            Assert.Equal(ThrottleReason.ReservedFunctionConcurrentInvocationLimitExceeded, (await pool.PreAdmitAsync(refused, chargeRequest: true).WithTimeout()).Reason);
            Assert.False(refused.Admission.IsHeld);
        }
        finally
        {
            _invocations.Return(refused);
        }
    }

    [Fact]
    public async Task A_wrong_warm_guess_asks_for_the_burst_token_when_the_pool_needs_a_new_environment()
    {
        var admission = new FakeAdmission { IsRemote = true };
        var pool = NewPool(_runtime.Definition("v1"), admission);
        await InvokeAsync(pool); // one warm environment (the fake admits synchronously here: not remote-shaped, fine)
        await UntilAsync(() => pool.IdleCount == 1);
        int syncAdmits = admission.SyncAdmits;

        var guessedWarm = NewInvocation();
        var taker = NewInvocation(Hold(answerAfter: _runtime.Gate("held")));
        try
        {
            Assert.True((await pool.PreAdmitAsync(guessedWarm, chargeRequest: true).WithTimeout()).IsAdmitted);
            Assert.False(admission.LastRemoteNeedsNew);
            // Another invocation takes the idle environment before this one is placed.
            var busy = Dispatch(pool, taker).RunAsync().AsTask();
            var lease = Dispatch(pool, guessedWarm);
            Assert.Equal(1, admission.BurstRequests); // the pool asked for the token the guess did not take
            Assert.Equal(2, pool.Count);
            await lease.RunAsync().WithTimeout();
            TestRuntime.Open(_runtime.Gate("held"));
            await busy.WithTimeout();
        }
        finally
        {
            _invocations.Return(guessedWarm);
            _invocations.Return(taker);
        }
        Assert.Equal(syncAdmits + 1, admission.SyncAdmits); // only the taker's own (sync) admission
    }

    [Fact]
    public async Task A_refused_admission_puts_the_reserved_idle_environment_back_and_leaks_nothing()
    {
        var admission = new FakeAdmission();
        var machine = new EnvironmentLimit(8);
        var pool = NewPool(_runtime.Definition("v1"), admission, machine);
        var warm = await InvokeAsync(pool);
        var environment = Assert.Single(pool.Snapshot());
        await UntilAsync(() => pool.IdleCount == 1 && environment.State == EnvironmentState.Idle); // its runtime back in /next
        Assert.Equal(1, machine.Live);

        admission.Decision = ThrottleDecision.Throttled(ThrottleReason.ReservedFunctionConcurrentInvocationLimitExceeded, 1);
        var refused = NewInvocation();
        try
        {
            var result = pool.TryDispatch(refused, chargeRequest: true, out _, out var throttle);

            Assert.Equal(DispatchResult.Throttled, result);
            Assert.Equal(ThrottleReason.ReservedFunctionConcurrentInvocationLimitExceeded, throttle.Reason); // admission's own reason, passed on
            Assert.Equal(1, pool.IdleCount);
            Assert.Equal(1, machine.Live);
            Assert.False(refused.Admission.IsHeld);
        }
        finally
        {
            _invocations.Return(refused);
        }

        admission.Decision = ThrottleDecision.Admitted;
        Assert.Equal(warm, await InvokeAsync(pool)); // the same process: it was back in the idle list
        Assert.Equal(1, pool.Count);
        Assert.Equal(admission.Admitted, admission.Released);
    }

    [Fact]
    public async Task A_refused_admission_for_a_new_environment_gives_its_room_back()
    {
        var admission = new FakeAdmission { Decision = ThrottleDecision.Throttled(ThrottleReason.ConcurrentInvocationLimitExceeded, 1) };
        var machine = new EnvironmentLimit(1);
        var pool = NewPool(_runtime.Definition("v1"), admission, machine);

        var refused = NewInvocation();
        try
        {
            Assert.Equal(DispatchResult.Throttled, pool.TryDispatch(refused, chargeRequest: true, out _, out _));
        }
        finally
        {
            _invocations.Return(refused);
        }
        Assert.Equal(0, machine.Live);
        Assert.Equal(0, pool.Count);

        // The one room on this machine is free again: the next invocation gets it.
        admission.Decision = ThrottleDecision.Admitted;
        Assert.Equal("v1", Marker(await InvokeAsync(pool)));
    }

    [Fact]
    public async Task A_refused_admission_puts_back_an_environment_that_has_answered_but_not_yet_called_next()
    {
        // Found by this test: the rollback only put back environments in Idle, but an environment is offered as soon as
        // it answers, before its runtime's next /next (AwaitingNext). Rolled back then, it left the idle list for good:
        // never dispatched to again, never scaled down, never stopped by a Retire — while counting against the caps.
        var admission = new FakeAdmission();
        var machine = new EnvironmentLimit(8);
        var pool = NewPool(_runtime.Definition("v1"), admission, machine);
        var nextGate = _runtime.Gate("next");
        var warm = await InvokeAsync(pool, Hold(nextAfter: nextGate));
        var environment = Assert.Single(pool.Snapshot());
        await UntilAsync(() => pool.IdleCount == 1);
        Assert.Equal(EnvironmentState.AwaitingNext, environment.State);

        admission.Decision = ThrottleDecision.Throttled(ThrottleReason.ConcurrentInvocationLimitExceeded, 1);
        var refused = NewInvocation();
        try
        {
            Assert.Equal(DispatchResult.Throttled, pool.TryDispatch(refused, chargeRequest: true, out _, out _));
        }
        finally
        {
            _invocations.Return(refused);
        }

        Assert.Equal(1, pool.IdleCount);
        admission.Decision = ThrottleDecision.Admitted;
        TestRuntime.Open(nextGate);
        Assert.Equal(warm, await InvokeAsync(pool));
        Assert.Equal(1, pool.Count);
        Assert.Equal(1, machine.Live);
    }

    [Fact]
    public async Task A_retire_during_a_refused_admission_still_stops_the_reserved_environment()
    {
        // Found by this test: a Retire while the idle environment was reserved (out of the idle list it stops) left it
        // running when admission then refused, so the pool never drained.
        var admission = new FakeAdmission();
        var pool = NewPool(_runtime.Definition("v1"), admission);
        await InvokeAsync(pool);
        var environment = Assert.Single(pool.Snapshot());
        await UntilAsync(() => pool.IdleCount == 1);
        admission.Decision = ThrottleDecision.Throttled(ThrottleReason.ConcurrentInvocationLimitExceeded, 1);
        admission.DuringAdmit = pool.Retire;

        var refused = NewInvocation();
        try
        {
            Assert.Equal(DispatchResult.Throttled, pool.TryDispatch(refused, chargeRequest: true, out _, out _));
        }
        finally
        {
            _invocations.Return(refused);
        }

        await pool.Drained.WithTimeout();
        Assert.False(ProcessExists(environment.ProcessId!.Value));
    }

    [Fact]
    public async Task An_update_during_a_refused_admission_stops_the_reserved_environment_of_the_old_code()
    {
        var admission = new FakeAdmission();
        var machine = new EnvironmentLimit(8);
        var pool = NewPool(_runtime.Definition("old"), admission, machine);
        await InvokeAsync(pool);
        var old = Assert.Single(pool.Snapshot());
        await UntilAsync(() => pool.IdleCount == 1);
        admission.Decision = ThrottleDecision.Throttled(ThrottleReason.ConcurrentInvocationLimitExceeded, 1);
        var next = _runtime.Definition("new");
        admission.DuringAdmit = () => pool.Update(next);

        var refused = NewInvocation();
        try
        {
            Assert.Equal(DispatchResult.Throttled, pool.TryDispatch(refused, chargeRequest: true, out _, out _));
        }
        finally
        {
            _invocations.Return(refused);
        }

        await old.Exited.WithTimeout();
        Assert.Equal(0, pool.Count);
        Assert.Equal(0, machine.Live);
        admission.DuringAdmit = null;
        admission.Decision = ThrottleDecision.Admitted;
        Assert.Equal("new", Marker(await InvokeAsync(pool)));
    }

    [Fact]
    public async Task An_environment_that_becomes_ready_while_reserved_is_not_left_in_the_idle_list()
    {
        // Found by this test: a starting environment reserved by a dispatch can reach its first /next before the
        // dispatch commits; OnIdle then listed it as idle (or, after an Update, stopped it), and it stayed listed while
        // running the invocation, where an Update (as here), a Retire, a scale-down or lower provisioned concurrency
        // would kill it mid-invocation. A reserved environment is now left to its dispatcher.
        var admission = new FakeAdmission();
        var initGate = _runtime.Gate("init");
        var pool = NewPool(_runtime.Definition("old", initGate: initGate), admission);
        pool.SetProvisionedConcurrency(1);
        var environment = Assert.Single(pool.Snapshot());
        await UntilAsync(() => environment.ProcessId is not null);
        admission.DuringAdmit = () =>
        {
            // Between the reservation and the commit: init finishes and the runtime waits in /next.
            TestRuntime.Open(initGate);
            Assert.True(SpinWait.SpinUntil(() => environment.State == EnvironmentState.Idle, TimeoutExtensions.Default), "never became ready");
            Assert.Equal(0, pool.IdleCount); // reserved: left to its dispatcher, not listed as idle
        };
        var gate = _runtime.Gate("answer");
        var invocation = NewInvocation(Hold(answerAfter: gate));
        var answer = RunAndReturnAsync(Dispatch(pool, invocation), invocation);
        admission.DuringAdmit = null;

        Assert.Equal(0, pool.IdleCount); // it runs the invocation: not idle
        // The environment calls OnIdle after leaving its own lock, so the commit can come first and its OnIdle after
        // (seen in one of three local runs of this suite): done here by hand, so the order is certain.
        pool.OnIdle(environment);
        Assert.Equal(0, pool.IdleCount);
        pool.Update(_runtime.Definition("new"));
        TestRuntime.Open(gate);

        Assert.Equal($"old {environment.ProcessId}", await answer.WithTimeout()); // drained, not killed
    }

    [Fact]
    public async Task An_update_while_a_starting_environment_is_reserved_lets_it_run_its_invocation()
    {
        // The environment becomes ready and the code changes, both between the reservation and the commit: the
        // reserved environment runs the invocation on the old code (as any in-flight one during a deploy) and is not
        // stopped under it.
        var admission = new FakeAdmission();
        var initGate = _runtime.Gate("init");
        var pool = NewPool(_runtime.Definition("old", initGate: initGate), admission);
        pool.SetProvisionedConcurrency(1);
        var environment = Assert.Single(pool.Snapshot());
        await UntilAsync(() => environment.ProcessId is not null);
        admission.DuringAdmit = () =>
        {
            TestRuntime.Open(initGate);
            Assert.True(SpinWait.SpinUntil(() => environment.State == EnvironmentState.Idle, TimeoutExtensions.Default), "never became ready");
            pool.Update(_runtime.Definition("new"));
        };
        var invocation = NewInvocation(Hold());
        var answer = RunAndReturnAsync(Dispatch(pool, invocation), invocation);
        admission.DuringAdmit = null;

        Assert.Equal($"old {environment.ProcessId}", await answer.WithTimeout()); // ran, not killed
        await UntilAsync(() => environment.State == EnvironmentState.Dead); // and stopped once done: old code
    }

    // ---- 3. The gateway's caps: its own reason, never a Lambda one ----

    [Fact]
    public async Task The_machine_cap_refuses_a_new_environment_in_any_pool_with_the_gateway_reason()
    {
        var admission = new AdmissionController(new AdmissionOptions(), TimeProvider.System);
        var machine = new EnvironmentLimit(1);
        var busyPool = NewPool(_runtime.Definition("a"), admission, machine);
        var otherPool = NewPool(_runtime.Definition("b"), admission, machine);
        var (held, gate) = await StartHeldAsync(busyPool, "a");
        Assert.Equal(1, admission.ConcurrentExecutions);

        foreach (var pool in new[] { busyPool, otherPool })
        {
            AssertRefusedByGateway(pool);
        }

        Assert.Equal(1, admission.ConcurrentExecutions); // the refusals hold no concurrency
        Assert.Equal(1, machine.Live);
        Assert.Equal(0, otherPool.Count);
        TestRuntime.Open(gate);
        Assert.Equal("a", Marker(await held.WithTimeout()));
    }

    [Fact]
    public async Task A_definitions_MaxEnvironments_refuses_a_new_environment_with_the_gateway_reason()
    {
        var admission = new AdmissionController(new AdmissionOptions(), TimeProvider.System);
        var machine = new EnvironmentLimit(8);
        var pool = NewPool(_runtime.Definition("v1", maxEnvironments: 1), admission, machine);
        var (held, gate) = await StartHeldAsync(pool, "held");

        AssertRefusedByGateway(pool);

        Assert.Equal(1, pool.Count);
        Assert.Equal(1, machine.Live);
        Assert.Equal(1, admission.ConcurrentExecutions);
        TestRuntime.Open(gate);
        Assert.Equal("v1", Marker(await held.WithTimeout()));
    }

    // ---- 4. Update: drain, never kill ----

    [Fact]
    public async Task An_update_lets_the_invocation_in_flight_finish_stops_old_environments_and_starts_the_new_code()
    {
        var pool = NewPool(_runtime.Definition("old"));
        var (inFlight, gate) = await StartHeldAsync(pool, "old");
        await InvokeAsync(pool); // a second environment, idle afterwards
        await UntilAsync(() => pool.IdleCount == 1);
        var environments = pool.Snapshot();
        var busy = environments.Single(e => e.State == EnvironmentState.Busy);
        var idle = environments.Single(e => e != busy);
        int busyPid = busy.ProcessId!.Value;
        int idlePid = idle.ProcessId!.Value;

        pool.Update(_runtime.Definition("new"));

        await idle.Exited.WithTimeout(); // idle old code stops at once
        Assert.False(ProcessExists(idlePid));
        Assert.Equal(EnvironmentState.Busy, busy.State); // the busy one is not touched
        TestRuntime.Open(gate);
        Assert.Equal($"old {busyPid}", await inFlight.WithTimeout()); // answered normally, by the old code
        await busy.Exited.WithTimeout(); // then stopped instead of going idle
        Assert.False(ProcessExists(busyPid));

        var answer = await InvokeAsync(pool);
        Assert.Equal("new", Marker(answer));
        Assert.Equal(Pid(answer), Assert.Single(pool.Snapshot()).ProcessId);
    }

    // ---- 5. Retire: no new work, drain, then Drained ----

    [Fact]
    public async Task A_retired_pool_takes_no_dispatch_lets_the_busy_environment_finish_and_then_is_drained()
    {
        var machine = new EnvironmentLimit(8);
        var pool = NewPool(_runtime.Definition("v1"), machine: machine);
        var (inFlight, gate) = await StartHeldAsync(pool, "v1");
        await InvokeAsync(pool);
        await UntilAsync(() => pool.IdleCount == 1);
        var busy = pool.Snapshot().Single(e => e.State == EnvironmentState.Busy);
        var idle = pool.Snapshot().Single(e => e != busy);

        pool.Retire();

        var late = NewInvocation();
        try
        {
            Assert.Equal(DispatchResult.Stopping, pool.TryDispatch(late, chargeRequest: true, out _, out _));
        }
        finally
        {
            _invocations.Return(late);
        }
        await idle.Exited.WithTimeout();
        Assert.False(pool.Drained.IsCompleted); // the busy one is still running its invocation
        Assert.Equal(EnvironmentState.Busy, busy.State);

        TestRuntime.Open(gate);
        Assert.Equal($"v1 {busy.ProcessId}", await inFlight.WithTimeout());
        await pool.Drained.WithTimeout();
        Assert.Equal(0, pool.Count);
        Assert.Equal(0, machine.Live);
    }

    // ---- 6. Provisioned concurrency ----

    [Fact]
    public async Task Provisioned_concurrency_pre_forks_environments_and_lowering_it_stops_the_idle_surplus()
    {
        var machine = new EnvironmentLimit(8);
        var pool = NewPool(_runtime.Definition("v1"), machine: machine);

        pool.SetProvisionedConcurrency(3);

        await UntilAsync(() => pool.ReadyProvisioned == 3);
        var ready = pool.Snapshot();
        Assert.Equal(3, ready.Count);
        Assert.All(ready, e => Assert.True(e.Provisioned));
        Assert.Equal(3, pool.IdleCount);

        pool.SetProvisionedConcurrency(1);

        await UntilAsync(() => pool.Count == 1);
        var kept = Assert.Single(pool.Snapshot());
        foreach (var stopped in ready.Where(e => e != kept))
        {
            await stopped.Exited.WithTimeout();
            Assert.False(ProcessExists(stopped.ProcessId!.Value));
        }
        Assert.Equal(1, pool.ReadyProvisioned);
        Assert.Equal(1, machine.Live);
        Assert.Equal($"v1 {kept.ProcessId}", await InvokeAsync(pool)); // the one kept serves
    }

    // ---- 7. Stopping: every process gone ----

    [Fact]
    public async Task StopAsync_ends_every_process_and_an_invocation_in_flight_ends_with_an_exit_error()
    {
        var pool = NewPool(_runtime.Definition("v1"));
        pool.SetProvisionedConcurrency(2);
        await UntilAsync(() => pool.ReadyProvisioned == 2);
        var (inFlight, _) = await StartHeldAsync(pool, "held");
        var environments = pool.Snapshot();
        var pids = environments.Select(e => e.ProcessId!.Value).ToArray();
        Assert.Equal(2, pids.Length); // the held invocation went to one of the provisioned environments
        Assert.All(pids, pid => Assert.True(ProcessExists(pid)));

        await pool.StopAsync(StopTimeout).WithTimeout();
        await Task.WhenAll(environments.Select(e => e.Exited)).WithTimeout(); // StopAsync's own wait is bounded

        Assert.All(pids, pid => Assert.False(ProcessExists(pid), $"process {pid} still exists"));
        Assert.StartsWith("error Runtime.ExitError", await inFlight.WithTimeout());
        Assert.Equal(0, pool.Count);
        AssertStopping(pool);
    }

    [Fact]
    public async Task BeginStop_kills_every_environment_and_replaces_none()
    {
        var machine = new EnvironmentLimit(8);
        var pool = NewPool(_runtime.Definition("v1"), machine: machine);
        pool.SetProvisionedConcurrency(2);
        await UntilAsync(() => pool.ReadyProvisioned == 2);
        var environments = pool.Snapshot();

        pool.BeginStop();

        foreach (var environment in environments)
        {
            await environment.Exited.WithTimeout();
            Assert.False(ProcessExists(environment.ProcessId!.Value));
        }
        Assert.Equal(0, pool.Count); // lost provisioned environments were not replaced
        Assert.Equal(0, machine.Live);
        AssertStopping(pool);
    }

    // ---- helpers ----

    private EnvironmentPool NewPool(FunctionDefinition definition, IAdmission? admission = null, EnvironmentLimit? machine = null)
    {
        admission ??= new AdmissionController(new AdmissionOptions(), TimeProvider.System);
        var pool = new EnvironmentPool(_services, definition, admission, admission.Register(definition.Name), machine ?? new EnvironmentLimit(8), new FunctionMetrics());
        _pools.Add(pool);
        return pool;
    }

    /// <summary>An invocation shaped as the invoke endpoint makes one (id, id bytes, trace header, body).</summary>
    private Invocation NewInvocation(string body = "")
    {
        var invocation = _invocations.Rent();
        var id = Guid.NewGuid();
        invocation.RequestId = id.ToString();
        Assert.True(id.TryFormat(invocation.RequestIdBytes, out _));
        invocation.Type = InvocationType.RequestResponse;
        invocation.InvokedFunctionArn = "arn:aws:lambda:us-east-1:123456789012:function:pool-test";
        invocation.NewTraceId(TraceIds.Seconds(TimeProvider.System), sampled: false);
        invocation.Request.Write(Encoding.UTF8.GetBytes(body));
        return invocation;
    }

    private static DispatchLease Dispatch(EnvironmentPool pool, Invocation invocation)
    {
        var result = pool.TryDispatch(invocation, chargeRequest: true, out var lease, out var throttle);
        Assert.True(result == DispatchResult.Assigned, $"dispatch: {result} ({throttle})");
        return lease;
    }

    /// <summary>Dispatches, runs to the end and returns the answer ("{marker} {pid}", or "error {type}").</summary>
    private async Task<string> InvokeAsync(EnvironmentPool pool, string body = "")
    {
        var invocation = NewInvocation(body);
        try
        {
            await Dispatch(pool, invocation).RunAsync().WithTimeout();
            return Answer(invocation);
        }
        finally
        {
            _invocations.Return(invocation);
        }
    }

    /// <summary>Starts an invocation whose answer waits for a gate, and returns once its environment has it.</summary>
    private async Task<(Task<string> Answer, string Gate)> StartHeldAsync(EnvironmentPool pool, string name)
    {
        var gate = _runtime.Gate(name);
        var invocation = NewInvocation(Hold(answerAfter: gate));
        int busyBefore = Busy(pool);
        var lease = Dispatch(pool, invocation);
        var answer = RunAndReturnAsync(lease, invocation);
        // The environment that took it is Busy once the invocation has begun (delivered, or on its first /next).
        await UntilAsync(() => Busy(pool) > busyBefore);
        return (answer, gate);
    }

    private static int Busy(EnvironmentPool pool) => pool.Snapshot().Count(e => e.State == EnvironmentState.Busy);

    private async Task<string> RunAndReturnAsync(DispatchLease lease, Invocation invocation)
    {
        try
        {
            await lease.RunAsync().WithTimeout();
            return Answer(invocation);
        }
        finally
        {
            _invocations.Return(invocation);
        }
    }

    private static string Hold(string answerAfter = "-", string nextAfter = "-") => $"{answerAfter} {nextAfter}\n";

    private static string Answer(Invocation invocation) => invocation.FunctionError is null
        ? Encoding.UTF8.GetString(invocation.Response.ToArray())
        : $"error {invocation.ErrorType}";

    private static string Marker(string answer) => answer.Split(' ')[0];

    private static int Pid(string answer) => int.Parse(answer.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);

    private void AssertRefusedByGateway(EnvironmentPool pool)
    {
        var invocation = NewInvocation();
        try
        {
            var result = pool.TryDispatch(invocation, chargeRequest: true, out _, out var throttle);

            Assert.Equal(DispatchResult.Throttled, result);
            Assert.Equal(ThrottleReason.GatewayEnvironmentLimitExceeded, throttle.Reason);
            Assert.Equal("GatewayEnvironmentLimitExceeded", throttle.ReasonName);
            Assert.False(invocation.Admission.IsHeld);
        }
        finally
        {
            _invocations.Return(invocation);
        }
    }

    private void AssertStopping(EnvironmentPool pool)
    {
        var invocation = NewInvocation();
        try
        {
            Assert.Equal(DispatchResult.Stopping, pool.TryDispatch(invocation, chargeRequest: true, out _, out _));
        }
        finally
        {
            _invocations.Return(invocation);
        }
    }

    /// <summary>A process exists until it has been reaped; the pool's exit path runs after the reap.</summary>
    private static bool ProcessExists(int pid) => Directory.Exists($"/proc/{pid}");

    private static async Task UntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeoutExtensions.Default;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(10);
        }
    }
}
