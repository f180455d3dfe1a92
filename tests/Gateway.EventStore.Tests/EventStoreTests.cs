using System.Diagnostics;
using System.Globalization;
using Xunit;
using Xunit.Abstractions;

namespace Gateway.EventStore.Tests;

public sealed class EventStoreTests(ITestOutputHelper output)
{
    private static EventRecord Record(string requestId, long acceptedAt = 1_000, int attempts = 0, long next = 1_000, int payloadBytes = 16, string? clientContext = null)
    {
        var payload = new byte[payloadBytes];
        for (int i = 0; i < payload.Length; i++)
            payload[i] = (byte)(i * 7 + requestId.Length);
        return new EventRecord(requestId, "echo", "$LATEST", payload, clientContext, acceptedAt, attempts, next);
    }

    private static async Task<EventId> AppendOk(IEventStore store, EventRecord record)
    {
        var result = await store.AppendAsync(record).Timeout();
        Assert.Equal(StoreStatus.Ok, result.Status);
        return result.Value;
    }

    [Fact]
    public async Task Append_claim_complete_round_trip()
    {
        using var dir = new TempDir();
        await using var store = SqliteEventStore.Open(new SqliteEventStoreOptions { Path = dir.Db });
        var record = Record("req-1", clientContext: "{\"custom\":{}}");
        var id = await AppendOk(store, record);

        var claimed = await store.ClaimDueAsync(nowUnixMs: 1_000, max: 10).Timeout();
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
        Assert.Empty((await store.ClaimDueAsync(1_000, 10).Timeout()).Value!);
        var counters = (await store.GetCountersAsync(4_000).Timeout()).Value;
        Assert.Equal((0L, 1L, 3_000L), (counters.Pending, counters.InFlight, counters.OldestAgeMs));

        Assert.True((await store.CompleteAsync(id).Timeout()).IsOk);
        Assert.Equal(StoreStatus.NotFound, (await store.CompleteAsync(id).Timeout()).Status);
        counters = (await store.GetCountersAsync(4_000).Timeout()).Value;
        Assert.Equal((0L, 0L, 0L), (counters.Pending, counters.InFlight, counters.OldestAgeMs));
    }

    [Fact]
    public async Task An_event_appended_in_flight_is_not_claimed_until_recovered_after_a_crash()
    {
        using var dir = new TempDir();
        await using (var store = SqliteEventStore.Open(new SqliteEventStoreOptions { Path = dir.Db }))
        {
            var appended = await store.AppendInFlightAsync(Record("running", attempts: 1)).Timeout();
            Assert.True(appended.IsOk);
            Assert.Empty((await store.ClaimDueAsync(10_000, 10).Timeout()).Value!); // the appender runs it itself
            var counters = (await store.GetCountersAsync(1_000).Timeout()).Value;
            Assert.Equal((0L, 1L), (counters.Pending, counters.InFlight));
        }
        await using var reopened = SqliteEventStore.Open(new SqliteEventStoreOptions { Path = dir.Db });
        Assert.Equal(1, (await reopened.RecoverAsync().Timeout()).Value.InFlightReturned);
        var claimed = Assert.Single((await reopened.ClaimDueAsync(10_000, 10).Timeout()).Value!);
        Assert.Equal(("running", 1), (claimed.Record.RequestId, claimed.Record.Attempts));
    }

    [Fact]
    public async Task Counters_tell_when_the_earliest_pending_event_is_due()
    {
        using var dir = new TempDir();
        await using var store = SqliteEventStore.Open(new SqliteEventStoreOptions { Path = dir.Db });
        Assert.Null((await store.GetCountersAsync(0).Timeout()).Value.NextDueAtUnixMs);
        await AppendOk(store, Record("later", next: 9_000));
        await AppendOk(store, Record("sooner", next: 7_000));
        await store.AppendInFlightAsync(Record("running", next: 1_000)).Timeout(); // in flight: not due for anyone

        Assert.Equal(7_000, (await store.GetCountersAsync(0).Timeout()).Value.NextDueAtUnixMs);
    }

