using System.Text.Json;
using Gateway.Functions.Registry;
using Microsoft.Data.Sqlite;

namespace Gateway.Functions.Layers;

/// <summary>Where the layer registry persists: a table of its own in the registry's database.</summary>
internal interface ILayerStore
{
    IReadOnlyList<LayerVersionRecord> Load();

    /// <summary>Writes one version (new, or now marked deleted). Durable when it returns.</summary>
    /// <exception cref="RegistryStoreException">The write failed: nothing changed.</exception>
    void Save(LayerVersionRecord version);
}

/// <summary>
/// Layer versions in <c>{DataDirectory}/registry.db</c> (the function registry's file, its own table and connection):
/// one row per version ever published, deleted ones kept with their mark, so numbers are never reused and functions
/// that use a deleted version keep its content across restarts. Each write is one fsync'd statement
/// (synchronous=FULL) before the API answers; SQLite's file lock serialises it with the function registry's writes.
/// </summary>
internal sealed class SqliteLayerStore : ILayerStore, IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly string _path;

    private SqliteLayerStore(SqliteConnection connection, string path)
    {
        _connection = connection;
        _path = path;
    }

    public static SqliteLayerStore Open(string path)
    {
        var connection = RegistryDatabase.Open(path, """
            CREATE TABLE IF NOT EXISTS layer_versions (
              name TEXT NOT NULL,
              version INTEGER NOT NULL,
              document TEXT NOT NULL, -- PersistedLayerVersion JSON (Deleted: true once deleted)
              PRIMARY KEY (name, version)
            );
            """);
        return new SqliteLayerStore(connection, path);
    }

    public IReadOnlyList<LayerVersionRecord> Load()
    {
        var versions = new List<LayerVersionRecord>();
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT name, version, document FROM layer_versions ORDER BY name, version";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var document = JsonSerializer.Deserialize(reader.GetString(2), LayerJsonContext.Default.PersistedLayerVersion)
                ?? throw new RegistryStoreException($"{_path}: layer '{reader.GetString(0)}' version {reader.GetInt64(1)} has an empty document.");
            if (document.Schema != 1)
            {
                throw new RegistryStoreException($"{_path}: layer '{reader.GetString(0)}' is stored in format {document.Schema}, which this gateway does not read.");
            }
            try
            {
                versions.Add(document.ToRecord());
            }
            catch (FormatException ex)
            {
                throw new RegistryStoreException($"{_path}: layer '{reader.GetString(0)}' version {reader.GetInt64(1)} has an unreadable policy: {ex.Message}", ex);
            }
        }
        return versions;
    }

    public void Save(LayerVersionRecord version)
    {
        try
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "INSERT INTO layer_versions (name, version, document) VALUES ($name, $version, $document) ON CONFLICT(name, version) DO UPDATE SET document = excluded.document";
            command.Parameters.AddWithValue("$name", version.LayerName);
            command.Parameters.AddWithValue("$version", version.Version);
            command.Parameters.AddWithValue("$document", JsonSerializer.Serialize(PersistedLayerVersion.From(version), LayerJsonContext.Default.PersistedLayerVersion));
            command.ExecuteNonQuery();
        }
        catch (SqliteException ex)
        {
            throw new RegistryStoreException($"{_path}: {ex.Message}", ex);
        }
    }

    public void Dispose() => _connection.Dispose();
}
