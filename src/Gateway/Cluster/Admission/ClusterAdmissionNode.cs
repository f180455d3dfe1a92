using Gateway.Admission;
using Gateway.Cluster;
using Gateway.Cluster.Admission;
using Gateway.Cluster.Membership;
using StackExchange.Redis;

namespace Gateway.ClusterMode.Admission;

/// <summary>
/// Cluster mode's admission and membership, started together from Program.cs (only with --cluster): the heartbeat
/// renews this node's lease and, each time, re-asserts the slots it holds and reclaims those of nodes whose lease is
/// gone. <see cref="LeaveAsync"/> on a graceful shutdown deletes the lease and gives back what this node held.
/// </summary>
internal sealed class ClusterAdmissionNode
{
    private readonly ClusterAdmissionClient _client;
    private readonly Action<string> _log;

    private ClusterAdmissionNode(ClusterAdmission admission, NodeMembership membership, ClusterAdmissionClient client, Action<string> log)
    {
        Admission = admission;
        Membership = membership;
        _client = client;
        _log = log;
    }

    public ClusterAdmission Admission { get; }

    public NodeMembership Membership { get; }

    public static ClusterAdmissionNode Start(ClusterConnection connection, AdmissionController primary, AdmissionOptions options, TimeProvider time, Action<string> log)
    {
        var client = new ClusterAdmissionClient(connection);
        var admission = new ClusterAdmission(primary, options, connection.Options.ConfiguredNodes, client, time, log);
        var membership = new NodeMembership(connection, time, log);
        membership.OnHeartbeat(admission.OnHeartbeatAsync);
        membership.Start();
        return new ClusterAdmissionNode(admission, membership, client, log);
    }

    /// <summary>Stops the heartbeat, deletes the lease and returns this node's slots (after its invocations ended).</summary>
    public async Task LeaveAsync()
    {
        await Membership.LeaveAsync().ConfigureAwait(false);
        try
        {
            await _client.ReclaimAsync(_client.NodeId).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _log($"admission: could not give back this node's slots ({ex.Message}); the others reclaim them when its lease lapses");
        }
        await Membership.DisposeAsync().ConfigureAwait(false);
    }
}
