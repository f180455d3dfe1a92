using Xunit;

namespace Gateway.EventStore.Tests;

/// <summary>
/// What every <see cref="IEventStore"/> must do, whatever the engine: the SQLite store (EventStoreTests here) and the
/// cluster's Redis Streams store (tests/Gateway.Cluster.Tests links this file) both run these cases.
/// </summary>
public abstract class EventStoreContract
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    /// <summary>A new, empty store.</summary>
    protected abstract Task<IEventStore> OpenAsync();

    /// <summary>The same data as the store last opened, after that one was disposed (a restart of the same node).</summary>
    protected abstract Task<IEventStore> ReopenAsync();

    protected static EventRecord Record(string requestId, long acceptedAt = 1_000, int attempts = 0, long next = 1_000, int payloadBytes = 16, string? clientContext = null)
    {
        var payload = new byte[payloadBytes];
        for (int i = 0; i < payload.Length; i++)
            payload[i] = (byte)(i * 7 + requestId.Length);
        return new EventRecord(requestId, "echo", "$LATEST", payload, clientContext, acceptedAt, attempts, next);
    }

    protected static async Task<T> Within<T>(ValueTask<T> task) => await task.AsTask().WaitAsync(Limit);

    protected static async Task<EventId> AppendOk(IEventStore store, EventRecord record)
    {
        var result = await Within(store.AppendAsync(record));
        Assert.Equal(StoreStatus.Ok, result.Status);
        return result.Value;
    }

    [Fact]
    public async Task Contract_append_claim_complete_round_trip()
    {
        await using var store = await OpenAsync();
        var record = Record("req-1", clientContext: "{\"custom\":{}}");
        var id = await AppendOk(store, record);

        var claimed = await Within(store.ClaimDueAsync(nowUnixMs: 1_000, max: 10));
        Assert.True(claimed.IsOk);
        var e = Assert.Single(claimed.Value!);
        Assert.Equal(id, e.Id);
        Assert.Equal(record.RequestId, e.Record.RequestId);
        Assert.Equal(record.FunctionName, e.Record.FunctionName);
        Assert.Equal(record.Qualifier, e.Record.Qualifier);
        Assert.Equal(record.Payload.ToArray(), e.Record.Payload.ToArray());
        Assert.Equal(record.ClientContext, e.Record.ClientContext);
        Assert.Equal(record.AcceptedAtUnixMs, e.Record.AcceptedAtUnixMs);

        // Claimed means in flight: not claimed twice.
        Assert.Empty((await Within(store.ClaimDueAsync(1_000, 10))).Value!);
        var counters = (await Within(store.GetCountersAsync(4_000))).Value;
        Assert.Equal((0L, 1L, 3_000L), (counters.Pending, counters.InFlight, counters.OldestAgeMs));

        Assert.True((await Within(store.CompleteAsync(id))).IsOk);
        Assert.Equal(StoreStatus.NotFound, (await Within(store.CompleteAsync(id))).Status);
        counters = (await Within(store.GetCountersAsync(4_000))).Value;
        Assert.Equal((0L, 0L, 0L), (counters.Pending, counters.InFlight, counters.OldestAgeMs));
    }

    [Fact]
    public async Task Contract_a_null_client_context_and_an_empty_payload_come_back_as_they_went_in()
    {
        await using var store = await OpenAsync();
        await AppendOk(store, Record("plain", payloadBytes: 0));
        await AppendOk(store, Record("empty-context", clientContext: ""));
        var claimed = (await Within(store.ClaimDueAsync(1_000, 10))).Value!;
        Assert.Equal(2, claimed.Count);
        var plain = claimed.Single(e => e.Record.RequestId == "plain");
        Assert.Null(plain.Record.ClientContext);
        Assert.Null(plain.LastError);
        Assert.Equal(0, plain.Record.Payload.Length);
        Assert.Equal("", claimed.Single(e => e.Record.RequestId == "empty-context").Record.ClientContext);
    }

    [Fact]
    public async Task Contract_an_event_appended_in_flight_is_not_claimed_until_recovered_after_a_crash()
    {
        await using (var store = await OpenAsync())
        {
            var appended = await Within(store.AppendInFlightAsync(Record("running", attempts: 1)));
            Assert.True(appended.IsOk);
            Assert.Empty((await Within(store.ClaimDueAsync(10_000, 10))).Value!); // the appender runs it itself
            var counters = (await Within(store.GetCountersAsync(1_000))).Value;
            Assert.Equal((0L, 1L), (counters.Pending, counters.InFlight));
        }
        await using var reopened = await ReopenAsync();
        Assert.Equal(1, (await Within(reopened.RecoverAsync())).Value.InFlightReturned);
        var claimed = Assert.Single((await Within(reopened.ClaimDueAsync(10_000, 10))).Value!);
        Assert.Equal(("running", 1), (claimed.Record.RequestId, claimed.Record.Attempts));
    }

    [Fact]
    public async Task Contract_counters_tell_when_the_earliest_pending_event_is_due()
    {
        await using var store = await OpenAsync();
        Assert.Null((await Within(store.GetCountersAsync(0))).Value.NextDueAtUnixMs);
        await AppendOk(store, Record("later", next: 9_000));
        await AppendOk(store, Record("sooner", next: 7_000));
        await Within(store.AppendInFlightAsync(Record("running", next: 1_000))); // in flight: not due for anyone

        Assert.Equal(7_000, (await Within(store.GetCountersAsync(0))).Value.NextDueAtUnixMs);
    }

    [Fact]
    public async Task Contract_claim_takes_only_due_events_oldest_due_first_and_honours_max()
    {
        await using var store = await OpenAsync();
        var late = await AppendOk(store, Record("late", next: 5_000));
        var b = await AppendOk(store, Record("b", next: 2_000));
        var a = await AppendOk(store, Record("a", next: 1_000));
        var c = await AppendOk(store, Record("c", next: 2_000));

        var first = (await Within(store.ClaimDueAsync(3_000, 2))).Value!;
        Assert.Equal([a, b], first.Select(e => e.Id));
        var second = (await Within(store.ClaimDueAsync(3_000, 10))).Value!;
        Assert.Equal([c], second.Select(e => e.Id));
        Assert.Equal([late], (await Within(store.ClaimDueAsync(5_000, 10))).Value!.Select(e => e.Id));
    }

    [Fact]
    public async Task Contract_reschedule_keeps_the_event_with_new_attempts_and_time_and_dead_letter_and_drop_take_it_out()
    {
        await using var store = await OpenAsync();
        var id = await AppendOk(store, Record("r"));
        var other = await AppendOk(store, Record("d"));
        var dropped = await AppendOk(store, Record("x"));
        Assert.Equal(3, (await Within(store.ClaimDueAsync(1_000, 10))).Value!.Count);

        Assert.True((await Within(store.RescheduleAsync(id, attempts: 1, nextAttemptAtUnixMs: 61_000, reason: "Unhandled"))).IsOk);
        Assert.Empty((await Within(store.ClaimDueAsync(60_999, 10))).Value!);
        var again = Assert.Single((await Within(store.ClaimDueAsync(61_000, 10))).Value!);
        Assert.Equal((id, 1, 61_000L, "Unhandled", 1_000L), (again.Id, again.Record.Attempts, again.Record.NextAttemptAtUnixMs, again.LastError, again.Record.AcceptedAtUnixMs));

        Assert.True((await Within(store.DeadLetterAsync(other, "RetriesExhausted"))).IsOk);
        Assert.True((await Within(store.DropAsync(dropped, "EventAgeExceeded"))).IsOk);
        Assert.Equal(StoreStatus.NotFound, (await Within(store.RescheduleAsync(dropped, 1, 0, "x"))).Status);
        Assert.Equal(StoreStatus.NotFound, (await Within(store.RescheduleAsync(other, 1, 0, "x"))).Status); // dead letters stay dead
        var counters = (await Within(store.GetCountersAsync(100_000))).Value;
        Assert.Equal((0L, 1L, 1L), (counters.Pending, counters.InFlight, counters.DeadLettered));
        Assert.Empty((await Within(store.ClaimDueAsync(long.MaxValue, 10))).Value!); // dead letters are never claimed
    }

    [Fact]
    public async Task Contract_concurrent_appends_are_all_acknowledged_with_distinct_ids_and_all_claimable_after_a_restart()
    {
        const int N = 400;
        await using (var store = await OpenAsync())
        {
            var results = await Task.WhenAll(Enumerable.Range(0, N).Select(i => Task.Run(() => store.AppendAsync(Record("c" + i)).AsTask())))
                .WaitAsync(Limit);
            Assert.All(results, r => Assert.Equal(StoreStatus.Ok, r.Status));
            Assert.Equal(N, results.Select(r => r.Value).Distinct().Count());
        }
        await using var reopened = await ReopenAsync();
        Assert.Equal(N, (await Within(reopened.ClaimDueAsync(long.MaxValue, 10_000))).Value!.Count);
    }

    [Fact]
    public async Task Contract_a_restart_keeps_everything_and_recover_returns_in_flight_events()
    {
        EventId pending, inFlight, retried, dead;
        await using (var store = await OpenAsync())
        {
            inFlight = await AppendOk(store, Record("in-flight", acceptedAt: 500, next: 500));
            retried = await AppendOk(store, Record("retried", acceptedAt: 600, next: 600));
            dead = await AppendOk(store, Record("dead", acceptedAt: 700, next: 700));
            Assert.Equal(3, (await Within(store.ClaimDueAsync(1_000, 10))).Value!.Count);
            Assert.True((await Within(store.RescheduleAsync(retried, 2, 120_600, "Sandbox.Timedout"))).IsOk);
            Assert.True((await Within(store.DeadLetterAsync(dead, "RetriesExhausted"))).IsOk);
            pending = await AppendOk(store, Record("pending", acceptedAt: 900, next: 900));
        }

        await using var reopened = await ReopenAsync();
        var report = (await Within(reopened.RecoverAsync())).Value;
        Assert.Equal((1, 3L, 1L), (report.InFlightReturned, report.Pending, report.DeadLettered));

        var due = (await Within(reopened.ClaimDueAsync(1_000_000, 10))).Value!;
        Assert.Equal([inFlight, pending, retried], due.Select(e => e.Id));
        var r = due.Single(e => e.Id == retried);
        Assert.Equal((2, 120_600L, 600L, "Sandbox.Timedout"), (r.Record.Attempts, r.Record.NextAttemptAtUnixMs, r.Record.AcceptedAtUnixMs, r.LastError));
        Assert.Equal(500, due.Single(e => e.Id == inFlight).Record.AcceptedAtUnixMs);
        Assert.Equal(StoreStatus.Ok, (await Within(reopened.CompleteAsync(dead))).Status); // dead letters are still there to deliver
        var next = await AppendOk(reopened, Record("after"));
        Assert.True(next.Value > pending.Value, "ids are never reused");
    }

    [Fact]
    public async Task Contract_operations_after_dispose_fail_as_closed()
    {
        var store = await OpenAsync();
        await store.DisposeAsync();
        Assert.Equal(StoreStatus.Closed, (await Within(store.AppendAsync(Record("late")))).Status);
        Assert.Equal(StoreStatus.Closed, (await Within(store.ClaimDueAsync(0, 1))).Status);
    }
}