    [Fact]
    public async Task Claim_takes_only_due_events_oldest_due_first_and_honours_max()
    {
        using var dir = new TempDir();
        await using var store = SqliteEventStore.Open(new SqliteEventStoreOptions { Path = dir.Db });
        var late = await AppendOk(store, Record("late", next: 5_000));
        var b = await AppendOk(store, Record("b", next: 2_000));
        var a = await AppendOk(store, Record("a", next: 1_000));
        var c = await AppendOk(store, Record("c", next: 2_000));

        var first = (await store.ClaimDueAsync(3_000, 2).Timeout()).Value!;
        Assert.Equal([a, b], first.Select(e => e.Id));
        var second = (await store.ClaimDueAsync(3_000, 10).Timeout()).Value!;
        Assert.Equal([c], second.Select(e => e.Id));
        Assert.Equal([late], (await store.ClaimDueAsync(5_000, 10).Timeout()).Value!.Select(e => e.Id));
    }

    [Fact]
    public async Task Reschedule_keeps_the_event_with_new_attempts_and_time_and_dead_letter_and_drop_take_it_out()
    {
        using var dir = new TempDir();
        await using var store = SqliteEventStore.Open(new SqliteEventStoreOptions { Path = dir.Db });
        var id = await AppendOk(store, Record("r"));
        var other = await AppendOk(store, Record("d"));
        var dropped = await AppendOk(store, Record("x"));
        Assert.Equal(3, (await store.ClaimDueAsync(1_000, 10).Timeout()).Value!.Count);

        Assert.True((await store.RescheduleAsync(id, attempts: 1, nextAttemptAtUnixMs: 61_000, reason: "Unhandled").Timeout()).IsOk);
        Assert.Empty((await store.ClaimDueAsync(60_999, 10).Timeout()).Value!);
        var again = Assert.Single((await store.ClaimDueAsync(61_000, 10).Timeout()).Value!);
        Assert.Equal((id, 1, 61_000L, "Unhandled", 1_000L), (again.Id, again.Record.Attempts, again.Record.NextAttemptAtUnixMs, again.LastError, again.Record.AcceptedAtUnixMs));

        Assert.True((await store.DeadLetterAsync(other, "RetriesExhausted").Timeout()).IsOk);
        Assert.True((await store.DropAsync(dropped, "EventAgeExceeded").Timeout()).IsOk);
        Assert.Equal(StoreStatus.NotFound, (await store.RescheduleAsync(dropped, 1, 0, "x").Timeout()).Status);
        var counters = (await store.GetCountersAsync(100_000).Timeout()).Value;
        Assert.Equal((0L, 1L, 1L), (counters.Pending, counters.InFlight, counters.DeadLettered));
        Assert.Empty((await store.ClaimDueAsync(long.MaxValue, 10).Timeout()).Value!); // dead letters are never claimed
    }

    [Fact]
    public async Task Concurrent_appends_are_all_durable_and_share_commits()
    {
        using var dir = new TempDir();
        const int N = 400;
        long commits;
        await using (var store = SqliteEventStore.Open(new SqliteEventStoreOptions { Path = dir.Db }))
        {
            var before = store.Commits;
            var results = await Task.WhenAll(Enumerable.Range(0, N).Select(i => Task.Run(() => store.AppendAsync(Record("c" + i)).AsTask())))
                .WaitAsync(TestTimeouts.Default);
            Assert.All(results, r => Assert.Equal(StoreStatus.Ok, r.Status));
            Assert.Equal(N, results.Select(r => r.Value).Distinct().Count());
            commits = store.Commits - before;
            output.WriteLine($"{N} concurrent appends in {commits} commits");
            Assert.True(commits < N, $"expected group commit, got {commits} commits for {N} appends");
        }
        await using var reopened = SqliteEventStore.Open(new SqliteEventStoreOptions { Path = dir.Db });
        Assert.Equal(N, (await reopened.ClaimDueAsync(long.MaxValue, 10_000).Timeout()).Value!.Count);
    }

