using Gateway.Admission;

namespace Gateway.ClusterMode.Admission;

/// <summary>One function as the cluster admission sees it: its name (the Redis scope), the handle the host holds (its
/// counters are this node's invocations in flight, cluster-admitted or not) and its handle in the static-share
/// controller. The holder of the function's cluster-admitted tickets.</summary>
internal sealed class ClusterFunction(string name, FunctionAdmission handle, FunctionAdmission share)
{
    public string Name { get; } = name;

    public string Field { get; } = Gateway.Cluster.Admission.AdmissionKeys.FunctionField(name);

    public FunctionAdmission Handle { get; } = handle;

    public FunctionAdmission Share { get; } = share;
}
