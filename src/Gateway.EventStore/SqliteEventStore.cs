using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.EventStore;

/// <summary>Where and how the SQLite event store keeps its file.</summary>
public sealed class SqliteEventStoreOptions
{
    /// <summary>The database file (its <c>-wal</c> and <c>-shm</c> files live beside it).</summary>
    public required string Path { get; init; }

    /// <summary>The most operations one transaction (one fsync) commits together.</summary>
    public int MaxBatch { get; init; } = 256;
}

/// <summary>
/// <see cref="IEventStore"/> on SQLite in WAL mode with <c>synchronous=FULL</c>: every commit is fsync'd before it
/// is acknowledged. One writer loop owns the only connection; concurrent operations queue to it and each loop
/// turn commits everything queued in one transaction — group commit, so N concurrent appends cost one fsync.
/// See docs/event-store.md.
/// </summary>
public sealed class SqliteEventStore : IEventStore
{
    private const int SchemaVersion = 1;
    private const int StatePending = 0, StateInFlight = 1, StateDead = 2;

    private readonly string _path;
    private readonly int _maxBatch;
    private readonly ILogger _logger;
    private readonly SqliteConnection _connection;
    private readonly Channel<Operation> _queue = Channel.CreateUnbounded<Operation>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private readonly SqliteCommand _begin, _commit, _rollback, _insert, _claim, _complete, _reschedule, _deadLetter, _recover, _counters;
    private long _commits;

    private SqliteEventStore(string path, int maxBatch, ILogger logger, SqliteConnection connection)
    {
        _path = path;
        _maxBatch = maxBatch;
        _logger = logger;
        _connection = connection;
        _begin = Command("BEGIN IMMEDIATE");
        _commit = Command("COMMIT");
        _rollback = Command("ROLLBACK");
        _insert = Command("INSERT INTO events(request_id, function_name, qualifier, payload, client_context, accepted_at, attempts, next_attempt_at, state) VALUES ($r, $f, $q, $p, $c, $a, $n, $t, $s) RETURNING id");
        _claim = Command("UPDATE events SET state = 1 WHERE id IN (SELECT id FROM events WHERE state = 0 AND next_attempt_at <= $now ORDER BY next_attempt_at, id LIMIT $max) RETURNING id, request_id, function_name, qualifier, payload, client_context, accepted_at, attempts, next_attempt_at, last_error");
        _complete = Command("DELETE FROM events WHERE id = $id");
        _reschedule = Command("UPDATE events SET state = 0, attempts = $n, next_attempt_at = $t, last_error = $e WHERE id = $id AND state <> 2");
        _deadLetter = Command("UPDATE events SET state = 2, last_error = $e WHERE id = $id");
        _recover = Command("UPDATE events SET state = 0 WHERE state = 1");
        _counters = Command("SELECT state, COUNT(*), MIN(accepted_at), MIN(next_attempt_at) FROM events GROUP BY state");
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Transactions committed so far (each one fsync); fewer than operations when commits were grouped.</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>
    /// Opens (or creates) the store. A torn WAL tail is reported in the log and left to SQLite's recovery, which
    /// discards it; a database SQLite cannot read is moved aside (kept for inspection) and an empty one started.
    /// Throws only when the file cannot be created at all (a bad path, no permission). Call <see cref="RecoverAsync"/> next.
    /// </summary>
    public static SqliteEventStore Open(SqliteEventStoreOptions options, ILogger? logger = null)
    {
        logger ??= NullLogger.Instance;
        SQLitePCL.Batteries_V2.Init();
        string path = System.IO.Path.GetFullPath(options.Path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);

        var wal = WalInspector.Inspect(path + "-wal");
        if (wal.Torn)
            Log.TornWalTail(logger, path, wal.Length - wal.ValidLength, wal.ChecksumMismatch || !wal.HeaderValid, wal.UncommittedFrames, wal.PartialFrame, wal.CommittedFrames);

        SqliteConnection connection;
        try
        {
            connection = OpenAndCheck(path);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 11 or 26) // SQLITE_CORRUPT, SQLITE_NOTADB
        {
            string quarantine = $"{path}.corrupt-{DateTime.UtcNow:yyyyMMddTHHmmssZ}";
            foreach (var suffix in (ReadOnlySpan<string>)["", "-wal", "-shm"])
            {
                if (File.Exists(path + suffix))
                    File.Move(path + suffix, quarantine + suffix, overwrite: true);
            }
            Log.Quarantined(logger, path, e.Message, quarantine);
            connection = OpenAndCheck(path);
        }
        return new SqliteEventStore(path, Math.Max(1, options.MaxBatch), logger, connection);
    }

    private static SqliteConnection OpenAndCheck(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            Exec(connection, "PRAGMA journal_mode=WAL");
            Exec(connection, "PRAGMA synchronous=FULL");
            Exec(connection, "PRAGMA busy_timeout=5000");
            using (var check = connection.CreateCommand())
            {
                check.CommandText = "PRAGMA quick_check";
                var result = check.ExecuteScalar() as string;
                if (result != "ok")
                    throw new SqliteException("quick_check: " + result, 11);
            }
            Exec(connection, """
                CREATE TABLE IF NOT EXISTS events(
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    request_id TEXT NOT NULL,
                    function_name TEXT NOT NULL,
                    qualifier TEXT NOT NULL,
                    payload BLOB NOT NULL,
                    client_context TEXT,
                    accepted_at INTEGER NOT NULL,
                    attempts INTEGER NOT NULL,
                    next_attempt_at INTEGER NOT NULL,
                    state INTEGER NOT NULL,
                    last_error TEXT);
                CREATE INDEX IF NOT EXISTS events_due ON events(state, next_attempt_at, id);
                """);
            Exec(connection, $"PRAGMA user_version={SchemaVersion}");
            return connection;
        }
        catch
        {
            connection.Dispose();
            SqliteConnection.ClearAllPools();
            throw;
        }
    }