    [Fact]
    public async Task Reopen_after_dispose_keeps_everything_and_recover_returns_in_flight_events()
    {
        using var dir = new TempDir();
        EventId pending, inFlight, retried, dead;
        await using (var store = SqliteEventStore.Open(new SqliteEventStoreOptions { Path = dir.Db }))
        {
            inFlight = await AppendOk(store, Record("in-flight", acceptedAt: 500, next: 500));
            retried = await AppendOk(store, Record("retried", acceptedAt: 600, next: 600));
            dead = await AppendOk(store, Record("dead", acceptedAt: 700, next: 700));
            Assert.Equal(3, (await store.ClaimDueAsync(1_000, 10).Timeout()).Value!.Count);
            Assert.True((await store.RescheduleAsync(retried, 2, 120_600, "Sandbox.Timedout").Timeout()).IsOk);
            Assert.True((await store.DeadLetterAsync(dead, "RetriesExhausted").Timeout()).IsOk);
            pending = await AppendOk(store, Record("pending", acceptedAt: 900, next: 900));
        }
        Assert.False(File.Exists(dir.Db + "-wal") && new FileInfo(dir.Db + "-wal").Length > 0, "a clean close checkpoints the WAL");

        var log = new ListLogger();
        await using var reopened = SqliteEventStore.Open(new SqliteEventStoreOptions { Path = dir.Db }, log);
        var report = (await reopened.RecoverAsync().Timeout()).Value;
        Assert.Equal((1, 3L, 1L), (report.InFlightReturned, report.Pending, report.DeadLettered));
        Assert.Contains(log.Lines, l => l.Message.Contains("1 in-flight events returned", StringComparison.Ordinal));

        var due = (await reopened.ClaimDueAsync(1_000_000, 10).Timeout()).Value!;
        Assert.Equal([inFlight, pending, retried], due.Select(e => e.Id));
        var r = due.Single(e => e.Id == retried);
        Assert.Equal((2, 120_600L, 600L, "Sandbox.Timedout"), (r.Record.Attempts, r.Record.NextAttemptAtUnixMs, r.Record.AcceptedAtUnixMs, r.LastError));
        Assert.Equal(500, due.Single(e => e.Id == inFlight).Record.AcceptedAtUnixMs);
        Assert.Equal(StoreStatus.Ok, (await reopened.CompleteAsync(dead).Timeout()).Status); // dead letters are still there to deliver
        var next = await AppendOk(reopened, Record("after"));
        Assert.True(next.Value > pending.Value, "ids are never reused");
    }

    [Fact]
    public async Task Operations_after_dispose_fail_as_closed()
    {
        using var dir = new TempDir();
        var store = SqliteEventStore.Open(new SqliteEventStoreOptions { Path = dir.Db });
        await store.DisposeAsync();
        Assert.Equal(StoreStatus.Closed, (await store.AppendAsync(Record("late")).Timeout()).Status);
    }

