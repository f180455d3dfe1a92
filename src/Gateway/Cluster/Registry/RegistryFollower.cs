using System.Text.Json;
using Gateway.Cluster.Registry;
using Gateway.Functions.Registry;
using StackExchange.Redis;

namespace Gateway.ClusterMode.Registry;

/// <summary>
/// Applies changes other nodes commit to this node's <see cref="FunctionRegistry"/>, so its host reacts exactly as to a
/// local management change (pools added, updated, retired; reserved concurrency handed to admission). Woken by the
/// registry's pub/sub notification, and every <see cref="PollInterval"/> regardless (a notification sent while this
/// node was disconnected is lost; the revision is not). One dedicated thread: the store's I/O is synchronous (the
/// registry's writer is a lock), and a slow zip download must not hold a thread-pool thread.
/// </summary>
internal sealed class RegistryFollower : IDisposable
{
    /// <summary>The backstop: a change reaches this node within this long plus the time to read it, even with no
    /// notification.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    private readonly FunctionRegistry _registry;
    private readonly ClusterRegistryStore _store;
    private readonly Action<string> _log;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private string? _lastProblem;

    public RegistryFollower(FunctionRegistry registry, ClusterRegistryStore store, RedisRegistry redis, Action<string> log)
    {
        _registry = registry;
        _store = store;
        _log = log;
        try
        {
            redis.Subscribe(revision =>
            {
                if (revision != _store.AppliedRevision)
                {
                    Wake();
                }
            });
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            // Redis went away right after the registry loaded: the revision poll still brings every change.
            log("registry: no change notifications (the 250 ms poll still follows the cluster): " + ex.Message);
        }
        _thread = new Thread(Run) { IsBackground = true, Name = "cluster-registry" };
        _thread.Start();
    }

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // already woken
        }
        catch (ObjectDisposedException)
        {
            // stopping
        }
    }

    private void Run()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                _wake.Wait(PollInterval, token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            CatchUp();
        }
    }

    /// <summary>Reads and applies what changed since this node's revision; a stale read (a local change won the lock
    /// meanwhile) is read again at once.</summary>
    internal void CatchUp()
    {
        for (int attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                long since = _store.AppliedRevision;
                var prepared = _store.Prepare(since);
                if (prepared.Revision == since)
                {
                    Recovered();
                    return;
                }
                bool stale = false;
                _registry.ApplyExternal(current =>
                {
                    var next = _store.Apply(current, prepared);
                    stale = next is null && _store.AppliedRevision != prepared.Revision;
                    return next;
                });
                Recovered();
                if (!stale)
                {
                    _log($"registry: at revision {prepared.Revision} ({(prepared.Everything ? "reloaded" : string.Join(", ", prepared.Records.Select(r => r.Name)))})");
                    return;
                }
            }
            catch (Exception ex) when (ex is RedisException or RedisTimeoutException or CodeUnavailableException or JsonException or RegistryStoreException or IOException)
            {
                // Tried again at the next poll; said once per distinct problem.
                Problem(ex.Message);
                return;
            }
        }
    }

    private void Problem(string message)
    {
        if (message != _lastProblem)
        {
            _lastProblem = message;
            _log("registry: cannot follow the cluster yet (retrying): " + message);
        }
    }

    private void Recovered()
    {
        if (_lastProblem is not null)
        {
            _lastProblem = null;
            _log("registry: following the cluster again");
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}
