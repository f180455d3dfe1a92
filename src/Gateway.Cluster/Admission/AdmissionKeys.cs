using StackExchange.Redis;

namespace Gateway.Cluster.Admission;

/// <summary>The admission group's keys, all in the <see cref="ClusterKeys.AdmissionTag"/> hash tag.</summary>
public static class AdmissionKeys
{
    /// <summary>Hash: scope → slots held across the cluster.</summary>
    public static readonly RedisKey Held = ClusterKeys.AdmissionTag + ":held";

    /// <summary>The account's request-rate bucket.</summary>
    public static readonly RedisKey AccountRate = ClusterKeys.AdmissionTag + ":rate:account";

    /// <summary>The account's burst bucket (the account-burst model).</summary>
    public static readonly RedisKey AccountBurst = ClusterKeys.AdmissionTag + ":burst:account";

    /// <summary>Hash: scope → slots held by one node (what goes back when its lease lapses).</summary>
    public static RedisKey Node(string nodeId) => ClusterKeys.AdmissionTag + ":node:" + nodeId;

    /// <summary>The scope field of one function's invocations in flight, in <see cref="Held"/> and node hashes.</summary>
    public static string FunctionField(string function) => "f:" + function;

    /// <summary>A function's burst bucket (the per-function model).</summary>
    public static RedisKey FunctionBurst(string function) => ClusterKeys.AdmissionTag + ":burst:f:" + function;

    /// <summary>A reserved function's request-rate bucket. The limit is part of the name, so a changed reservation
    /// starts with a full bucket, as on a single node.</summary>
    public static RedisKey ReservedRate(string function, int reserved) => ClusterKeys.AdmissionTag + ":rate:f:" + function + ":" + reserved;
}
