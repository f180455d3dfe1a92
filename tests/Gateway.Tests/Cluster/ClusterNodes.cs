using Gateway.Cluster.Tests;
using System.Text.Json.Nodes;

namespace Gateway.Tests.Cluster;

/// <summary>
/// A whole cluster for an end-to-end test: one redis-server (<see cref="RedisServer"/>) and N real gateway nodes —
/// the published native binary (GATEWAY_BIN), each on its own free port and data folder, started with
/// <c>--cluster redis://… --node-id nK --cluster-nodes N</c> (K from 1) and the same functions file. Helpers kill a
/// node with SIGKILL, start it again on the same port, data and node id, and restart Redis on the same port and AOF
/// folder. Disposing stops every node (the usual <see cref="GatewayProcess"/> checks: no worker left behind) and Redis.
/// </summary>
/// <example>
/// <code>
/// await using var cluster = await ClusterNodes.StartAsync(3, [TestFunction.Sample("echo")]);
/// using var answer = await cluster[1].InvokeAsync("echo", "{}");   // node n2
/// cluster.KillNode(1);                                              // SIGKILL n2
/// await cluster.RestartNodeAsync(1);
/// await cluster.RestartRedisAsync();
/// </code>
/// </example>
public sealed class ClusterNodes : IAsyncDisposable
{
    private readonly GatewayProcess?[] _nodes;
    private readonly string[] _roots;
    private readonly int[] _ports;
    private readonly string[] _extraArgs;
    private readonly List<GatewayProcess> _killed = [];

    private ClusterNodes(RedisServer redis, int count, string[] extraArgs)
    {
        Redis = redis;
        _nodes = new GatewayProcess?[count];
        _roots = new string[count];
        _ports = new int[count];
        _extraArgs = extraArgs;
    }

    public RedisServer Redis { get; }

    public int Count => _nodes.Length;

    /// <summary>Node <paramref name="index"/> (0-based; its node id is n{index + 1}); throws while it is killed.</summary>
    public GatewayProcess this[int index] => _nodes[index] ?? throw new InvalidOperationException($"node n{index + 1} is killed");

    /// <summary>The node's base URL; the same across a restart.</summary>
    public Uri BaseUrl(int index) => new($"http://127.0.0.1:{_ports[index]}");

    public static string NodeId(int index) => $"n{index + 1}";

    /// <summary>The cluster options node <paramref name="index"/> starts with (before the test's extra arguments).</summary>
    public string[] NodeArgs(int index) => ["--cluster", Redis.Url, "--node-id", NodeId(index), "--cluster-nodes", Count.ToString(System.Globalization.CultureInfo.InvariantCulture)];

    /// <summary>Redis, then <paramref name="count"/> nodes in parallel, each ready once its pre-forked environments are idle.</summary>
    public static async Task<ClusterNodes> StartAsync(int count, IEnumerable<TestFunction> functions, params string[] extraArgs)
    {
        var file = new JsonObject { ["Functions"] = new JsonArray(functions.Select(f => (JsonNode)f.ToJson()).ToArray()) }.ToJsonString();
        var redis = new RedisServer();
        var cluster = new ClusterNodes(redis, count, extraArgs);
        try
        {
            await redis.StartAsync();
            for (int i = 0; i < count; i++)
            {
                cluster._roots[i] = Directory.CreateTempSubdirectory($"gateway-node{i + 1}-").FullName;
                cluster._ports[i] = GatewayProcess.FreePort();
                await File.WriteAllTextAsync(Path.Combine(cluster._roots[i], "functions.json"), file);
            }
            await Task.WhenAll(Enumerable.Range(0, count).Select(cluster.LaunchAsync));
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    private async Task LaunchAsync(int index)
    {
        var node = GatewayProcess.Launch(_roots[index], _ports[index], environment: null, [.. NodeArgs(index), .. _extraArgs]);
        _nodes[index] = node;
        await node.WaitUntilWarmAsync();
    }

    /// <summary>SIGKILL of node <paramref name="index"/> (its workers die with it: parent-death signal); its data stays
    /// for <see cref="RestartNodeAsync"/>.</summary>
    public void KillNode(int index)
    {
        var node = this[index];
        node.Kill();
        _killed.Add(node);
        _nodes[index] = null;
    }

    /// <summary>Starts a killed node again: same port, data folder and node id.</summary>
    public async Task<GatewayProcess> RestartNodeAsync(int index)
    {
        if (_nodes[index] is not null)
        {
            throw new InvalidOperationException($"node n{index + 1} is running; KillNode first");
        }
        await LaunchAsync(index);
        return this[index];
    }

    /// <summary>Redis killed with SIGKILL and started again on the same port and AOF folder.</summary>
    public async Task RestartRedisAsync()
    {
        await Redis.KillAsync();
        await Redis.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        var failures = new List<Exception>();
        foreach (var node in _nodes.Where(n => n is not null))
        {
            try
            {
                await node!.DisposeAsync(); // stops it and deletes its root
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
            {
                failures.Add(ex);
            }
        }
        foreach (var killed in _killed)
        {
            killed.Client.Dispose();
        }
        for (int i = 0; i < _roots.Length; i++)
        {
            if (_nodes[i] is null && _roots[i] is not null && Directory.Exists(_roots[i]))
            {
                TestMounts.RemoveUnder(_roots[i]);
                try
                {
                    Directory.Delete(_roots[i], recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
        await Redis.DisposeAsync();
        if (failures.Count > 0)
        {
            throw new AggregateException(failures);
        }
    }
}
