using System.Text.Json;
using Gateway.Functions.Registry;
using Microsoft.Data.Sqlite;

namespace Gateway.FunctionUrls;

/// <summary>Where function URLs persist (a table of their own in the registry's database).</summary>
internal interface IFunctionUrlStore
{
    IReadOnlyList<FunctionUrlConfig> Load();

    /// <summary>Writes one URL (new or changed). Durable when it returns.</summary>
    /// <exception cref="RegistryStoreException">The write failed: nothing changed.</exception>
    void Save(FunctionUrlConfig config);

    /// <summary>Removes URLs. Durable when it returns.</summary>
    /// <exception cref="RegistryStoreException">The write failed: nothing changed.</exception>
    void Delete(IReadOnlyCollection<FunctionUrlConfig> configs);
}

/// <summary>
/// Function URLs in <c>{DataDirectory}/registry.db</c>, table <c>function_urls</c> (its own connection, as the layer
/// store does): one row per function and qualifier ('' for the unqualified function), a JSON document each. Every
/// write is fsync'd (synchronous=FULL) before the API answers; SQLite's file lock serialises it with the other stores.
/// </summary>
internal sealed class SqliteFunctionUrlStore : IFunctionUrlStore, IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly string _path;

    private SqliteFunctionUrlStore(SqliteConnection connection, string path)
    {
        _connection = connection;
        _path = path;
    }

    public static SqliteFunctionUrlStore Open(string path)
    {
        var connection = RegistryDatabase.Open(path, """
            CREATE TABLE IF NOT EXISTS function_urls (
              function TEXT NOT NULL,
              qualifier TEXT NOT NULL, -- '' for the unqualified function
              document TEXT NOT NULL,  -- PersistedFunctionUrl JSON
              PRIMARY KEY (function, qualifier)
            );
            """);
        return new SqliteFunctionUrlStore(connection, path);
    }

    public IReadOnlyList<FunctionUrlConfig> Load()
    {
        var configs = new List<FunctionUrlConfig>();
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT function, qualifier, document FROM function_urls ORDER BY function, qualifier";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var document = JsonSerializer.Deserialize(reader.GetString(2), FunctionUrlJsonContext.Default.PersistedFunctionUrl)
                ?? throw new RegistryStoreException($"{_path}: the URL of function '{reader.GetString(0)}' has an empty document.");
            if (document.Schema != 1)
            {
                throw new RegistryStoreException($"{_path}: the URL of function '{reader.GetString(0)}' is stored in format {document.Schema}, which this gateway does not read.");
            }
            configs.Add(document.ToConfig());
        }
        return configs;
    }

    public void Save(FunctionUrlConfig config)
    {
        Run(command =>
        {
            command.CommandText = "INSERT INTO function_urls (function, qualifier, document) VALUES ($function, $qualifier, $document) ON CONFLICT(function, qualifier) DO UPDATE SET document = excluded.document";
            command.Parameters.AddWithValue("$function", config.FunctionName);
            command.Parameters.AddWithValue("$qualifier", config.Qualifier ?? "");
            command.Parameters.AddWithValue("$document", JsonSerializer.Serialize(PersistedFunctionUrl.From(config), FunctionUrlJsonContext.Default.PersistedFunctionUrl));
            command.ExecuteNonQuery();
        });
    }

    public void Delete(IReadOnlyCollection<FunctionUrlConfig> configs)
    {
        if (configs.Count == 0)
        {
            return;
        }
        Run(command =>
        {
            using var transaction = _connection.BeginTransaction();
            command.Transaction = transaction;
            command.CommandText = "DELETE FROM function_urls WHERE function = $function AND qualifier = $qualifier";
            var function = command.Parameters.Add("$function", SqliteType.Text);
            var qualifier = command.Parameters.Add("$qualifier", SqliteType.Text);
            foreach (var config in configs)
            {
                function.Value = config.FunctionName;
                qualifier.Value = config.Qualifier ?? "";
                command.ExecuteNonQuery();
            }
            transaction.Commit();
        });
    }

    private void Run(Action<SqliteCommand> write)
    {
        try
        {
            using var command = _connection.CreateCommand();
            write(command);
        }
        catch (SqliteException ex)
        {
            throw new RegistryStoreException($"{_path}: {ex.Message}", ex);
        }
    }

    public void Dispose() => _connection.Dispose();
}
