namespace Gateway.Security.Policies;

/// <summary>
/// What a request asks of a function's policy: who (null: an anonymous caller, as every request to an
/// <c>AuthType: NONE</c> URL is), which action, on which ARN (the function's unqualified ARN, or a version's or
/// alias's), and the condition keys Lambda sets for it (<c>lambda:FunctionUrlAuthType</c> on URL requests,
/// <c>lambda:InvokedViaFunctionUrl</c> on every invoke).
/// </summary>
internal readonly record struct PolicyRequest(CallerIdentity? Caller, string Action, string ResourceArn, string? FunctionUrlAuthType, bool InvokedViaFunctionUrl);

/// <summary>
/// The resource-policy half of IAM's evaluation, for the statements AddPermission can make: a request is allowed when
/// one statement matches it in principal, action, resource and every condition. There is no Deny to weigh (the API
/// makes only Allow statements), and identity policies are not modelled: the callers decide what a same-account
/// caller may do (<see cref="FunctionPolicies"/>).
/// <list type="bullet">
/// <item>Principal <c>*</c> matches everyone, anonymous callers included; <c>{"AWS": "arn:aws:iam::A:root"}</c> every
/// principal of account A; <c>{"AWS": arn}</c> that principal; <c>{"Service": …}</c> nobody (no AWS service calls
/// this gateway).</item>
/// <item>Action: <c>*</c>, <c>lambda:*</c> or the action itself, case-insensitively (IAM's rule for action names).</item>
/// <item>Resource: the ARN itself. A statement on the unqualified function does not cover <c>:alias</c> or
/// <c>:version</c> ARNs (IAM's ARN match; AWS: "If you use a qualifier, the invoker must use the full ARN of that
/// version or alias").</item>
/// <item>Conditions: StringEquals (values case-sensitive), StringLike/ArnLike (<c>*</c>, <c>?</c>) and Bool; keys
/// case-insensitively. A key the request does not carry (<c>AWS:SourceArn</c>, <c>AWS:SourceAccount</c>,
/// <c>aws:PrincipalOrgID</c>, <c>lambda:EventSourceToken</c>: only AWS services and organisations set them) fails
/// its condition, as in IAM.</item>
/// </list>
/// </summary>
internal static class PolicyEvaluator
{
    public static bool Allows(IEnumerable<PolicyStatement> statements, in PolicyRequest request)
    {
        foreach (var statement in statements)
        {
            if (Matches(statement, request))
            {
                return true;
            }
        }
        return false;
    }

    public static bool Matches(PolicyStatement statement, in PolicyRequest request) =>
        PrincipalMatches(statement.Principal, request.Caller)
        && ActionMatches(statement.Action, request.Action)
        && string.Equals(statement.Resource, request.ResourceArn, StringComparison.Ordinal)
        && ConditionsHold(statement, request);

    private static bool PrincipalMatches(PolicyPrincipal principal, CallerIdentity? caller) => principal.Kind switch
    {
        PrincipalKind.Anyone => true,
        PrincipalKind.Aws when caller is not null => IsAccountRoot(principal.Value, out var account)
            ? caller.AccountId == account
            : string.Equals(principal.Value, caller.Arn, StringComparison.Ordinal),
        _ => false,
    };

    /// <summary><c>arn:aws:iam::123456789012:root</c> → the account.</summary>
    private static bool IsAccountRoot(string arn, out string account)
    {
        account = "";
        var parts = arn.Split(':');
        if (parts.Length == 6 && parts[0] == "arn" && parts[2] == "iam" && parts[5] == "root")
        {
            account = parts[4];
            return true;
        }
        return false;
    }

    private static bool ActionMatches(string pattern, string action) => Glob(pattern, action, ignoreCase: true);

    private static bool ConditionsHold(PolicyStatement statement, in PolicyRequest request)
    {
        foreach (var condition in statement.Conditions)
        {
            if (ContextValue(condition.Key, request) is not { } value)
            {
                return false;
            }
            bool holds = condition.Operator switch
            {
                "StringEquals" => string.Equals(condition.Value, value, StringComparison.Ordinal),
                "StringEqualsIgnoreCase" => string.Equals(condition.Value, value, StringComparison.OrdinalIgnoreCase),
                "StringLike" or "ArnLike" or "ArnEquals" => Glob(condition.Value, value, ignoreCase: false),
                "Bool" => string.Equals(condition.Value, value, StringComparison.OrdinalIgnoreCase),
                _ => false, // an operator this evaluator does not know never grants
            };
            if (!holds)
            {
                return false;
            }
        }
        return true;
    }

    private static string? ContextValue(string key, in PolicyRequest request)
    {
        if (key.Equals("lambda:FunctionUrlAuthType", StringComparison.OrdinalIgnoreCase))
        {
            return request.FunctionUrlAuthType;
        }
        if (key.Equals("lambda:InvokedViaFunctionUrl", StringComparison.OrdinalIgnoreCase))
        {
            return request.InvokedViaFunctionUrl ? "true" : "false";
        }
        if (key.Equals("aws:PrincipalAccount", StringComparison.OrdinalIgnoreCase))
        {
            return request.Caller?.AccountId;
        }
        if (key.Equals("aws:PrincipalArn", StringComparison.OrdinalIgnoreCase))
        {
            return request.Caller?.Arn;
        }
        return null;
    }

    /// <summary>IAM's wildcard match: <c>*</c> any run of characters, <c>?</c> one character.</summary>
    internal static bool Glob(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text, bool ignoreCase)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || Same(pattern[p], text[t], ignoreCase)))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }
        return p == pattern.Length;
    }

    private static bool Same(char a, char b, bool ignoreCase) =>
        a == b || (ignoreCase && char.ToLowerInvariant(a) == char.ToLowerInvariant(b));
}
