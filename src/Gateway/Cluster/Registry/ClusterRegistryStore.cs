using System.Text.Json;
using Gateway.Cluster.Registry;
using Gateway.Functions.Registry;
using StackExchange.Redis;

namespace Gateway.ClusterMode.Registry;

/// <summary>
/// The registry's store in cluster mode: <see cref="IRegistryStore"/> over <see cref="RedisRegistry"/>. A save commits
/// the changed functions' documents only if the cluster is still at the revision this node last applied (optimistic
/// concurrency); when another node committed first it throws <see cref="RegistryConflictException"/>, whose catch-up
/// brings this node to the cluster's revision so <see cref="FunctionRegistry.Change{T}"/> computes the change again.
/// Changes committed elsewhere arrive through <see cref="Prepare"/> + <see cref="Apply"/> (<see cref="RegistryFollower"/>).
/// </summary>
/// <remarks>
/// <see cref="AppliedRevision"/> and <see cref="_applied"/> change only under the registry's writer lock (inside Save,
/// a catch-up, or <see cref="FunctionRegistry.ApplyExternal"/>), so they always describe the published snapshot.
/// </remarks>
internal sealed class ClusterRegistryStore(RedisRegistry redis, RegistryDocuments documents) : IRegistryStore
{
    /// <summary>Each function's last document and the record made from it: an unchanged document keeps its record
    /// (a reference the host compares), so a full reload does not restart environments that did not change.</summary>
    private readonly Dictionary<string, (string Json, FunctionRecord Record)> _applied = new(StringComparer.Ordinal);

    /// <summary>The cluster revision the published snapshot reflects.</summary>
    public long AppliedRevision { get; private set; } = -1;

    /// <summary>Everything the cluster holds (at start, after seeding): the functions, and the names deleted through
    /// the API. Sets <see cref="AppliedRevision"/>.</summary>
    public PersistedRegistry Load()
    {
        var prepared = Prepare(-1);
        AppliedRevision = prepared.Revision;
        lock (_applied)
        {
            foreach (var (name, json, record) in prepared.Records)
            {
                _applied[name] = (json!, record!);
            }
        }
        return new PersistedRegistry([.. prepared.Records.Select(r => r.Record!)], prepared.Deleted.ToHashSet(StringComparer.Ordinal));
    }

    public void Save(RegistrySnapshot previous, RegistrySnapshot next)
    {
        var upserts = new List<RegistryDocument>();
        var removals = new List<string>();
        var zips = new HashSet<string>(StringComparer.Ordinal);
        var made = new List<(string Name, string Json, FunctionRecord Record)>();
        string? firstArn = null;
        foreach (var record in next.All)
        {
            if (previous.TryGet(record.Name, out var before) && ReferenceEquals(before, record))
            {
                continue;
            }
            var json = documents.ToJson(record, zips);
            upserts.Add(new RegistryDocument(record.Name, json));
            made.Add((record.Name, json, record));
            firstArn ??= record.Arn;
        }
        foreach (var record in previous.All)
        {
            if (!next.TryGet(record.Name, out _))
            {
                removals.Add(record.Name);
                firstArn ??= record.Arn;
            }
        }
        RegistryCommit commit;
        try
        {
            foreach (var zip in zips)
            {
                documents.Code.Publish(zip); // durable before any node can see a version that names it
            }
            commit = redis.Commit(AppliedRevision, upserts, removals);
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            throw new RegistryStoreException("the cluster registry (Redis) " + RedisFailure.Describe(ex) + ".", ex);
        }
        if (!commit.Committed)
        {
            throw new RegistryConflictException(
                "The operation cannot be performed at this time. An update is in progress for resource: " + firstArn,
                CatchUpNow);
        }
        AppliedRevision = commit.Revision;
        lock (_applied)
        {
            foreach (var (name, json, record) in made)
            {
                _applied[name] = (json, record);
            }
            foreach (var name in removals)
            {
                _applied.Remove(name);
            }
        }
    }

