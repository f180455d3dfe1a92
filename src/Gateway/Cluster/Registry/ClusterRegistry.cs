using System.Text.Json;
using Gateway.Cluster;
using Gateway.Cluster.Registry;
using Gateway.Functions;
using Gateway.Functions.Code;
using Gateway.Functions.Registry;
using StackExchange.Redis;

namespace Gateway.ClusterMode.Registry;

/// <summary>
/// The registry in cluster mode: one <see cref="FunctionRegistry"/> per node whose store is Redis
/// (<see cref="ClusterRegistryStore"/>), and a <see cref="RegistryFollower"/> that applies other nodes' changes.
/// </summary>
/// <remarks>
/// <para><b>Start-up rule.</b> The cluster's registry is the truth; a node's functions file only seeds it. A function
/// the file names is written to Redis only when the cluster has nothing for that name — no document and no record of
/// its deletion through the API. So a node joining a running cluster serves what the cluster serves (also when its
/// file is older or different), the first node of a new cluster seeds it, and a function deleted through any node
/// stays deleted. <c>--reset-api-changes NAME|*</c> overwrites the cluster's state of those names (all of this node's
/// file functions for <c>*</c>) with this node's file — the way to roll a changed functions file into a running cluster.</para>
/// <para>Redis unreachable at start: the node waits for it (<paramref name="waitForRedis"/>), then gives up — it has
/// no registry to serve.</para>
/// </remarks>
internal sealed class ClusterRegistry : IDisposable
{
    private readonly RedisRegistry _redis;
    private readonly Action<string> _log;
    private RegistryFollower? _follower;

    private ClusterRegistry(FunctionRegistry registry, ClusterRegistryStore store, RedisRegistry redis, Action<string> log)
    {
        Registry = registry;
        Store = store;
        _redis = redis;
        _log = log;
    }

    /// <summary>Thread-pool threads ready without the pool's slow injection (see <see cref="Open"/>).</summary>
    public const int MinWorkerThreads = 64;

    public FunctionRegistry Registry { get; }

    public ClusterRegistryStore Store { get; }

    /// <exception cref="RegistryStoreException">Redis stayed unreachable, or holds what this gateway cannot read.</exception>
    /// <param name="layerFolders">This node's merged /opt folders (the one instance per code store).</param>
    public static ClusterRegistry Open(ClusterConnection cluster, CodeStore codeStore, IReadOnlyList<FunctionDefinition> fromFile,
        DateTimeOffset fileTime, string? resetApiChanges, TimeSpan waitForRedis, Action<string> log,
        Gateway.Functions.Layers.LayerOptDirectories? layerFolders = null)
    {
        // Management changes wait for the registry's writer lock on thread-pool threads, and the one holding it waits
        // for Redis, whose reply is read by a socket completion that also needs a pool thread: a burst of changes could
        // starve it past the 2 s sync timeout (seen with 20 concurrent CreateFunction calls). Enough threads up front
        // (StackExchange.Redis's own advice for busy workers); a single node never gets here.
        ThreadPool.GetMinThreads(out int workers, out int completionPorts);
        ThreadPool.SetMinThreads(Math.Max(workers, MinWorkerThreads), completionPorts);
        var redis = new RedisRegistry(cluster);
        var documents = new RegistryDocuments(new ClusterCode(codeStore, new RedisCodeBlobs(cluster)), layerFolders);
        var store = new ClusterRegistryStore(redis, documents);
        var reset = (resetApiChanges ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        // A seed's code folder is a path every node has, but its layers travel as zips (RegistryDocuments): published
        // before any seed names them, as a change's are.
        var seedZips = new HashSet<string>(StringComparer.Ordinal);
        var seeds = fromFile.Select(d => new RegistrySeedEntry(d.Name, documents.ToJson(RegistrySeed.FromFile(d, fileTime), seedZips), reset.Contains("*") || reset.Contains(d.Name))).ToArray();

        var deadline = DateTime.UtcNow + waitForRedis;
        PersistedRegistry persisted;
        while (true)
        {
            try
            {
                foreach (var zip in seedZips)
                {
                    documents.Code.Publish(zip);
                }
                var (revision, seeded) = seeds.Length == 0 ? (0, []) : redis.Seed(seeds);
                foreach (var name in seeded)
                {
                    log($"{name}: seeded into the cluster's registry from the functions file{(reset.Count > 0 ? " (--reset-api-changes)" : "")}");
                }
                foreach (var seed in seeds.Where(s => !seeded.Contains(s.Name)))
                {
                    log($"{seed.Name}: the cluster's registry has this function already (or deleted it through the API); that state is served, not the functions file's (--reset-api-changes {seed.Name} overwrites it)");
                }
                persisted = store.Load();
                break;
            }
            catch (Exception ex) when ((ex is RedisException or RedisTimeoutException
                || ex is RegistryStoreException { InnerException: RedisException or RedisTimeoutException }) && DateTime.UtcNow < deadline)
            {
                log("cluster registry: waiting for Redis: it " + RedisFailure.Describe(ex)); // every 500 ms: a few words, not the client's 1 KB
                Thread.Sleep(500);
            }
            catch (Exception ex) when (ex is RedisException or RedisTimeoutException or CodeUnavailableException or JsonException)
            {
                throw new RegistryStoreException("the cluster registry could not be loaded: " + ex.Message, ex);
            }
        }
        log($"cluster registry: {persisted.Functions.Count} function(s) at revision {store.AppliedRevision}");
        var registry = new FunctionRegistry(new RegistrySnapshot(1, persisted.Functions), store);
        return new ClusterRegistry(registry, store, redis, log);
    }

    /// <summary>Once the host follows the registry: apply other nodes' changes from now on.</summary>
    public void StartFollowing() => _follower ??= new RegistryFollower(Registry, Store, _redis, _log);

    public void Dispose() => _follower?.Dispose();
}
