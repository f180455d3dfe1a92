using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Gateway.Functions.Registry;

/// <summary>
/// The registry's durable half: <c>{DataDirectory}/registry.db</c>, one row per function changed through the API (its
/// whole <see cref="PersistedFunction"/> document) and one tombstone per functions-file function the API deleted.
/// Each change is one transaction, fsync'd (synchronous=FULL) before the API answers. Small and rare writes: the
/// control plane, never the invoke path.
/// </summary>
internal sealed class SqliteRegistryStore : IRegistryStore, IDisposable
{
    public const string FileName = "registry.db";

    private readonly SqliteConnection _connection;

    private SqliteRegistryStore(SqliteConnection connection, string path)
    {
        _connection = connection;
        Path = path;
    }

    public string Path { get; }

    public static SqliteRegistryStore Open(string path)
    {
        SQLitePCL.Batteries_V2.Init();
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        Execute(connection, """
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=FULL;
            CREATE TABLE IF NOT EXISTS functions (
              name TEXT PRIMARY KEY,
              deleted INTEGER NOT NULL DEFAULT 0, -- 1: a functions-file function deleted through the API
              document TEXT                       -- PersistedFunction JSON; NULL for a tombstone
            );
            """);
        return new SqliteRegistryStore(connection, path);
    }

    public PersistedRegistry Load()
    {
        var functions = new List<FunctionRecord>();
        var deleted = new HashSet<string>(StringComparer.Ordinal);
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT name, deleted, document FROM functions ORDER BY name";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var name = reader.GetString(0);
            if (reader.GetInt64(1) != 0)
            {
                deleted.Add(name);
                continue;
            }
            var document = JsonSerializer.Deserialize(reader.GetString(2), RegistryJsonContext.Default.PersistedFunction)
                ?? throw new RegistryStoreException($"{Path}: function '{name}' has an empty document.");
            if (document.Schema != 1)
            {
                throw new RegistryStoreException($"{Path}: function '{name}' is stored in format {document.Schema}, which this gateway does not read.");
            }
            functions.Add(document.ToRecord());
        }
        return new PersistedRegistry(functions, deleted);
    }

    public void Save(RegistrySnapshot previous, RegistrySnapshot next)
    {
        try
        {
            using var transaction = _connection.BeginTransaction();
            foreach (var record in next.All)
            {
                if (previous.TryGet(record.Name, out var before) && ReferenceEquals(before, record))
                {
                    continue;
                }
                Upsert(transaction, record.Name, deleted: false, JsonSerializer.Serialize(PersistedFunction.From(record), RegistryJsonContext.Default.PersistedFunction));
            }
            foreach (var record in previous.All)
            {
                if (next.TryGet(record.Name, out _))
                {
                    continue;
                }
                if (record.Origin == FunctionOrigin.File || IsFileSeeded(record.Name))
                {
                    Upsert(transaction, record.Name, deleted: true, document: null); // stays deleted across restarts
                }
                else
                {
                    using var delete = _connection.CreateCommand();
                    delete.Transaction = transaction;
                    delete.CommandText = "DELETE FROM functions WHERE name = $name";
                    delete.Parameters.AddWithValue("$name", record.Name);
                    delete.ExecuteNonQuery();
                }
            }
            transaction.Commit();
        }
        catch (SqliteException ex)
        {
            throw new RegistryStoreException($"{Path}: {ex.Message}", ex);
        }
    }

    /// <summary>Names the functions file seeds (set at start): deleting one of them leaves a tombstone.</summary>
    public IReadOnlySet<string> FileFunctions { get; set; } = new HashSet<string>();

    private bool IsFileSeeded(string name) => FileFunctions.Contains(name);

    /// <summary>Forgets what the API did to these functions (or to all, with "*"): the functions file applies again.
    /// Run at start, before <see cref="Load"/>, by <c>--reset-api-changes</c>.</summary>
    public int Forget(IReadOnlyCollection<string> names)
    {
        using var command = _connection.CreateCommand();
        if (names.Contains("*"))
        {
            command.CommandText = "DELETE FROM functions";
            return command.ExecuteNonQuery();
        }
        int removed = 0;
        command.CommandText = "DELETE FROM functions WHERE name = $name";
        var parameter = command.Parameters.Add("$name", SqliteType.Text);
        foreach (var name in names)
        {
            parameter.Value = name;
            removed += command.ExecuteNonQuery();
        }
        return removed;
    }

    private void Upsert(SqliteTransaction transaction, string name, bool deleted, string? document)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO functions (name, deleted, document) VALUES ($name, $deleted, $document) ON CONFLICT(name) DO UPDATE SET deleted = excluded.deleted, document = excluded.document";
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.AddWithValue("$deleted", deleted ? 1 : 0);
        command.Parameters.AddWithValue("$document", (object?)document ?? DBNull.Value);
        command.ExecuteNonQuery();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose() => _connection.Dispose();
}
