using StackExchange.Redis;

namespace Gateway.Cluster.Registry;

/// <summary>
/// The shared registry in Redis (<see cref="RegistryKeys"/>): documents per function, a revision, a change log and a
/// notification, each change one script (<see cref="RegistryScripts"/>). It knows nothing of Gateway's types: a
/// function is a name and a JSON string.
/// </summary>
/// <remarks>
/// Synchronous on purpose: the registry's writer runs under a lock (one change at a time, as on a single node, where
/// the store was SQLite), so a commit is a blocking round trip on the control plane — never on the invoke path. The
/// synchronous ScriptEvaluate takes the same (script, keys, values) arguments as ScriptEvaluateAsync: the AOT-safe form.
/// </remarks>
public sealed class RedisRegistry(ClusterConnection connection)
{
    /// <summary>About this many revisions stay in the change log; a node further behind reloads the whole registry.</summary>
    public const int ChangeLogLength = 1000;

    private static readonly RedisKey[] Keys = [RegistryKeys.Revision, RegistryKeys.Functions, RegistryKeys.Deleted, RegistryKeys.Changes];

    public string NodeId => connection.NodeId;

    /// <summary>Commits one change computed on <paramref name="expectedRevision"/>: upserts and deletions (deleted names
    /// are remembered, so no functions file seeds them again).</summary>
    /// <exception cref="RedisException">Redis could not be reached (nothing was written).</exception>
    public RegistryCommit Commit(long expectedRevision, IReadOnlyList<RegistryDocument> upserts, IReadOnlyList<string> removals)
    {
        var values = new List<RedisValue>(6 + upserts.Count * 2 + removals.Count)
        {
            expectedRevision, connection.NodeId, RegistryKeys.Channel, ChangeLogLength, upserts.Count,
        };
        foreach (var document in upserts)
        {
            values.Add(document.Name);
            values.Add(document.Json ?? throw new ArgumentException("An upsert needs a document.", nameof(upserts)));
        }
        values.Add(removals.Count);
        foreach (var name in removals)
        {
            values.Add(name);
        }
        var result = (RedisResult[])connection.Database.ScriptEvaluate(RegistryScripts.Commit, Keys, [.. values])!;
        return new RegistryCommit((long)result[0] == 1, (long)result[1]);
    }

    /// <summary>What changed after <paramref name="sinceRevision"/> (-1: everything), read atomically.</summary>
    /// <exception cref="RedisException">Redis could not be reached.</exception>
    public RegistryChanges Pull(long sinceRevision)
    {
        var result = (RedisResult[])connection.Database.ScriptEvaluate(RegistryScripts.Pull, Keys, [sinceRevision])!;
        long revision = (long)result[0];
        if (result.Length == 1)
        {
            return RegistryChanges.None(revision);
        }
        var documents = new List<RegistryDocument>();
        if ((long)result[1] == 1)
        {
            var all = (RedisResult[])result[2]!;
            for (int i = 0; i + 1 < all.Length; i += 2)
            {
                documents.Add(new RegistryDocument((string)all[i]!, (string?)all[i + 1]));
            }
            var deleted = ((RedisResult[])result[3]!).Select(r => (string)r!).ToArray();
            return new RegistryChanges(revision, Everything: true, documents, deleted);
        }
        for (int i = 2; i + 1 < result.Length; i += 2)
        {
            documents.Add(new RegistryDocument((string)result[i]!, result[i + 1].IsNull ? null : (string?)result[i + 1]));
        }
        return new RegistryChanges(revision, Everything: false, documents, []);
    }

    /// <summary>The current revision (the poll's cheap check: one GET).</summary>
    public long Revision()
    {
        var value = connection.Database.StringGet(RegistryKeys.Revision);
        return value.IsNull ? 0 : (long)value;
    }

    /// <summary>Writes a functions file's entries where the cluster has nothing for them (or forced); returns the
    /// revision after and the names written.</summary>
    public (long Revision, IReadOnlyList<string> Seeded) Seed(IReadOnlyList<RegistrySeedEntry> entries)
    {
        var values = new List<RedisValue>(4 + entries.Count * 3) { connection.NodeId, RegistryKeys.Channel, ChangeLogLength, entries.Count };
        foreach (var entry in entries)
        {
            values.Add(entry.Name);
            values.Add(entry.Json);
            values.Add(entry.Force ? "1" : "0");
        }
        var result = (RedisResult[])connection.Database.ScriptEvaluate(RegistryScripts.Seed, Keys, [.. values])!;
        return ((long)result[0], result.Skip(1).Select(r => (string)r!).ToArray());
    }

    /// <summary>Calls <paramref name="onChange"/> with each notification's revision (on the multiplexer's thread:
    /// keep it short — signal, don't work).</summary>
    public void Subscribe(Action<long> onChange)
    {
        var channel = new RedisChannel(RegistryKeys.Channel, RedisChannel.PatternMode.Literal);
        connection.Subscriber.Subscribe(channel, (_, message) =>
        {
            var text = (string?)message ?? "";
            int space = text.IndexOf(' ', StringComparison.Ordinal);
            onChange(long.TryParse(space < 0 ? text : text[..space], out var revision) ? revision : -1);
        });
    }
}
