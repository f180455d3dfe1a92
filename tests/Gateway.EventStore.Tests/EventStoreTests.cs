using System.Diagnostics;
using System.Globalization;
using Xunit;
using Xunit.Abstractions;

namespace Gateway.EventStore.Tests;

/// <summary>The SQLite store: the shared contract (<see cref="EventStoreContract"/>) plus what only a file-backed store has.</summary>
public sealed class EventStoreTests(ITestOutputHelper output) : EventStoreContract, IDisposable
{
    private readonly TempDir _contractDir = new();

    protected override Task<IEventStore> OpenAsync() => Task.FromResult<IEventStore>(SqliteEventStore.Open(new SqliteEventStoreOptions { Path = _contractDir.Db }));

    protected override Task<IEventStore> ReopenAsync() => OpenAsync();

    public void Dispose() => _contractDir.Dispose();

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
