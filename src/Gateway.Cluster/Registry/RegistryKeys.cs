namespace Gateway.Cluster.Registry;

/// <summary>
/// The shared registry's keys, all under <see cref="ClusterKeys.RegistryTag"/> so every script touches one slot.
/// </summary>
public static class RegistryKeys
{
    /// <summary>STRING: the cluster revision, +1 per committed change (absent = 0, nothing committed yet).</summary>
    public const string Revision = ClusterKeys.RegistryTag + ":revision";

    /// <summary>HASH: function name → its JSON document (Gateway's PersistedFunction, with portable code paths).</summary>
    public const string Functions = ClusterKeys.RegistryTag + ":functions";

    /// <summary>SET: names deleted through the API: a functions file does not seed them again.</summary>
    public const string Deleted = ClusterKeys.RegistryTag + ":deleted";

    /// <summary>STREAM: the change log, one entry per revision (id <c>{revision}-1</c>; fields <c>names</c>, <c>node</c>),
    /// trimmed to about <see cref="RedisRegistry.ChangeLogLength"/> entries; a node further behind reloads everything.</summary>
    public const string Changes = ClusterKeys.RegistryTag + ":changes";

    /// <summary>Pub/sub channel: <c>{revision} {node}</c> after each commit (the fast path; a revision poll is the backstop).</summary>
    public const string Channel = ClusterKeys.RegistryTag + ":changed";

    /// <summary>HASH: one deployment package by its lower-case hex SHA-256: fields <c>0</c>…<c>n-1</c> (chunks),
    /// then <c>size</c> and <c>chunks</c> written last (present = complete).</summary>
    public static string Code(string sha256Hex) => ClusterKeys.RegistryTag + ":code:" + sha256Hex;
}
