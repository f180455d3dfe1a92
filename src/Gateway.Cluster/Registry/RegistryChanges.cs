namespace Gateway.Cluster.Registry;

/// <summary>A function's document as the registry keeps it; <see cref="Json"/> null: the function was deleted.</summary>
public readonly record struct RegistryDocument(string Name, string? Json);

/// <summary>
/// What a node must apply to catch up to <see cref="Revision"/>. <see cref="Everything"/>: <see cref="Documents"/> is the
/// whole registry (anything not in it is gone) and <see cref="Deleted"/> the names deleted through the API; otherwise
/// <see cref="Documents"/> holds only the functions changed since the node's revision (a null Json: deleted).
/// </summary>
public sealed record RegistryChanges(long Revision, bool Everything, IReadOnlyList<RegistryDocument> Documents, IReadOnlyList<string> Deleted)
{
    public static RegistryChanges None(long revision) => new(revision, false, [], []);
}

/// <summary>The outcome of a commit: <see cref="Committed"/> at <see cref="Revision"/>, or refused because the
/// cluster is at <see cref="Revision"/> already (another node committed first: catch up and compute again).</summary>
public readonly record struct RegistryCommit(bool Committed, long Revision);

/// <summary>One function a node's functions file would seed; <see cref="Force"/>: overwrite what the cluster has
/// (<c>--reset-api-changes</c>).</summary>
public readonly record struct RegistrySeedEntry(string Name, string Json, bool Force);
