using StackExchange.Redis;

namespace Gateway.Cluster.Membership;

/// <summary>
/// This node's heartbeat and its view of the others. Every <see cref="ClusterOptions.Heartbeat"/> (a third of the
/// lease) it renews its lease — <c>SET {gw:nodes}:lease:ID … PX lease</c> — and joins <see cref="ClusterKeys.NodeSet"/>,
/// then looks at every known node's lease: present = alive. The heartbeat's handlers (admission's slot repair and
/// reclaim) get the nodes whose lease is gone.
/// </summary>
/// <remarks>
/// <para>Bound: a node that dies stops renewing; its lease lapses at most <c>lease</c> after its last renewal, and
/// the next heartbeat of any live node (at most <c>heartbeat</c> later) sees it gone. So what a dead node held comes
/// back within lease + heartbeat of its death (5 s + 1.67 s with the defaults).</para>
/// <para>A node only slow (a pause longer than its lease) is treated as dead meanwhile; its next heartbeat renews the
/// lease, and admission's resync puts back the slots it still holds.</para>
/// </remarks>
public sealed class NodeMembership : IAsyncDisposable
{
    private readonly ClusterConnection _connection;
    private readonly TimeProvider _time;
    private readonly Action<string> _log;
    private readonly RedisKey _lease;
    private readonly string _leaseValue;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Func<IReadOnlyList<string>, Task>> _handlers = [];
    private IReadOnlyList<string> _live = [];
    private Task? _loop;
    private bool _failing;

    public NodeMembership(ClusterConnection connection, TimeProvider time, Action<string> log)
    {
        _connection = connection;
        _time = time;
        _log = log;
        _lease = ClusterKeys.NodeLease(connection.NodeId);
        _leaseValue = $"{Environment.ProcessId}@{Environment.MachineName} since {time.GetUtcNow():O}";
    }

    public string NodeId => _connection.NodeId;

    /// <summary>The nodes whose lease was present at the last heartbeat (this one included once it has beaten).</summary>
    public IReadOnlyList<string> LiveNodes => Volatile.Read(ref _live);

    /// <summary>Runs after each successful heartbeat with the nodes whose lease is gone (add before <see cref="Start"/>).</summary>
    public void OnHeartbeat(Func<IReadOnlyList<string>, Task> handler) => _handlers.Add(handler);

    /// <summary>Beats now, then every heartbeat until <see cref="LeaveAsync"/>.</summary>
    public void Start() => _loop ??= RunAsync();

    /// <summary>One heartbeat: renew, look at the others, run the handlers. Throws when Redis is unreachable.</summary>
    public async Task BeatAsync()
    {
        var db = _connection.Database;
        var renew = db.StringSetAsync(_lease, _leaseValue, _connection.Options.NodeLease);
        var join = db.SetAddAsync(ClusterKeys.NodeSet, NodeId);
        await Task.WhenAll(renew, join).ConfigureAwait(false);
        var members = await db.SetMembersAsync(ClusterKeys.NodeSet).ConfigureAwait(false);
        var checks = new Task<bool>[members.Length];
        for (int i = 0; i < members.Length; i++)
        {
            checks[i] = db.KeyExistsAsync(ClusterKeys.NodeLease(members[i]!));
        }
        await Task.WhenAll(checks).ConfigureAwait(false);
        var live = new List<string>(members.Length);
        var dead = new List<string>();
        for (int i = 0; i < members.Length; i++)
        {
            (checks[i].Result ? live : dead).Add(members[i]!);
        }
        live.Sort(StringComparer.Ordinal);
        Volatile.Write(ref _live, live);
        foreach (var handler in _handlers)
        {
            await handler(dead).ConfigureAwait(false);
        }
    }

    /// <summary>Graceful leave: stops beating and deletes the lease, so the others see this node gone at once.</summary>
    public async Task LeaveAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        try
        {
            await _connection.Database.KeyDeleteAsync(_lease).ConfigureAwait(false);
        }
        catch (RedisException ex)
        {
            _log($"could not delete this node's lease (it lapses by itself): {ex.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(_connection.Options.Heartbeat, _time);
        try
        {
            do
            {
                try
                {
                    await BeatAsync().ConfigureAwait(false);
                    if (_failing)
                    {
                        _failing = false;
                        _log("heartbeat: Redis reachable again, lease renewed");
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Redis away (or a handler failed): keep beating; the lease lapses only if this goes on.
                    if (!_failing)
                    {
                        _failing = true;
                        _log($"heartbeat failed ({ex.GetType().Name}: {ex.Message}); retrying every {_connection.Options.Heartbeat.TotalMilliseconds:0} ms");
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // LeaveAsync or DisposeAsync
        }
    }
}