    private static void Exec(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    public ValueTask<StoreResult<EventId>> AppendAsync(EventRecord record, CancellationToken cancellationToken = default)
        => Submit(new AppendOp(record, StatePending), cancellationToken);

    public ValueTask<StoreResult<EventId>> AppendInFlightAsync(EventRecord record, CancellationToken cancellationToken = default)
        => Submit(new AppendOp(record, StateInFlight), cancellationToken);

    public ValueTask<StoreResult<IReadOnlyList<StoredEvent>>> ClaimDueAsync(long nowUnixMs, int max, CancellationToken cancellationToken = default)
        => Submit(new ClaimOp(nowUnixMs, Math.Max(0, max)), cancellationToken);

    public async ValueTask<StoreResult> CompleteAsync(EventId id, CancellationToken cancellationToken = default)
        => ToPlain(await Submit(new ChangeOp(ChangeKind.Delete, id, 0, 0, null), cancellationToken).ConfigureAwait(false));

    public async ValueTask<StoreResult> RescheduleAsync(EventId id, int attempts, long nextAttemptAtUnixMs, string reason, CancellationToken cancellationToken = default)
        => ToPlain(await Submit(new ChangeOp(ChangeKind.Reschedule, id, attempts, nextAttemptAtUnixMs, reason), cancellationToken).ConfigureAwait(false));

    public async ValueTask<StoreResult> DeadLetterAsync(EventId id, string reason, CancellationToken cancellationToken = default)
        => ToPlain(await Submit(new ChangeOp(ChangeKind.DeadLetter, id, 0, 0, reason), cancellationToken).ConfigureAwait(false));

    public async ValueTask<StoreResult> DropAsync(EventId id, string reason, CancellationToken cancellationToken = default)
        => ToPlain(await Submit(new ChangeOp(ChangeKind.Delete, id, 0, 0, reason), cancellationToken).ConfigureAwait(false));

    public async ValueTask<StoreResult<RecoveryReport>> RecoverAsync(CancellationToken cancellationToken = default)
    {
        var result = await Submit(new RecoverOp(), cancellationToken).ConfigureAwait(false);
        if (result.IsOk)
            Log.Recovered(_logger, _path, result.Value.InFlightReturned, result.Value.Pending, result.Value.DeadLettered);
        return result;
    }

    public ValueTask<StoreResult<EventStoreCounters>> GetCountersAsync(long nowUnixMs, CancellationToken cancellationToken = default)
        => Submit(new CountersOp(nowUnixMs), cancellationToken);

    private static StoreResult ToPlain(StoreResult<bool> result)
        => result.IsOk ? StoreResult.Ok : new StoreResult(result.Status, result.Error);

    private async ValueTask<StoreResult<T>> Submit<T>(Operation<T> op, CancellationToken cancellationToken)
    {
        if (!_queue.Writer.TryWrite(op))
            return new StoreResult<T>(StoreStatus.Closed, default, "The event store is closed.");
        // Cancellation stops the wait, not the write: an append may still become durable after the caller gave up
        // (the caller must then not answer 202, and the event is delivered anyway: at-least-once).
        return await op.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Operation>(_maxBatch);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < _maxBatch && reader.TryRead(out var op))
                batch.Add(op);
            CommitBatch(batch);
            batch.Clear();
        }
    }

    private void CommitBatch(List<Operation> batch)
    {
        bool inTransaction = false;
        try
        {
            _begin.ExecuteNonQuery();
            inTransaction = true;
            foreach (var op in batch)
                op.Execute(this);
            _commit.ExecuteNonQuery(); // synchronous=FULL: the WAL is fsync'd before COMMIT returns
            inTransaction = false;
            Interlocked.Increment(ref _commits);
            foreach (var op in batch)
                op.Publish();
        }
        catch (Exception e)
        {
            var (status, message) = Classify(e);
            Log.CommitFailed(_logger, _path, batch.Count, status, message);
            if (inTransaction)
            {
                try { _rollback.ExecuteNonQuery(); }
                catch (SqliteException) { } // SQLite may already have rolled back (e.g. after SQLITE_FULL)
            }
            foreach (var op in batch)
                op.Fail(status, message);
        }
    }

    private static (StoreStatus, string) Classify(Exception e) => e switch
    {
        SqliteException { SqliteErrorCode: 13 } => (StoreStatus.DiskFull, "The event store's disk is full; the event was not accepted."),
        IOException io when io.HResult == 28 || io.Message.Contains("space", StringComparison.OrdinalIgnoreCase) => (StoreStatus.DiskFull, "The event store's disk is full; the event was not accepted."),
        SqliteException s => (StoreStatus.IoError, $"The event store could not write (SQLite error {s.SqliteErrorCode}/{s.SqliteExtendedErrorCode}: {s.Message})."),
        _ => (StoreStatus.IoError, $"The event store could not write ({e.GetType().Name}: {e.Message})."),
    };

    public async ValueTask DisposeAsync()
    {
        if (!_queue.Writer.TryComplete())
            return;
        await _writer.ConfigureAwait(false);
        foreach (var command in (ReadOnlySpan<SqliteCommand>)[_begin, _commit, _rollback, _insert, _claim, _complete, _reschedule, _deadLetter, _recover, _counters])
            command.Dispose();
        _connection.Dispose(); // the last connection closing checkpoints the WAL into the database
    }

    private abstract class Operation
    {
        public abstract void Execute(SqliteEventStore store);
        public abstract void Publish();
        public abstract void Fail(StoreStatus status, string error);
    }

    private abstract class Operation<T> : Operation
    {
        private readonly TaskCompletionSource<StoreResult<T>> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private StoreResult<T> _result;
        public Task<StoreResult<T>> Task => _done.Task;
        protected void SetResult(StoreResult<T> result) => _result = result;
        public override void Publish() => _done.TrySetResult(_result);
        public override void Fail(StoreStatus status, string error) => _done.TrySetResult(new StoreResult<T>(status, default, error));
    }

    private sealed class AppendOp(EventRecord record, int state) : Operation<EventId>
    {
        public override void Execute(SqliteEventStore store)
        {
            var c = store._insert;
            c.Parameters.Clear();
            c.Parameters.AddWithValue("$r", record.RequestId);
            c.Parameters.AddWithValue("$f", record.FunctionName);
            c.Parameters.AddWithValue("$q", record.Qualifier);
            // Microsoft.Data.Sqlite binds byte[]: pass the caller's array when the memory is all of one, else copy.
            c.Parameters.Add("$p", SqliteType.Blob).Value =
                System.Runtime.InteropServices.MemoryMarshal.TryGetArray(record.Payload, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
                    ? segment.Array
                    : record.Payload.ToArray();
            c.Parameters.AddWithValue("$c", (object?)record.ClientContext ?? DBNull.Value);
            c.Parameters.AddWithValue("$a", record.AcceptedAtUnixMs);
            c.Parameters.AddWithValue("$n", record.Attempts);
            c.Parameters.AddWithValue("$t", record.NextAttemptAtUnixMs);
            c.Parameters.AddWithValue("$s", state);
            SetResult(new StoreResult<EventId>(StoreStatus.Ok, new EventId((long)c.ExecuteScalar()!)));
        }
    }

    private sealed class ClaimOp(long now, int max) : Operation<IReadOnlyList<StoredEvent>>
    {
        public override void Execute(SqliteEventStore store)
        {
            var c = store._claim;
            c.Parameters.Clear();
            c.Parameters.AddWithValue("$now", now);
            c.Parameters.AddWithValue("$max", max);
            var list = new List<StoredEvent>();
            using (var r = c.ExecuteReader())
            {
                while (r.Read())
                {
                    var record = new EventRecord(
                        r.GetString(1), r.GetString(2), r.GetString(3), (byte[])r.GetValue(4),
                        r.IsDBNull(5) ? null : r.GetString(5), r.GetInt64(6), r.GetInt32(7), r.GetInt64(8));
                    list.Add(new StoredEvent(new EventId(r.GetInt64(0)), record, r.IsDBNull(9) ? null : r.GetString(9)));
                }
            }
            list.Sort(static (a, b) => a.Record.NextAttemptAtUnixMs != b.Record.NextAttemptAtUnixMs
                ? a.Record.NextAttemptAtUnixMs.CompareTo(b.Record.NextAttemptAtUnixMs)
                : a.Id.Value.CompareTo(b.Id.Value));
            SetResult(new StoreResult<IReadOnlyList<StoredEvent>>(StoreStatus.Ok, list));
        }
    }

    private enum ChangeKind { Delete, Reschedule, DeadLetter }

    private sealed class ChangeOp(ChangeKind kind, EventId id, int attempts, long next, string? reason) : Operation<bool>
    {
        public override void Execute(SqliteEventStore store)
        {
            var c = kind switch { ChangeKind.Delete => store._complete, ChangeKind.Reschedule => store._reschedule, _ => store._deadLetter };
            c.Parameters.Clear();
            c.Parameters.AddWithValue("$id", id.Value);
            if (kind == ChangeKind.Reschedule)
            {
                c.Parameters.AddWithValue("$n", attempts);
                c.Parameters.AddWithValue("$t", next);
            }
            if (kind != ChangeKind.Delete)
                c.Parameters.AddWithValue("$e", (object?)reason ?? DBNull.Value);
            int rows = c.ExecuteNonQuery();
            SetResult(rows == 1
                ? new StoreResult<bool>(StoreStatus.Ok, true)
                : new StoreResult<bool>(StoreStatus.NotFound, false, $"No event {id} in the store."));
        }
    }

    private sealed class RecoverOp : Operation<RecoveryReport>
    {
        public override void Execute(SqliteEventStore store)
        {
            int returned = store._recover.ExecuteNonQuery();
            var (pending, _, dead, _, _) = store.Count(0);
            SetResult(new StoreResult<RecoveryReport>(StoreStatus.Ok, new RecoveryReport(returned, pending, dead)));
        }
    }

    private sealed class CountersOp(long now) : Operation<EventStoreCounters>
    {
        public override void Execute(SqliteEventStore store)
        {
            var (pending, inFlight, dead, oldest, nextDue) = store.Count(now);
            SetResult(new StoreResult<EventStoreCounters>(StoreStatus.Ok, new EventStoreCounters(pending, inFlight, dead, oldest, store.Commits, nextDue)));
        }
    }

    private (long Pending, long InFlight, long Dead, long OldestAgeMs, long? NextDueAtUnixMs) Count(long now)
    {
        long pending = 0, inFlight = 0, dead = 0, oldestAccepted = long.MaxValue;
        long? nextDue = null;
        using var r = _counters.ExecuteReader();
        while (r.Read())
        {
            int state = r.GetInt32(0);
            long count = r.GetInt64(1);
            switch (state)
            {
                case StatePending:
                    pending = count;
                    nextDue = r.IsDBNull(3) ? null : r.GetInt64(3);
                    break;
                case StateInFlight: inFlight = count; break;
                case StateDead: dead = count; break;
            }
            if (state != StateDead && !r.IsDBNull(2))
                oldestAccepted = Math.Min(oldestAccepted, r.GetInt64(2));
        }
        return (pending, inFlight, dead, oldestAccepted == long.MaxValue ? 0 : Math.Max(0, now - oldestAccepted), nextDue);
    }
}
