using Microsoft.Data.Sqlite;

namespace Gateway.Functions.Registry;

/// <summary>
/// Opens <c>registry.db</c> for one of the stores that keep a table in it (URLs, layers, resource policies), each on a
/// connection of its own with the same settings: WAL, every write fsync'd before the API answers (synchronous=FULL),
/// and a busy timeout so SQLite's file lock serialises the stores' writes instead of failing one.
/// </summary>
internal static class RegistryDatabase
{
    /// <param name="schema">The store's <c>CREATE TABLE IF NOT EXISTS …</c> statements.</param>
    public static SqliteConnection Open(string path, string schema)
    {
        SQLitePCL.Batteries_V2.Init();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;\n" + schema;
        command.ExecuteNonQuery();
        return connection;
    }
}
