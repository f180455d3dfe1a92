using System.Collections.Immutable;

namespace Gateway.Security.Policies;

/// <summary>Who a statement names: <c>"*"</c> (anyone, signed or not), <c>{"AWS": arn}</c> (an account's root, which
/// stands for every principal of that account, or one IAM user/role) or <c>{"Service": name}</c> (an AWS service,
/// which never calls this gateway directly).</summary>
internal enum PrincipalKind { Anyone, Aws, Service }

internal sealed record PolicyPrincipal(PrincipalKind Kind, string Value)
{
    public static PolicyPrincipal Anyone { get; } = new(PrincipalKind.Anyone, "*");
}

/// <summary>One condition of a statement: <c>{"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}</c> is
/// (StringEquals, lambda:FunctionUrlAuthType, NONE).</summary>
internal sealed record PolicyCondition(string Operator, string Key, string Value);

/// <summary>
/// One statement of a function's resource-based policy, as AddPermission makes it: always <c>Effect: Allow</c> (the
/// API cannot add a Deny), one action, the function's (or version's, or alias's) ARN as the resource, and the
/// conditions in the order AWS renders them (<see cref="PolicyDocument"/>).
/// </summary>
internal sealed record PolicyStatement(string Sid, PolicyPrincipal Principal, string Action, string Resource, ImmutableArray<PolicyCondition> Conditions);

/// <summary>
/// A function's (or one version's or alias's) policy: its statements in the order they were added, and the
/// RevisionId that changes on every AddPermission and RemovePermission (GetPolicy answers it; both take it as an
/// optimistic-concurrency check). <see cref="Qualifier"/> is "" for the unqualified function.
/// </summary>
internal sealed record ResourcePolicy(string FunctionName, string Qualifier, string RevisionId, ImmutableArray<PolicyStatement> Statements)
{
    public (string Function, string Qualifier) Key => (FunctionName, Qualifier);
}
