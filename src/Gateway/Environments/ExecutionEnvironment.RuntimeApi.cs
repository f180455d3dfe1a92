using Gateway.Invocations;
using Gateway.RuntimeApi;

namespace Gateway.Environments;

// The Runtime API side of the environment: what its connections call, in the order a runtime calls them. Each call
// asks the state machine under the lock and carries out its answer (park or deliver, accept or refuse, end).
internal sealed partial class ExecutionEnvironment
{
    public void OnConnectionOpened(IRuntimeApiConnection connection)
    {
        lock (_lock)
        {
            // After the runtime's exit, the extensions still talk to the gateway during their SHUTDOWN (OnExit).
            if (_machine.State is not (EnvironmentState.Dead or EnvironmentState.Reset) || ExtensionSet.ShuttingDown)
            {
                _connections.Add(connection);
                return;
            }
        }
        connection.Close();
    }

    public void OnConnectionClosed(IRuntimeApiConnection connection)
    {
        lock (_lock)
        {
            _connections.Remove(connection);
            if (_parked == connection)
            {
                _parked = null;
            }
        }
    }

    public NextDecision OnNext(IRuntimeApiConnection connection, out Invocation? deliver, out byte[]? rejection)
    {
        NextStep step;
        IRuntimeApiConnection? abandoned = null;
        lock (_lock)
        {
            if (IsRetiredLocked(connection))
            {
                deliver = null;
                rejection = RuntimeReplies.ContainerError; // a failed init attempt's, parsed before its connection closed
                return NextDecision.Rejected;
            }
            step = _machine.OnNext();
            if (step.FirstReady)
            {
                if (ExtensionSet.AnyRegistered)
                {
                    CloseRetryOutput(); // init succeeded, and with an extension no reset re-inits in place (MayResetLocked)
                }
                // Spawn to ready, also for an init that went on in the invoke phase (no Init Duration in its REPORT).
                _owner.Metrics.RecordEnvironmentReady(_machine.InitDurationMs ?? _machine.MillisecondsSinceSpawn);
                _report.SamplePeakMemory();
                if (_telemetry is { } telemetry)
                {
                    _report.Log?.InitSucceeded(_machine.InitDurationMs ?? _machine.MillisecondsSinceSpawn, Provisioned);
                    telemetry.CloseSubscriptions(); // init is over (the extensions were ready before this /next)
                }
            }
            if (step.Began)
            {
                if (step.FirstReady && _machine.InitInInvokePhase)
                {
                    _report.Begin(step.Invocation!, _machine.SpawnTimestamp); // the init was this invocation's time
                }
                else
                {
                    _report.Begin(step.Invocation!);
                }
                ExtensionSet.BeginInvoke(step.Invocation!);
            }
            if (step.Decision == NextDecision.Parked)
            {
                if (ExtensionSet.Idle)
                {
                    _telemetry?.Freeze(); // every process waits: on AWS the environment is frozen now
                    ScheduleFreezeLocked();
                }
                if (_parked is not null && _parked != connection)
                {
                    abandoned = _parked; // the runtime gave up on its earlier /next
                }
                _parked = connection;
                connection.MarkParked();
            }
        }
        deliver = step.Invocation;
        rejection = step.Rejection;
        abandoned?.Abandon();
        if (step.BecameIdle)
        {
            _owner.OnIdle(this);
        }
        return step.Decision;
    }

    /// <summary>Refuses a /response or /error before its body is read; null when the call is acceptable.</summary>
    /// <param name="streams">Whether the current invocation was made through a streaming API (its caller has a stream
    /// sink): read under the same lock as the check, so the runtime connection needs no second one to choose its path.</param>
    public byte[]? CheckResult(ReadOnlySpan<byte> requestId, bool isError, out bool streams)
    {
        lock (_lock)
        {
            streams = _machine.Current?.Stream is not null;
            return _machine.CheckResult(requestId, isError);
        }
    }

    /// <summary>Refuses an /init/error before its body is read; null when the call is acceptable.</summary>
    public byte[]? CheckInitError() => Locked(static m => m.CheckInitError());

    /// <summary>/response or /error: completes the current invocation with the body the connection read.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<byte[]> OnResultAsync(ReadOnlyMemory<byte> requestId, bool isError, string? errorType, Func<PooledPayload, PooledPayload> takeBody)
    {
        var invocation = TakeResult(requestId.Span, isError, out var refusal);
        if (invocation is null)
        {
            return refusal!;
        }
        // END/REPORT first, then the environment goes back to its pool, and only then is the caller answered (which
        // may happen on this very thread, see Invocation.CompleteInline): its next request then finds this environment idle.
        invocation.HoldCompletion();
        try
        {
            if (!AnswerBeforeExtensions(invocation, takeBody, isError, errorType))
            {
                await _endings.AnsweredAsync(invocation, takeBody(invocation.Response), isError, errorType, InitDuration()).ConfigureAwait(false);
            }
            ReturnToPool();
        }
        finally
        {
            invocation.ReleaseCompletion();
        }
        return RuntimeReplies.Accepted;
    }