    /// <summary>Under the writer lock, after a lost race: fetch what the other node committed and apply it.</summary>
    private RegistrySnapshot CatchUpNow(RegistrySnapshot current)
    {
        PreparedChanges prepared;
        try
        {
            prepared = Prepare(AppliedRevision);
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException or CodeUnavailableException or JsonException)
        {
            throw new RegistryStoreException("the cluster registry changed and this node could not catch up: "
                + (RedisFailure.IsRedis(ex) ? "Redis " : "") + RedisFailure.Describe(ex) + ".", ex);
        }
        return Apply(current, prepared) ?? current;
    }

    /// <summary>
    /// Reads what changed after <paramref name="sinceRevision"/> and makes records of it on this node — fetching and
    /// verifying zips it does not have. Blocking I/O, outside the writer lock (except after a lost race).
    /// </summary>
    /// <exception cref="RedisException">Redis could not be reached.</exception>
    /// <exception cref="CodeUnavailableException">A zip a changed function names cannot be had yet.</exception>
    /// <exception cref="JsonException">A document this gateway cannot read.</exception>
    public PreparedChanges Prepare(long sinceRevision)
    {
        var changes = redis.Pull(sinceRevision);
        var records = new List<(string, string?, FunctionRecord?)>(changes.Documents.Count);
        foreach (var document in changes.Documents)
        {
            if (document.Json is null)
            {
                records.Add((document.Name, null, null));
                continue;
            }
            // Reading _applied outside the lock is a hint only: a record reused here is checked again in Apply.
            var record = TryReuse(document.Name, document.Json) ?? documents.FromJson(document.Json);
            records.Add((document.Name, document.Json, record));
        }
        return new PreparedChanges(sinceRevision, changes.Revision, changes.Everything, records, changes.Deleted);
    }

    private FunctionRecord? TryReuse(string name, string json)
    {
        lock (_applied)
        {
            return _applied.TryGetValue(name, out var known) && known.Json == json ? known.Record : null;
        }
    }

    /// <summary>
    /// Under the writer lock: <paramref name="current"/> with <paramref name="prepared"/> applied, or null when it is
    /// stale (this node committed or applied something since it was read: read again). Advances <see cref="AppliedRevision"/>.
    /// </summary>
    public RegistrySnapshot? Apply(RegistrySnapshot current, PreparedChanges prepared)
    {
        if (prepared.Since != AppliedRevision || prepared.Revision == AppliedRevision)
        {
            return null;
        }
        var functions = prepared.Everything
            ? new Dictionary<string, FunctionRecord>(StringComparer.Ordinal)
            : current.All.ToDictionary(f => f.Name, StringComparer.Ordinal);
        lock (_applied)
        {
            var known = prepared.Everything ? new Dictionary<string, (string Json, FunctionRecord Record)>(_applied, StringComparer.Ordinal) : _applied;
            if (prepared.Everything)
            {
                _applied.Clear();
            }
            foreach (var (name, json, record) in prepared.Records)
            {
                if (json is null)
                {
                    functions.Remove(name);
                    _applied.Remove(name);
                    continue;
                }
                // The record the current snapshot holds for an unchanged document stays (no environment restarts).
                var kept = current.TryGet(name, out var existing) && known.TryGetValue(name, out var last) && last.Json == json && ReferenceEquals(last.Record, existing)
                    ? existing
                    : record!;
                functions[name] = kept;
                _applied[name] = (json, kept);
            }
        }
        AppliedRevision = prepared.Revision;
        return new RegistrySnapshot(current.Revision + 1, functions.Values);
    }

    internal RegistryDocuments Documents => documents;
}

/// <summary>Changes read from the cluster between <see cref="Since"/> and <see cref="Revision"/>, made into this node's
/// records (a null Json/Record: the function was deleted).</summary>
internal sealed record PreparedChanges(long Since, long Revision, bool Everything,
    IReadOnlyList<(string Name, string? Json, FunctionRecord? Record)> Records, IReadOnlyList<string> Deleted);
