using Gateway.Admission;

namespace Gateway.ClusterMode.Admission;

/// <summary>
/// This node's static share of the cluster's limits, <c>limit / --cluster-nodes</c> (rounded down, at least 1 for a
/// limit above 0): what it admits on its own while Redis is unreachable.
/// </summary>
/// <remarks>
/// Rounded down so that N nodes on their shares never exceed a limit L ≥ N together (N × ⌊L/N⌋ ≤ L). A limit below
/// the node count (reserved concurrency 2 on 3 nodes) gets 1 per node rather than 0, which would refuse the function
/// outright during an outage: then the cluster may run up to N of it. Reserved 0 stays 0 (it refuses everything).
/// The request rate follows the account share (RequestRateMultiplier × share); the burst bucket is divided too.
/// </remarks>
internal static class StaticShare
{
    public static int Of(int limit, int nodes) => limit <= 0 ? 0 : Math.Max(1, limit / Math.Max(1, nodes));

    public static int? Of(int? limit, int nodes) => limit is int value ? Of(value, nodes) : null;

    /// <summary>The settings of the node-local controller that decides on the share. No minimum unreserved
    /// concurrency: the cluster-wide check already enforced it, and a share must not refuse what the cluster accepted.</summary>
    public static AdmissionOptions Options(AdmissionOptions cluster, int nodes) => new()
    {
        AccountConcurrencyLimit = Of(cluster.AccountConcurrencyLimit, nodes),
        MinimumUnreservedConcurrency = 0,
        BurstModel = cluster.BurstModel,
        BurstCapacity = Of(cluster.EffectiveBurstCapacity, nodes),
        BurstRefillPerSecond = Math.Max(0.001, cluster.EffectiveBurstRefillPerSecond / Math.Max(1, nodes)),
        RequestRateMultiplier = cluster.RequestRateMultiplier,
    };
}
