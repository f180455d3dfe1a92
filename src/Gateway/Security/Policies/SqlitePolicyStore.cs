using Gateway.Functions.Registry;
using Microsoft.Data.Sqlite;

namespace Gateway.Security.Policies;

/// <summary>Where resource policies persist.</summary>
internal interface IPolicyStore
{
    IReadOnlyList<ResourcePolicy> Load();

    /// <summary>Writes one policy (new or changed). Durable when it returns.</summary>
    /// <exception cref="RegistryStoreException">The write failed: nothing changed.</exception>
    void Save(ResourcePolicy policy);

    /// <summary>Removes policies. Durable when it returns.</summary>
    /// <exception cref="RegistryStoreException">The write failed: nothing changed.</exception>
    void Delete(IReadOnlyCollection<ResourcePolicy> policies);
}

/// <summary>
/// Resource policies in <c>{DataDirectory}/registry.db</c>, table <c>function_policies</c> (its own connection, as
/// the URL and layer stores do): one row per function and qualifier ('' for the unqualified function) holding the
/// RevisionId and the policy exactly as GetPolicy answers it. Every write is fsync'd (synchronous=FULL) before the API
/// answers.
/// </summary>
internal sealed class SqlitePolicyStore : IPolicyStore, IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly string _path;

    private SqlitePolicyStore(SqliteConnection connection, string path)
    {
        _connection = connection;
        _path = path;
    }

    public static SqlitePolicyStore Open(string path)
    {
        var connection = RegistryDatabase.Open(path, """
            CREATE TABLE IF NOT EXISTS function_policies (
              function TEXT NOT NULL,
              qualifier TEXT NOT NULL,   -- '' for the unqualified function
              revision_id TEXT NOT NULL,
              policy TEXT NOT NULL,      -- the policy JSON as GetPolicy answers it
              PRIMARY KEY (function, qualifier)
            );
            """);
        return new SqlitePolicyStore(connection, path);
    }

    public IReadOnlyList<ResourcePolicy> Load()
    {
        var policies = new List<ResourcePolicy>();
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT function, qualifier, revision_id, policy FROM function_policies ORDER BY function, qualifier";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            try
            {
                policies.Add(new ResourcePolicy(reader.GetString(0), reader.GetString(1), reader.GetString(2), PolicyDocument.Parse(reader.GetString(3))));
            }
            catch (FormatException ex)
            {
                throw new RegistryStoreException($"{_path}: the policy of function '{reader.GetString(0)}' cannot be read: {ex.Message}");
            }
        }
        return policies;
    }

    public void Save(ResourcePolicy policy) => Run(command =>
    {
        command.CommandText = "INSERT INTO function_policies (function, qualifier, revision_id, policy) VALUES ($function, $qualifier, $revision, $policy) "
            + "ON CONFLICT(function, qualifier) DO UPDATE SET revision_id = excluded.revision_id, policy = excluded.policy";
        command.Parameters.AddWithValue("$function", policy.FunctionName);
        command.Parameters.AddWithValue("$qualifier", policy.Qualifier);
        command.Parameters.AddWithValue("$revision", policy.RevisionId);
        command.Parameters.AddWithValue("$policy", PolicyDocument.Render(policy.Statements));
        command.ExecuteNonQuery();
    });

    public void Delete(IReadOnlyCollection<ResourcePolicy> policies)
    {
        if (policies.Count == 0)
        {
            return;
        }
        Run(command =>
        {
            using var transaction = _connection.BeginTransaction();
            command.Transaction = transaction;
            command.CommandText = "DELETE FROM function_policies WHERE function = $function AND qualifier = $qualifier";
            var function = command.Parameters.Add("$function", SqliteType.Text);
            var qualifier = command.Parameters.Add("$qualifier", SqliteType.Text);
            foreach (var policy in policies)
            {
                function.Value = policy.FunctionName;
                qualifier.Value = policy.Qualifier;
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