    /// <summary>The current invocation's stream sink (null when its caller wants the response buffered).</summary>
    public Streaming.IResponseStreamSink? CurrentStream()
    {
        lock (_lock)
        {
            return _machine.Current?.Stream;
        }
    }

    /// <summary>A /response (or /error: <paramref name="isError"/>) body over the limit: the invocation ends, and the
    /// caller gets Function.ResponseSizeTooLarge.</summary>
    public ValueTask<byte[]> OnResponseTooLargeAsync(ReadOnlyMemory<byte> requestId, bool isError = false) =>
        OnResponseTooLargeAsync(requestId, ResponseLimit, isError);

    /// <summary>A /response (or /error) body over <paramref name="limit"/>: the caller gets Function.ResponseSizeTooLarge.</summary>
    /// <remarks>AWS documents only the /response case. An /error over the limit ends the same way here, since its
    /// document cannot be delivered either, and a 413 that left the invocation open would have the runtime's next /next
    /// deliver the same event again (after a 413, AWS's runtime API has already ended the invocation: a later /error
    /// for it gets 403, brefphp/bref#1483).</remarks>
    public async ValueTask<byte[]> OnResponseTooLargeAsync(ReadOnlyMemory<byte> requestId, int limit, bool isError = false)
    {
        var invocation = TakeResult(requestId.Span, isError, out var refusal);
        if (invocation is null)
        {
            return refusal!;
        }
        invocation.HoldCompletion();
        try
        {
            await _endings.ResponseTooLargeAsync(invocation, limit, InitDuration()).ConfigureAwait(false);
            ReturnToPool();
        }
        finally
        {
            invocation.ReleaseCompletion();
        }
        return RuntimeReplies.Accepted;
    }

    /// <summary>/init/error: the invocation waiting for this environment's init gets the runtime's error document verbatim.</summary>
    public async ValueTask<byte[]> OnInitErrorAsync(IRuntimeApiConnection connection, string? errorType, Func<PooledPayload, PooledPayload> takeBody)
    {
        InitErrorStep step;
        lock (_lock)
        {
            if (IsRetiredLocked(connection))
            {
                return RuntimeReplies.ContainerError; // a failed init attempt's: it must not decide the retry's outcome
            }
            step = _machine.OnInitError(MayRetryInitLocked(), MayResetLocked());
            if (step.Refusal is null)
            {
                _initErrorGeneration = _process.Generation; // the process StopAfterInitError stops, and no other
            }
            if (step.Reset)
            {
                BeginResetLocked(ResetProgress.Exiting); // a re-init failed: reset again once StopAfterInitError's kill lands
            }
            if (step.RetryInit)
            {
                // The first init's end, in the init phase; the invocation waits for the retry, which starts once this
                // process is gone (StopAfterInitError's kill, then OnExit). Its error body is the answer only if a stop
                // calls the retry off.
                _report.WriteInitReport(_machine.InitReportMs, "error", ErrorTypes.Sanitize(errorType));
                SuppressInitErrorLocked(errorType, takeBody);
            }
        }
        if (step.Refusal is { } refusal)
        {
            return refusal;
        }
        if (step.RetryInit)
        {
            return RuntimeReplies.Accepted;
        }
        if (step.Reset)
        {
            OfferAfterReset(); // before the answer: the caller's next invocation tries the re-init again
        }
        await _endings.InitFailedAsync(step.Waiting, takeBody, errorType, InitDurationForReport(), InitDuration(), CurrentInitPhase(),
            Locked(static m => m.SpawnTimestamp)).ConfigureAwait(false);
        // AWS stops an environment whose init failed and the next invocation starts a new one: the connection does,
        // with StopAfterInitError, once its 202 is written (killed first, the runtime's socket could close before it).
        return RuntimeReplies.Accepted;
    }

    /// <summary>Stops the process whose /init/error was accepted, once the runtime's 202 has been written. Only that
    /// process: when its exit already started the init retry, a kill now (or one left pending for the next spawn) would
    /// end the retry's process instead.</summary>
    public void StopAfterInitError() => _process.Kill(Volatile.Read(ref _initErrorGeneration));

    private Invocation? TakeResult(ReadOnlySpan<byte> requestId, bool isError, out byte[]? refusal)
    {
        lock (_lock)
        {
            return _machine.TakeResult(requestId, isError, out refusal);
        }
    }

    /// <summary>
    /// Offers this environment for the next invocation as soon as its answer is in, without waiting for the
    /// runtime's next /next: a caller that fires its next request the moment it gets a response would otherwise
    /// race the runtime and start a needless cold environment. An invocation assigned now is delivered on /next.
    /// </summary>
    private void ReturnToPool() => _owner.OnIdle(this); // which lists it only if it can take an invocation (CanTakeInvocation)
}
