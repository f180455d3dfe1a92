using Gateway.EventStore;
using Gateway.Invocations;

namespace Gateway.Async;

/// <summary>
/// Decides what happens to an Event invocation once a run has ended, and records it in the durable store before
/// letting go of the event: success (on-success destination, then forget it), a function error (retry after 1 or
/// 2 minutes, or give up: the on-failure destination and the dead-letter target, each when set, then forget it), or too old.
/// </summary>
/// <remarks>
/// The store is written last: an event leaves the store only after its destination has the record, so a crash
/// anywhere in between re-runs the event on restart instead of losing it (at-least-once; the request id is the
/// idempotency key). While the gateway stops, outcomes are not recorded: an event whose worker was killed by the
/// shutdown stays in flight and runs again, with the same attempt count, after the restart. An outcome the store
/// refuses (its disk is full) is written again, with a backoff, until the store takes it: the event is in flight
/// meanwhile, so nothing else runs it, and it neither waits for a restart nor runs twice once there is room.
/// </remarks>
internal sealed class EventOutcomes(
    IEventStore store,
    InvocationPool invocations,
    Func<string, string, AsyncInvokeSettings> settingsFor,
    IOutcomeDelivery delivery,
    TimeProvider asyncTime,
    Action<long> retryScheduled)
{
    private volatile bool _stopping;

    /// <summary>From now on outcomes are left in the store for the next start.</summary>
    public void BeginStop() => _stopping = true;

    public bool IsStopping => _stopping;

    public long NowUnixMs => asyncTime.GetUtcNow().ToUnixTimeMilliseconds();

    public bool IsTooOld(QueuedEvent queued)
        => RetryPolicy.IsTooOld(settingsFor(queued.Function.Name, queued.Qualifier), Age(queued));

    /// <summary>Lets go of an event without recording anything: it stays in flight in the store and runs after a restart.</summary>
    public void Abandon(QueuedEvent queued) => invocations.Return(queued.Invocation);

    /// <summary>After a run (the invocation is complete and its environment released).</summary>
    public async Task AfterRunAsync(QueuedEvent queued)
    {
        var invocation = queued.Invocation;
        try
        {
            if (_stopping)
            {
                return;
            }
            var name = queued.Function.Name;
            var settings = settingsFor(name, queued.Qualifier);
            int runs = queued.Runs + 1;
            if (invocation.FunctionError is null)
            {
                if (settings.OnSuccess is { } onSuccess)
                {
                    await SendAsync(queued, onSuccess, deadLetter: false, Outcome(queued, OutcomeCondition.Success, runs, ran: true)).ConfigureAwait(false);
                }
                await RecordAsync(queued, OutcomeWrite.Complete(queued.Id)).ConfigureAwait(false);
                return;
            }
            var decision = RetryPolicy.AfterFunctionError(settings, runs, Age(queued));
            if (decision.Retry)
            {
                long due = NowUnixMs + (long)decision.Delay.TotalMilliseconds;
                var reason = $"{invocation.ErrorType ?? "Unhandled"} (run {runs}); retry {runs} of {settings.MaximumRetryAttempts}";
                await RecordAsync(queued, OutcomeWrite.Reschedule(queued.Id, runs, due, reason)).ConfigureAwait(false);
                return;
            }
            await GiveUpAsync(queued, settings, Outcome(queued, decision.GiveUpCondition, runs, ran: true)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Never lose the event to a bug here: it stays in flight and runs again after a restart.
            Console.Error.WriteLine($"[gateway] Event {invocation.RequestId}: outcome not recorded ({ex.GetType().Name}: {ex.Message}); it will run again after a restart");
        }
        finally
        {
            invocations.Return(invocation);
        }
    }

    /// <summary>
    /// The event is given up without running: it got older than its maximum age while it waited (throttled, or
    /// queued across a restart) — <see cref="OutcomeCondition.EventAgeExceeded"/> — or its function's reserved
    /// concurrency is 0, where AWS sends new events to the on-failure destination or DLQ without any retries
    /// (<see cref="OutcomeCondition.ZeroReservedConcurrency"/>: the condition of AWS's record in LocalStack's
    /// AWS-validated TestLambdaConcurrency::test_reserved_concurrency).
    /// </summary>
    public async Task GiveUpWithoutRunningAsync(QueuedEvent queued, OutcomeCondition condition)
    {
        try
        {
            if (!_stopping)
            {
                var settings = settingsFor(queued.Function.Name, queued.Qualifier);
                await GiveUpAsync(queued, settings, Outcome(queued, condition, queued.Runs, ran: false)).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"[gateway] Event {queued.Invocation.RequestId}: outcome not recorded ({ex.GetType().Name}: {ex.Message}); it will run again after a restart");
        }
        finally
        {
            invocations.Return(queued.Invocation);
        }
    }

    /// <summary>The event's function (or its version or alias) no longer exists: it leaves the store without running.</summary>
    public async Task DropAsync(QueuedEvent queued, string reason)
    {
        try
        {
            if (!_stopping)
            {
                queued.Function.Events.Metrics.RecordDropped();
                await RecordAsync(queued, OutcomeWrite.Drop(queued.Id, reason)).ConfigureAwait(false);
            }
        }
        finally
        {
            invocations.Return(queued.Invocation);
        }
    }

    private async Task GiveUpAsync(QueuedEvent queued, AsyncInvokeSettings settings, AsyncOutcome outcome)
    {
        var metrics = queued.Function.Events.Metrics;
        Console.Error.WriteLine($"[gateway] Event {outcome.RequestId} for {outcome.FunctionName} given up: {outcome.Condition} after {outcome.ApproximateInvokeCount} run(s)"
            + (outcome.ErrorType is { } type ? $", last error {type}" : ""));
        metrics.RecordDropped();
        // Both, when both are set: AWS lets a function have destinations "in addition to or instead of a dead-letter
        // queue" (PutFunctionEventInvokeConfig's reference), and the queue keeps receiving the event itself. Side by
        // side: a destination that is down (retried for minutes) must not hold up the other.
        var toDestination = settings.OnFailure is { } onFailure ? SendAsync(queued, onFailure, deadLetter: false, outcome) : Task.CompletedTask;
        var toDeadLetters = settings.DeadLetterTargetArn is { } deadLetterTarget ? SendAsync(queued, deadLetterTarget, deadLetter: true, outcome) : Task.CompletedTask;
        await Task.WhenAll(toDestination, toDeadLetters).ConfigureAwait(false);
        await RecordAsync(queued, OutcomeWrite.Drop(queued.Id, outcome.Condition.ToString())).ConfigureAwait(false);
    }

    private async Task SendAsync(QueuedEvent queued, string target, bool deadLetter, AsyncOutcome outcome)
    {
        var metrics = queued.Function.Events.Metrics;
        bool delivered = deadLetter
            ? await delivery.DeadLetterAsync(target, outcome, CancellationToken.None).ConfigureAwait(false)
            : await delivery.DeliverAsync(target, outcome, CancellationToken.None).ConfigureAwait(false);
        if (delivered)
        {
            metrics.RecordDestinationDelivery();
            return;
        }
        Console.Error.WriteLine($"[gateway] Event {outcome.RequestId}: could not deliver its {(deadLetter ? "dead-letter message" : outcome.Condition + " record")} to {target}");
        if (deadLetter)
        {
            metrics.RecordDeadLetterError();
        }
        else
        {
            metrics.RecordDestinationFailure();
        }
    }

    /// <summary>Writes the outcome; when the store refuses it (disk full, an I/O error), it is written again in the background.</summary>
    private async Task RecordAsync(QueuedEvent queued, OutcomeWrite write)
    {
        var result = await write.ApplyTo(store).ConfigureAwait(false);
        if (result.IsOk)
        {
            Recorded(queued.Function, write);
            return;
        }
        if (!NothingWasWritten(result.Status))
        {
            // Closed: the gateway is stopping, the event stays in flight and runs after the restart. NotFound: another
            // node settled it. Unavailable (a shared store): the write may have landed, and the event is the cluster's
            // to reclaim; writing it again later could pull back an event that already runs elsewhere.
            if (result.Status is not (StoreStatus.Closed or StoreStatus.NotFound))
            {
                Console.Error.WriteLine($"[gateway] Event {queued.Invocation.RequestId}: could not record its outcome ({result.Status}: {result.Error})");
            }
            return;
        }
        string requestId = queued.Invocation.RequestId;
        Console.Error.WriteLine($"[gateway] Event {requestId}: its outcome cannot be recorded ({Cause(result)}); trying again until the store takes it");
        _ = RecordLaterAsync(requestId, queued.Function, write);
    }

    /// <summary>
    /// Writes a refused outcome again, 1 s after the refusal and doubling to 30 s, until the store takes it or the gateway
    /// stops (then the event runs again after the restart, as any event in flight does).
    /// </summary>
    private async Task RecordLaterAsync(string requestId, Hosting.FunctionRuntime function, OutcomeWrite write)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!_stopping)
        {
            await Task.Delay(delay).ConfigureAwait(false);
            if (_stopping)
            {
                return;
            }
            StoreResult result;
            try
            {
                result = await write.ApplyTo(store).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                result = new StoreResult(StoreStatus.IoError, ex.Message);
            }
            if (result.IsOk)
            {
                Console.Error.WriteLine($"[gateway] Event {requestId}: its outcome is recorded now");
                Recorded(function, write);
                return;
            }
            if (!NothingWasWritten(result.Status))
            {
                return;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
        }
    }

    /// <summary>A refusal that certainly wrote nothing, on a store only this gateway settles the event in (the event
    /// stays in flight until then): the write can be made again.</summary>
    private static bool NothingWasWritten(StoreStatus status) => status is StoreStatus.DiskFull or StoreStatus.IoError;

    private void Recorded(Hosting.FunctionRuntime function, OutcomeWrite write)
    {
        if (write.Kind == OutcomeWriteKind.Reschedule)
        {
            function.Events.Metrics.RecordRetry();
            retryScheduled(write.DueUnixMs);
        }
    }

    /// <summary>The store's own error text is written for a refused new event ("…the event was not accepted"): say what it means here.</summary>
    private static string Cause(StoreResult result) => result.Status == StoreStatus.DiskFull ? "the event store's disk is full" : $"{result.Status}: {result.Error}";

    private TimeSpan Age(QueuedEvent queued) => TimeSpan.FromMilliseconds(Math.Max(0, NowUnixMs - queued.AcceptedAtUnixMs));

    private AsyncOutcome Outcome(QueuedEvent queued, OutcomeCondition condition, int runs, bool ran)
    {
        var invocation = queued.Invocation;
        return new AsyncOutcome(
            RequestId: invocation.RequestId,
            FunctionName: queued.Function.Name,
            FunctionArn: queued.Function.Arn + ":" + invocation.ExecutedVersion,
            Condition: condition,
            ApproximateInvokeCount: runs,
            Timestamp: asyncTime.GetUtcNow(),
            RequestPayload: invocation.Request.ToArray(),
            StatusCode: ran ? 200 : null,
            FunctionError: ran ? invocation.FunctionError : null,
            ResponsePayload: ran ? invocation.Response.ToArray() : ReadOnlyMemory<byte>.Empty,
            ErrorType: ran ? invocation.ErrorType : condition.ToString(),
            ErrorMessage: ran ? ErrorMessageOf(invocation)
                : condition == OutcomeCondition.EventAgeExceeded ? $"The event was older than its maximum age after {runs} run(s)."
                : "The function's reserved concurrency is 0: the event was not run.");
    }

    /// <summary>The error document's errorMessage is what AWS puts in the DLQ's ErrorMessage attribute (first 1 KB).</summary>
    private static string? ErrorMessageOf(Invocation invocation)
    {
        if (invocation.FunctionError is null)
        {
            return null;
        }
        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(invocation.Response.ToArray());
            while (reader.Read())
            {
                if (reader.TokenType == System.Text.Json.JsonTokenType.PropertyName && reader.ValueTextEquals("errorMessage"u8) && reader.Read())
                {
                    return reader.TokenType == System.Text.Json.JsonTokenType.String ? reader.GetString() : null;
                }
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // not JSON: no message beyond the error type
        }
        return invocation.ErrorType;
    }
}