    /// <summary>
    /// Durability for real: a child process appends with 16 concurrent writers and prints each id once AppendAsync
    /// returned; it is SIGKILLed mid-stream. Every id it printed must be in the store on reopen.
    /// </summary>
    [Fact]
    public async Task Every_event_acknowledged_before_SIGKILL_survives()
    {
        using var dir = new TempDir();
        var acknowledged = await RunAndKillWriter(dir.Db, killAfter: 300);

        var log = new ListLogger();
        await using var store = SqliteEventStore.Open(new SqliteEventStoreOptions { Path = dir.Db }, log);
        Assert.True((await store.RecoverAsync().Timeout()).IsOk);
        var stored = (await store.ClaimDueAsync(long.MaxValue, 1_000_000).Timeout()).Value!.Select(e => e.Id.Value).ToHashSet();
        output.WriteLine($"acknowledged {acknowledged.Count}, stored {stored.Count}");
        Assert.True(acknowledged.Count >= 300);
        var lost = acknowledged.Where(id => !stored.Contains(id)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged events lost: {string.Join(", ", lost.Take(20))}");
    }

    /// <summary>
    /// A crash leaves a WAL behind; garble its last bytes (a torn last frame). The store must open, say so in the
    /// log, and keep every transaction committed before the damaged frame.
    /// </summary>
    [Fact]
    public async Task A_garbled_wal_tail_is_reported_and_the_store_opens()
    {
        using var dir = new TempDir();
        var acknowledged = await RunAndKillWriter(dir.Db, killAfter: 200);
        var wal = dir.Db + "-wal";
        var before = WalInspector.Inspect(wal);
        Assert.True(before.CommittedFrames > 1, $"the killed writer should leave a WAL with commits (found {before.CommittedFrames})");

        // Garble the last 100 bytes of the last committed frame (and cut off anything after it).
        using (var f = new FileStream(wal, FileMode.Open, FileAccess.ReadWrite))
        {
            f.SetLength(before.ValidLength);
            f.Position = before.ValidLength - 100;
            f.Write(Enumerable.Repeat((byte)0xA5, 100).ToArray());
        }
        var log = new ListLogger();
        await using var store = SqliteEventStore.Open(new SqliteEventStoreOptions { Path = dir.Db }, log);
        Assert.True((await store.RecoverAsync().Timeout()).IsOk);
        foreach (var line in log.Lines)
            output.WriteLine($"{line.Level}: {line.Message}");
        Assert.Contains(log.Lines, l => l.Message.Contains("torn or corrupt write-ahead-log tail", StringComparison.Ordinal));
        var stored = (await store.ClaimDueAsync(long.MaxValue, 1_000_000).Timeout()).Value!;
        Assert.NotEmpty(stored); // the transactions before the damaged frame
        Assert.True(stored.Count <= acknowledged.Count + 16 * 256, "nothing appears that was not appended");
        Assert.True((await store.AppendAsync(Record("after-repair")).Timeout()).IsOk); // and it keeps working
    }

    [Fact]
    public async Task A_database_sqlite_cannot_read_is_moved_aside_with_a_log_line()
    {
        using var dir = new TempDir();
        await File.WriteAllBytesAsync(dir.Db, Enumerable.Repeat((byte)0x42, 8192).ToArray());
        var log = new ListLogger();
        await using var store = SqliteEventStore.Open(new SqliteEventStoreOptions { Path = dir.Db }, log);
        Assert.Contains(log.Lines, l => l.Message.Contains("is corrupt", StringComparison.Ordinal));
        Assert.NotEmpty(Directory.GetFiles(dir.Path, "events.db.corrupt-*"));
        Assert.True((await store.AppendAsync(Record("fresh")).Timeout()).IsOk);
    }

    /// <summary>A 1 MiB tmpfs fills up: AppendAsync must return DiskFull, never Ok for an event it did not keep.</summary>
    [Fact]
    public async Task A_full_disk_makes_append_fail_with_DiskFull()
    {
        using var dir = new TempDir();
        var mount = Path.Combine(dir.Path, "tiny");
        Directory.CreateDirectory(mount);
        if (!Mount(mount))
        {
            output.WriteLine("SKIPPED: cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN)");
            return;
        }
        try
        {
            var log = new ListLogger();
            var store = SqliteEventStore.Open(new SqliteEventStoreOptions { Path = Path.Combine(mount, "events.db") }, log);
            try
            {
                var ok = new List<EventId>();
                StoreResult<EventId> result = default;
                for (int i = 0; i < 200; i++)
                {
                    result = await store.AppendAsync(Record("big" + i, payloadBytes: 32 * 1024)).Timeout();
                    if (!result.IsOk)
                        break;
                    ok.Add(result.Value);
                }
                output.WriteLine($"{ok.Count} appends fit; then {result.Status}: {result.Error}");
                Assert.Equal(StoreStatus.DiskFull, result.Status);
                Assert.Contains("disk is full", result.Error, StringComparison.Ordinal);
                Assert.NotEmpty(ok);

                // What was acknowledged is still there, and the store still answers.
                var claimed = await store.ClaimDueAsync(long.MaxValue, 1_000).Timeout();
                if (claimed.IsOk)
                    Assert.Equal(ok, claimed.Value!.Select(e => e.Id));
            }
            finally
            {
                await store.DisposeAsync();
            }
        }
        finally
        {
            Run("umount", mount);
        }
    }

    private static bool Mount(string dir) => OperatingSystem.IsLinux() && Run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir) == 0;

    private static int Run(string file, params string[] args)
    {
        try
        {
            var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in args)
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            p.WaitForExit(10_000);
            return p.HasExited ? p.ExitCode : -1;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }

    private async Task<List<long>> RunAndKillWriter(string db, int killAfter)
    {
        var assembly = typeof(Program).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])[assembly, "crash-writer", db, "16"])
            psi.ArgumentList.Add(a);
        using var child = Process.Start(psi)!;
        var ids = new List<long>();
        using var cts = new CancellationTokenSource(TestTimeouts.Default);
        try
        {
            while (ids.Count < killAfter)
            {
                var line = await child.StandardOutput.ReadLineAsync(cts.Token);
                if (line is null)
                    Assert.Fail("writer exited early: " + await child.StandardError.ReadToEndAsync(cts.Token));
                ids.Add(long.Parse(line!.AsSpan(3), CultureInfo.InvariantCulture));
            }
            child.Kill(); // SIGKILL on Unix
            // Lines already printed (the kill raced them) were printed after a durable append too: keep them.
            while (await child.StandardOutput.ReadLineAsync(cts.Token) is { } line)
                ids.Add(long.Parse(line.AsSpan(3), CultureInfo.InvariantCulture));
            await child.WaitForExitAsync(cts.Token);
        }
        finally
        {
            if (!child.HasExited)
                child.Kill();
        }
        Assert.NotEqual(0, child.ExitCode);
        return ids;
    }
}
