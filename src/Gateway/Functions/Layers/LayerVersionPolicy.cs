using System.Collections.Immutable;
using Gateway.Security.Policies;

namespace Gateway.Functions.Layers;

/// <summary>
/// A layer version's resource-based policy (AddLayerVersionPermission): its statements in the order they were added
/// and the RevisionId every add and remove replaces. Kept and answered as AWS does, not enforced: every function of
/// this gateway is its one account's, and AWS lets an account's own functions use its layers without a statement.
/// Statements are <see cref="PolicyStatement"/>s, so they render through the function policy's
/// <see cref="PolicyDocument"/> (same member order, same compact text).
/// </summary>
internal sealed record LayerVersionPolicy(string RevisionId, ImmutableArray<PolicyStatement> Statements);
