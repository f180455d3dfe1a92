using System.Text;
using Gateway.Invocations;
using Gateway.RuntimeApi;

namespace Gateway.Environments;

/// <summary>
/// The Runtime API state of one execution environment and the invocation it holds: which call is allowed when,
/// which ending claims an invocation, and when the init and invocation deadlines pass.
/// </summary>
/// <remarks>
/// Pure: no process, socket or file, and time only from the injected <see cref="TimeProvider"/>, so it runs the same
/// on a manual clock. It is not thread-safe: its owner (<see cref="ExecutionEnvironment"/>) calls it under one lock
/// and does the side effects the returned steps ask for (write a log line, complete an invocation, kill the process).
/// <para>
/// An invocation ends in exactly one of four ways: the runtime's /response or /error, the deadline, an init failure, or
/// the process exiting. Each takes it out of <c>_current</c>/<c>_pending</c> and claims it
/// (<see cref="Invocation.TryClaimCompletion"/>) before handing it out, so whichever comes first is the only one that
/// sees it.
/// </para>
/// <para>
/// Deadlines are a due timestamp, and the timer is only a prompt to look at the clock: a timer that fires after its
/// deadline was cleared or replaced (the invocation ended first, a new one began) finds nothing due and does nothing.
/// </para>
/// <para>
/// An on-demand environment's init that outlives the init phase's limit (AWS: 10 s) is not the end of it: "Lambda retries
/// the Init phase at the time of the first function invocation with the configured function timeout"
/// (lambda-runtime-environment.html). AWS starts that second init afresh, so the first invocation succeeds only if a
/// whole init and its handler fit in the function's timeout. Here the process is not thrown away: init goes on in the
/// invoke phase (<see cref="InitInInvokePhase"/>), and the whole of it, from the spawn, is charged to the first
/// invocation's timeout, as AWS's fresh init would be. So the same functions succeed and fail as on AWS (an init
/// longer than the timeout always fails), the caller learns it up to 10 s sooner, and that invocation's REPORT has no
/// Init Duration: its Duration counts the init (<see cref="SpawnTimestamp"/>).
/// </para>
/// <para>
/// An on-demand init that fails (/init/error, an exit, a bootstrap that cannot start) while an invocation waits for it
/// is retried once, in the invoke phase, before that invocation is answered ("suppressed init"): recorded CloudWatch logs
/// read INIT_START, the init's output, <c>INIT_REPORT … Phase: init Status: error</c>, the same output again (no second
/// INIT_START), <c>INIT_REPORT … Phase: invoke Status: error</c>, then START, END and a REPORT whose Duration is the
/// retry's. So the failure is not handed out (<see cref="InitErrorStep.RetryInit"/>, <see cref="ExitStep.RetryInit"/>,
/// <see cref="OnFailedToStart"/>'s <c>retry</c>): the invocation stays pending, the owner starts a new process and calls
/// <see cref="Spawning"/> again, and that init has the function's timeout from its own start (as an init past the init
/// phase's limit does), its Duration the invocation's. One retry per environment, never for an init already in the
/// invoke phase (that is the retry of an init that timed out), and only when the owner says one may happen.
/// </para>
/// <para>
/// An invoke-phase failure of an environment that has been ready (the invocation's timeout, the runtime's exit or OOM
/// kill, and then a re-init that fails or runs out of time) resets it rather than ending it, when the owner says one may
/// happen (<c>mayReset</c>): "If the Lambda function crashes or times out during the Invoke phase, Lambda resets the
/// execution environment … If this environment is used for a new invocation, Lambda re-initializes … together with the
/// next invocation" (lambda-runtime-environment.html, "Failures during the invoke phase"). The environment goes to
/// <see cref="EnvironmentState.Reset"/>, where it takes an invocation as an idle one does; the owner then spawns a new
/// process and calls <see cref="Spawning"/>, and that init runs in the invoke phase within the invocation's timeout, as
/// the init retry's does (no Init Duration; Duration and the handler's deadline count from the spawn). An init slower
/// than the timeout so times out on every invocation the environment gets: AWS's "doom loop". A handled error
/// (/invocation/error) is an answer like any other: no reset.
/// </para>
/// </remarks>
internal sealed class EnvironmentStateMachine : IDisposable
{
    private static readonly TimeSpan MinimumWait = TimeSpan.FromMilliseconds(1);

