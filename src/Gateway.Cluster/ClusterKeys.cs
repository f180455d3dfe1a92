namespace Gateway.Cluster;

/// <summary>
/// Every Redis key the cluster uses, in one place. Each group's keys share one hash tag (the part in braces), so a
/// script that touches several keys of a group runs on one Redis Cluster slot; groups never mix in one script.
/// </summary>
public static class ClusterKeys
{
    /// <summary>Admission: account and per-function concurrency, rate windows, burst buckets, node leases of slots.</summary>
    public const string AdmissionTag = "{gw:admission}";

    /// <summary>The shared Event queue: the stream, the consumer group's state, the delay set, dead letters.</summary>
    public const string EventsTag = "{gw:events}";

    /// <summary>The shared registry: functions, versions, aliases, concurrency settings, revision, change log, code.</summary>
    public const string RegistryTag = "{gw:registry}";

    /// <summary>Node membership: one key per live node with a TTL (its lease), and the set of known nodes.</summary>
    public const string NodesTag = "{gw:nodes}";

    /// <summary>A node's lease key: present while the node heartbeats.</summary>
    public static string NodeLease(string nodeId) => NodesTag + ":lease:" + nodeId;

    /// <summary>The set of every node that has joined (live or not): who to look at when reclaiming.</summary>
    public const string NodeSet = NodesTag + ":all";
}