    private readonly TimeProvider _time;
    private readonly TimeSpan _initTimeout;
    private readonly TimeSpan _invocationTimeout;
    private readonly bool _initGoesOnInInvoke;
    private readonly Action _onDeadline;
    private readonly ITimer _timer;

    private Invocation? _current;
    private Invocation? _pending;
    /// <summary>The id of the last invocation this environment held and gave up (answered, or taken by an init
    /// failure): still the current invocation's for AWS until the next one is assigned (see CheckResult).</summary>
    private string? _lastId;
    private long _spawnTimestamp;
    private DeadlineKind _deadlineKind;
    private long _deadlineTimestamp;
    private TimeSpan _initSpentInInvoke;
    private bool _retried; // this environment's one init retry has been decided
    private bool _retryDue; // decided, and the new process not spawned yet

    /// <param name="onDeadline">Called (on a timer thread) when a deadline may have passed; the owner then calls
    /// <see cref="OnDeadline"/> under its lock.</param>
    /// <param name="initGoesOnInInvoke">On demand: an init past <paramref name="initTimeout"/> goes on in the invoke phase
    /// (see the remarks). Provisioned: <paramref name="initTimeout"/> is the end of it.</param>
    public EnvironmentStateMachine(TimeProvider time, TimeSpan initTimeout, TimeSpan invocationTimeout, Action onDeadline, bool initGoesOnInInvoke = false)
    {
        _time = time;
        _initTimeout = initTimeout;
        _invocationTimeout = invocationTimeout;
        _initGoesOnInInvoke = initGoesOnInInvoke;
        _onDeadline = onDeadline;
        _timer = time.CreateTimer(static s => ((EnvironmentStateMachine)s!)._onDeadline(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public EnvironmentState State { get; private set; } = EnvironmentState.Starting;

    /// <summary>The runtime reached its first /next (init succeeded) at some point.</summary>
    public bool EverReady { get; private set; }

    /// <summary>Spawn to first /next, /init/error or exit during init; null until one of those (and after an init timeout,
    /// and for an init that went on in the invoke phase: its time is the invocation's).</summary>
    public double? InitDurationMs { get; private set; }

    /// <summary>Init outlived the init phase's limit and goes on in the invoke phase (see the remarks).</summary>
    public bool InitInInvokePhase { get; private set; }

    /// <summary>The phase an init that ends now ends in, as INIT_REPORT names it.</summary>
    public Logs.InitPhase InitPhase => InitInInvokePhase ? Logs.InitPhase.Invoke : Logs.InitPhase.Init;

    /// <summary>INIT_REPORT's duration: init's, or (it has not ended: a timeout) the time since the spawn.</summary>
    public double InitReportMs => InitDurationMs ?? MillisecondsSinceSpawn;

    /// <summary>When the bootstrap was spawned: where the first invocation's Duration starts after an init in the invoke
    /// phase (its init is its own time, as on AWS).</summary>
    public long SpawnTimestamp => _spawnTimestamp;

    /// <summary>Delivered to the runtime and not answered yet.</summary>
    public Invocation? Current => _current;

    /// <summary>Assigned, waiting for the runtime's next /next.</summary>
    public Invocation? Pending => _pending;

    /// <summary>Milliseconds since <see cref="Spawning"/>.</summary>
    public double MillisecondsSinceSpawn => _time.GetElapsedTime(_spawnTimestamp).TotalMilliseconds;

    /// <summary>An init retry was decided and its process is not spawned yet (<see cref="Spawning"/> comes next).</summary>
    public bool InitRetryDue => _retryDue;

    /// <summary>The bootstrap is about to be spawned: init time starts, and so does the init deadline. For the init retry
    /// and the re-init after a reset, the invoke phase's: the waiting invocation's whole timeout, counted from now.</summary>
    public void Spawning()
    {
        _spawnTimestamp = _time.GetTimestamp();
        if (_retryDue || State == EnvironmentState.Reset)
        {
            _retryDue = false;
            State = EnvironmentState.Starting;
            InitInInvokePhase = true;
            InitDurationMs = null; // the retry's time is the invocation's (no Init Duration on its REPORT)
            ArmInitInInvokePhase();
            return;
        }
        Arm(DeadlineKind.Init, _initTimeout);
    }

    /// <summary>Decides the one init retry, if this failure gets it: an invocation waits, none was made, the init is still
    /// in the init phase, and the owner allows it (<paramref name="mayRetry"/>). The invocation stays pending.</summary>
    private bool TakeRetry(bool mayRetry)
    {
        if (!mayRetry || _retried || InitInInvokePhase || _pending is null)
        {
            return false;
        }
        _retried = true;
        _retryDue = true;
        State = EnvironmentState.InitFailed;
        Disarm();
        return true;
    }

    /// <summary>
    /// Gives <paramref name="invocation"/> to this environment. <see cref="AssignResult.DeliverNow"/> (only when
    /// <paramref name="runtimeWaiting"/>: the runtime is parked in /next) means it has begun and the owner writes it to
    /// that /next; <see cref="AssignResult.Pending"/>, that it goes out with the runtime's next /next.
    /// </summary>
    public AssignResult TryAssign(Invocation invocation, bool runtimeWaiting)
    {
        if (_pending is not null)
        {
            return AssignResult.Refused;
        }
        switch (State)
        {
            case EnvironmentState.Idle when runtimeWaiting:
                Begin(invocation);
                return AssignResult.DeliverNow;
            case EnvironmentState.Reset:
                _pending = invocation; // it waits for the re-init the owner starts (Spawning)
                return AssignResult.Pending;
            case EnvironmentState.Starting or EnvironmentState.Idle or EnvironmentState.AwaitingNext:
                _pending = invocation;
                if (State == EnvironmentState.Starting && InitInInvokePhase && _deadlineKind == DeadlineKind.None)
                {
                    ArmInitInInvokePhase(); // the first invocation after the init phase's limit: init is on its clock
                }
                return AssignResult.Pending;
            default:
                return AssignResult.Refused;
        }
    }

    /// <summary>A /next: deliver (the pending invocation, or the current one again), park, or refuse.</summary>
    public NextStep OnNext()
    {
        bool firstReady = false;
        switch (State)
        {
            case EnvironmentState.Starting:
                if (InitInInvokePhase)
                {
                    // The whole init is the waiting invocation's: its handler has what is left of the timeout.
                    _initSpentInInvoke = _pending is null ? TimeSpan.Zero : TimeSpan.FromMilliseconds(MillisecondsSinceSpawn);
                }
                else
                {
                    InitDurationMs = MillisecondsSinceSpawn;
                }
                EverReady = true;
                firstReady = true;
                Disarm();
                goto case EnvironmentState.AwaitingNext;
            case EnvironmentState.AwaitingNext:
            case EnvironmentState.Idle:
                if (_pending is { } pending)
                {
                    _pending = null;
                    Begin(pending);
                    return new NextStep(NextDecision.Deliver, pending, null, Began: true, firstReady, BecameIdle: false);
                }
                State = EnvironmentState.Idle;
                // A warm environment was already offered when its runtime answered (see CanTakeInvocation); only the
                // first /next after init makes it available.
                return new NextStep(NextDecision.Parked, null, null, Began: false, firstReady, BecameIdle: firstReady);
            case EnvironmentState.Busy:
                // AWS's emulator re-delivers the same event on a repeated /next; so do we (same deadline too).
                return new NextStep(NextDecision.Deliver, _current, null, Began: false, FirstReady: false, BecameIdle: false);
            case EnvironmentState.InitFailed:
                return NextStep.Reject(RuntimeReplies.InvalidStateTransition("InitError", "Ready"));
            default:
                return NextStep.Reject(RuntimeReplies.ContainerError);
        }
    }

    /// <summary>Refuses a /response or /error before its body is read; null when the call is acceptable.</summary>
    public byte[]? CheckResult(ReadOnlySpan<byte> requestId, bool isError)
    {
        if (State == EnvironmentState.Busy && _current is { } current && requestId.SequenceEqual(current.RequestIdBytes))
        {
            return null;
        }
        if (State is EnvironmentState.Dead or EnvironmentState.Reset)
        {
            return RuntimeReplies.ContainerError;
        }
        // AWS checks the id before the state (RIE rapi/router.go: "request validation must happen before state
        // transition"): middleware.AwsRequestIDValidator answers 400 InvalidRequestID for any id but the current
        // invocation's, and the current one is the last reserved (rapidcore/server.go Reserve), answered or not: none
        // before the first invocation arrives, the next one's as soon as it is assigned, even before its /next.
        if (!IsCurrentId(requestId))
        {
            return RuntimeReplies.InvalidRequestId;
        }
        var target = isError ? "InvocationErrorResponse" : "InvocationResponse";
        return State switch
        {
            EnvironmentState.Starting => RuntimeReplies.InvalidStateTransition("Started", target),
            EnvironmentState.InitFailed => RuntimeReplies.InvalidStateTransition("InitError", target),
            _ => RuntimeReplies.InvalidStateTransition("RuntimeResponseSentState", target),
        };
    }

    /// <summary>Whether <paramref name="requestId"/> is the current invocation's, as AWS's emulator sees it: the one
    /// assigned and not yet delivered, else the one delivered, else the last one given up.</summary>
    private bool IsCurrentId(ReadOnlySpan<byte> requestId)
    {
        if ((_pending ?? _current) is { } invocation)
        {
            return requestId.SequenceEqual(invocation.RequestIdBytes);
        }
        return _lastId is not null && Encoding.ASCII.GetByteCount(_lastId) == requestId.Length && Ascii.Equals(requestId, _lastId);
    }

    /// <summary>The runtime's answer for <paramref name="requestId"/>: the invocation it ends (claimed), or null and the
    /// refusal to send.</summary>
    public Invocation? TakeResult(ReadOnlySpan<byte> requestId, bool isError, out byte[]? refusal)
    {
        if (State == EnvironmentState.Busy && _current is { } invocation && requestId.SequenceEqual(invocation.RequestIdBytes))
        {
            refusal = null;
            _current = null;
            State = EnvironmentState.AwaitingNext;
            _lastId = invocation.RequestId;
            Disarm();
            return Claim(invocation);
        }
        refusal = CheckResult(requestId, isError) ?? RuntimeReplies.InvalidRequestId;
        return null;
    }

    /// <summary>Free for another invocation now (the answer is in and nothing is pending), before the runtime's /next.</summary>
    public bool CanTakeInvocation => State is EnvironmentState.AwaitingNext or EnvironmentState.Idle or EnvironmentState.Reset && _pending is null;

    /// <summary>An invoke-phase failure may reset this environment (given the owner's <c>mayReset</c>): it has been ready,
    /// and it is not already ending.</summary>
    private bool CanReset(bool mayReset) => mayReset && EverReady && State != EnvironmentState.Dead;

    /// <summary>Refuses an /init/error the current state does not allow; null when it is allowed (during init).</summary>
    public byte[]? CheckInitError() => State switch
    {
        EnvironmentState.Starting => null,
        EnvironmentState.InitFailed => RuntimeReplies.InvalidStateTransition("InitError", "InitError"),
        EnvironmentState.Busy => RuntimeReplies.InvalidStateTransition("Running", "InitError"),
        EnvironmentState.Idle => RuntimeReplies.InvalidStateTransition("Ready", "InitError"),
        EnvironmentState.AwaitingNext => RuntimeReplies.InvalidStateTransition("RuntimeResponseSentState", "InitError"),
        _ => RuntimeReplies.ContainerError,
    };

    /// <summary>/init/error: init has failed; the invocation waiting for it (claimed) gets the runtime's error, or (the
    /// retry, <paramref name="mayRetry"/>) keeps waiting for a second init, started after this process's exit. A re-init
    /// after a reset that fails resets the environment again (<paramref name="mayReset"/>).</summary>
    public InitErrorStep OnInitError(bool mayRetry = false, bool mayReset = false)
    {
        if (State != EnvironmentState.Starting)
        {
            return new InitErrorStep(CheckInitError() ?? RuntimeReplies.ContainerError, null);
        }
        State = EnvironmentState.InitFailed;
        if (!InitInInvokePhase)
        {
            InitDurationMs = MillisecondsSinceSpawn;
        }
        Disarm();
        if (TakeRetry(mayRetry))
        {
            return new InitErrorStep(null, null, RetryInit: true);
        }
        if (CanReset(mayReset))
        {
            State = EnvironmentState.Reset;
            return new InitErrorStep(null, TakePending(), Reset: true);
        }
        return new InitErrorStep(null, TakePending());
    }

    /// <summary>The timer fired: what (if anything) has timed out. An expired deadline leaves the environment Dead, or
    /// Reset (<paramref name="mayReset"/>: an invocation's, or a re-init's in the invoke phase).</summary>
    public DeadlineStep OnDeadline(bool mayReset = false)
    {
        if (_deadlineKind == DeadlineKind.None)
        {
            return default; // cleared: whatever it was for ended first
        }
        var remaining = _time.GetElapsedTime(_time.GetTimestamp(), _deadlineTimestamp);
        if (remaining > TimeSpan.Zero)
        {
            // A timer armed for an earlier deadline, or one that fired a little before its time (timers tick in whole
            // milliseconds, more coarsely than timestamps): wait for the rest, at least a tick, so it cannot spin.
            _timer.Change(remaining > MinimumWait ? remaining : MinimumWait, Timeout.InfiniteTimeSpan);
            return default;
        }
        var kind = _deadlineKind;
        _deadlineKind = DeadlineKind.None;
        if (kind == DeadlineKind.Init && State == EnvironmentState.Starting)
        {
            if (_initGoesOnInInvoke && !InitInInvokePhase)
            {
                InitInInvokePhase = true;
                if (_pending is not null)
                {
                    ArmInitInInvokePhase();
                }
                return new DeadlineStep(DeadlineKind.InitMovedToInvoke, null);
            }
            bool reset = CanReset(mayReset);
            State = reset ? EnvironmentState.Reset : EnvironmentState.Dead; // a re-init that ran out of the timeout: the doom loop
            return new DeadlineStep(DeadlineKind.Init, TakePending(), reset);
        }
        if (kind == DeadlineKind.Invocation && State == EnvironmentState.Busy && _current is { } current)
        {
            _current = null;
            _lastId = current.RequestId;
            bool reset = CanReset(mayReset);
            State = reset ? EnvironmentState.Reset : EnvironmentState.Dead;
            return new DeadlineStep(DeadlineKind.Invocation, Claim(current), reset);
        }
        return default;
    }

    /// <summary>The process exited: the invocations it held (claimed), the one in progress and the one waiting; or the
    /// init retry (<paramref name="mayRetry"/>), when it exited during init or after the /init/error that decided one; or
    /// a reset (<paramref name="mayReset"/>): the one in progress (or a re-init's waiting one) ends, the environment stays.</summary>
    public ExitStep OnExit(bool mayRetry = false, bool mayReset = false)
    {
        if (State == EnvironmentState.Reset)
        {
            // The end of a process a reset killed (a timeout, a failed re-init): what it held is answered already; an
            // invocation assigned since waits for the re-init, unless the environment is being stopped meanwhile.
            if (mayReset)
            {
                return new ExitStep(null, null, Reset: true);
            }
            State = EnvironmentState.Dead;
            Disarm();
            return new ExitStep(null, TakePending());
        }
        bool cancelled = false;
        if (_retryDue && State == EnvironmentState.InitFailed)
        {
            if (mayRetry)
            {
                return new ExitStep(null, null, RetryInit: true, InitFailedNow: false); // the /init/error's process is gone
            }
            // The environment is stopping meanwhile: the waiting invocation gets the /init/error that decided the retry
            // (its INIT_REPORT is written), not this exit's error.
            _retryDue = false;
            cancelled = true;
        }
        if (State == EnvironmentState.Starting && !InitInInvokePhase)
        {
            InitDurationMs ??= MillisecondsSinceSpawn;
            if (TakeRetry(mayRetry))
            {
                return new ExitStep(null, null, RetryInit: true, InitFailedNow: true);
            }
        }
        if (!cancelled && CanReset(mayReset))
        {
            // A crash (or OOM kill) of a runtime that has been ready: a reset. A re-init that was running failed, and its
            // invocation with it; one assigned but not yet delivered (the runtime answered, then died) gets the re-init.
            bool reInitFailed = State is EnvironmentState.Starting or EnvironmentState.InitFailed;
            State = EnvironmentState.Reset;
            Disarm();
            var running = _current;
            _current = null;
            if (running is not null)
            {
                _lastId = running.RequestId;
            }
            return new ExitStep(running is null ? null : Claim(running), reInitFailed ? TakePending() : null, Reset: true);
        }
        State = EnvironmentState.Dead;
        Disarm();
        var current = _current;
        _current = null;
        return new ExitStep(current is null ? null : Claim(current), TakePending(), RetryCancelled: cancelled);
    }

    /// <summary>A reset environment is stopped (scaled down, new code, the gateway stopping) with no process left: Dead,
    /// and the invocation that waited for its re-init (claimed), if any.</summary>
    public Invocation? EndReset()
    {
        if (State != EnvironmentState.Reset)
        {
            return null;
        }
        State = EnvironmentState.Dead;
        Disarm();
        return TakePending();
    }

    /// <summary>The environment is stopping before the decided retry's process was spawned: no retry; the waiting
    /// invocation (claimed) ends with the first attempt's failure. Null when no retry is due.</summary>
    public Invocation? CancelRetry()
    {
        if (!_retryDue)
        {
            return null;
        }
        _retryDue = false;
        State = EnvironmentState.Dead;
        Disarm();
        return TakePending();
    }

    /// <summary>The bootstrap could not be started: the invocation waiting for it (claimed), or (<paramref name="retry"/>)
    /// the init retry, with that invocation still pending.</summary>
    public Invocation? OnFailedToStart(bool mayRetry, out bool retry)
    {
        retry = State == EnvironmentState.Starting && TakeRetry(mayRetry);
        if (retry)
        {
            return null;
        }
        State = EnvironmentState.Dead;
        Disarm();
        return TakePending();
    }

    public void Dispose() => _timer.Dispose();

    private void Begin(Invocation invocation)
    {
        State = EnvironmentState.Busy;
        _current = invocation;
        // After an init in the invoke phase, the first invocation has what that init left of its timeout.
        var timeout = _invocationTimeout - _initSpentInInvoke;
        _initSpentInInvoke = TimeSpan.Zero;
        if (timeout < MinimumWait)
        {
            timeout = MinimumWait;
        }
        invocation.DeadlineUnixMs = _time.GetUtcNow().ToUnixTimeMilliseconds() + (long)timeout.TotalMilliseconds;
        Arm(DeadlineKind.Invocation, timeout);
    }

    /// <summary>An invocation waits for an init in the invoke phase: the whole init, from the spawn, must fit in the
    /// function's timeout (at once, when it already does not).</summary>
    private void ArmInitInInvokePhase()
    {
        var left = _invocationTimeout - _time.GetElapsedTime(_spawnTimestamp);
        Arm(DeadlineKind.Init, left > MinimumWait ? left : MinimumWait);
    }

    private Invocation? TakePending()
    {
        var pending = _pending;
        _pending = null;
        if (pending is null)
        {
            return null;
        }
        _lastId = pending.RequestId;
        return Claim(pending);
    }

    /// <summary>Every ending takes the invocation out of this machine before claiming it, so the claim cannot fail;
    /// null if it somehow did (then someone else completes it).</summary>
    private static Invocation? Claim(Invocation invocation) => invocation.TryClaimCompletion() ? invocation : null;

    private void Arm(DeadlineKind kind, TimeSpan after)
    {
        _deadlineKind = kind;
        _deadlineTimestamp = _time.GetTimestamp() + (long)(after.TotalSeconds * _time.TimestampFrequency);
        _timer.Change(after, Timeout.InfiniteTimeSpan);
    }

    private void Disarm()
    {
        _deadlineKind = DeadlineKind.None;
        _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }
}
