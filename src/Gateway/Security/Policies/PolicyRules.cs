using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Gateway.Functions;
using Gateway.Functions.Registry;
using Gateway.Invoke;
using Gateway.Management;

namespace Gateway.Security.Policies;

/// <summary>
/// AddPermission, RemovePermission and GetPolicy as pure rules over the registry and policy snapshots, with AWS's
/// refusals (recorded against AWS by LocalStack, tests/aws/services/lambda_/test_lambda_api.snapshot.json,
/// TestLambdaPermissions, 2022-12 and 2025-11): model constraints first (ValidationException), then the function,
/// version or alias, then the RevisionId, then the statement id.
/// </summary>
internal static partial class PolicyRules
{
    public const string NoPolicyMessage = "No policy is associated with the given resource.";
    public const string NotFoundMessage = "The resource you requested does not exist.";
    public const string InvalidPrincipalMessage = "The provided principal was invalid. Please check the principal and try again.";
    public const string LatestMessage = "We currently do not support adding policies for $LATEST.";

    /// <summary>A stale RevisionId on AddPermission or RemovePermission. The policy's RevisionId is its own, read with
    /// GetPolicy (API reference, PreconditionFailedException: "For AddPermission and RemovePermission API operations:
    /// Call GetPolicy"); AddPermission's text recorded 2025-11 (TestLambdaRevisions::test_function_revisions_permissions,
    /// TestLambdaPermissions::test_lambda_permission_fn_versioning). RemovePermission's was last recorded in 2024 as
    /// "Call the GetFunction/GetAlias API", when the policy shared its resource's RevisionId; AWS has since split the two
    /// (2025-11: GetPolicy's RevisionId stays put while a publish changes $LATEST's), so it takes the same text
    /// (INFERRED, as the layer policy's add and remove share theirs, recorded 2025-11).</summary>
    public const string StaleRevisionMessage = "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id";

    [GeneratedRegex(@"\A(?:[a-zA-Z0-9-_]+)\z")]
    private static partial Regex StatementIdPattern();

    [GeneratedRegex(@"\A(?:[a-zA-Z0-9-_.]+)\z")]
    private static partial Regex NamespacedStatementIdPattern();

    [GeneratedRegex(@"\A(?:lambda:[*]|lambda:[a-zA-Z]+|[*])\z")]
    private static partial Regex ActionPattern();

    [GeneratedRegex(@"\A(?:[^\s]+)\z")]
    private static partial Regex PrincipalPattern();

    [GeneratedRegex(@"\A(?:\d{12})\z")]
    private static partial Regex AccountPattern();

    /// <summary>The model's <c>Arn</c> shape (AddPermission's SourceArn, ListEventSourceMappings' EventSourceArn) as
    /// AWS's ValidationException quotes it.</summary>
    public const string ArnShapePattern = @"arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)";

    [GeneratedRegex(@"\A(?:" + ArnShapePattern + @")\z", RegexOptions.Singleline)]
    private static partial Regex SourceArnPattern();

    /// <summary>Whether <paramref name="arn"/> satisfies the model's Arn shape.</summary>
    public static bool IsArnShape(string arn) => SourceArnPattern().IsMatch(arn);

    [GeneratedRegex(@"\A(?:[a-zA-Z0-9._\-]+)\z")]
    private static partial Regex EventSourceTokenPattern();

    [GeneratedRegex(@"\A(?:o-[a-z0-9]{10,32})\z")]
    private static partial Regex OrgIdPattern();

    [GeneratedRegex(@"\Aarn:aws[a-zA-Z-]*:iam::\d{12}:.+\z")]
    private static partial Regex IamArnPattern();

    /// <summary>The body's model constraints (botocore's shapes for AddPermissionRequest), every violation at once.</summary>
    public static LambdaError? CheckBody(AddPermissionRequest request)
    {
        var errors = new ValidationMessages();
        if (request.StatementId is not { } sid)
        {
            errors.AddNull("statementId");
        }
        else if (sid.Length is < 1 or > 100)
        {
            errors.Add(sid, "statementId", sid.Length < 1 ? "Member must have length greater than or equal to 1" : "Member must have length less than or equal to 100");
        }
        else if (!StatementIdPattern().IsMatch(sid))
        {
            errors.Add(sid, "statementId", "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)");
        }
        if (request.Action is not { } action)
        {
            errors.AddNull("action");
        }
        else if (!ActionPattern().IsMatch(action))
        {
            errors.Add(action, "action", "Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])");
        }
        if (request.Principal is not { } principal)
        {
            errors.AddNull("principal");
        }
        else if (principal.Length > 2048)
        {
            errors.Add(principal, "principal", "Member must have length less than or equal to 2048");
        }
        else if (!PrincipalPattern().IsMatch(principal))
        {
            errors.Add(principal, "principal", @"Member must satisfy regular expression pattern: [^\s]+");
        }
        if (request.SourceArn is { } sourceArn && !SourceArnPattern().IsMatch(sourceArn))
        {
            errors.Add(sourceArn, "sourceArn", "Member must satisfy regular expression pattern: " + ArnShapePattern);
        }
        if (request.SourceAccount is { } sourceAccount && !AccountPattern().IsMatch(sourceAccount))
        {
            errors.Add(sourceAccount, "sourceAccount", sourceAccount.Length > 12 ? "Member must have length less than or equal to 12" : @"Member must satisfy regular expression pattern: \d{12}");
        }
        if (request.EventSourceToken is { } token && (token.Length > 256 || !EventSourceTokenPattern().IsMatch(token)))
        {
            errors.Add(token, "eventSourceToken", token.Length > 256 ? "Member must have length less than or equal to 256" : @"Member must satisfy regular expression pattern: [a-zA-Z0-9._\-]+");
        }
        if (request.PrincipalOrgID is { } org && !OrgIdPattern().IsMatch(org))
        {
            errors.Add(org, "principalOrgID", org.Length is < 12 or > 34
                ? (org.Length < 12 ? "Member must have length greater than or equal to 12" : "Member must have length less than or equal to 34")
                : "Member must satisfy regular expression pattern: o-[a-z0-9]{10,32}");
        }
        if (request.FunctionUrlAuthType is { } authType && authType is not ("NONE" or "AWS_IAM"))
        {
            errors.Add(authType, "functionUrlAuthType", "Member must satisfy enum value set: [NONE, AWS_IAM]");
        }
        return errors.ToError();
    }

    /// <summary>RemovePermission's StatementId (NamespacedStatementId: dots allowed).</summary>
    public static LambdaError? CheckStatementIdPath(string sid)
    {
        if (sid.Length is < 1 or > 100)
        {
            return ValidationMessages.Single(sid, "statementId", sid.Length < 1 ? "Member must have length greater than or equal to 1" : "Member must have length less than or equal to 100");
        }
        return NamespacedStatementIdPattern().IsMatch(sid) ? null
            : ValidationMessages.Single(sid, "statementId", "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_.]+)");
    }

    /// <summary>The Principal as AWS renders it: <c>*</c>; a 12-digit account as its root
    /// (<c>{"AWS":"arn:aws:iam::123456789012:root"}</c>); an IAM ARN as it is; a service name
    /// (<c>s3.amazonaws.com</c>, and Alexa's <c>alexa-appkit.amazon.com</c>) as <c>{"Service": …}</c>.</summary>
    public static PolicyPrincipal? ParsePrincipal(string principal)
    {
        if (principal == "*")
        {
            return PolicyPrincipal.Anyone;
        }
        if (AccountPattern().IsMatch(principal))
        {
            return new PolicyPrincipal(PrincipalKind.Aws, $"arn:aws:iam::{principal}:root");
        }
        if (IamArnPattern().IsMatch(principal))
        {
            return new PolicyPrincipal(PrincipalKind.Aws, principal);
        }
        if (principal.EndsWith(".amazonaws.com", StringComparison.Ordinal) || principal.EndsWith(".amazon.com", StringComparison.Ordinal))
        {
            return new PolicyPrincipal(PrincipalKind.Service, principal);
        }
        return null;
    }

    /// <summary>The statement an AddPermission body makes, its conditions in the order AWS renders them (recorded:
    /// StringEquals AWS:SourceAccount, lambda:FunctionUrlAuthType, aws:PrincipalOrgID, then ArnLike AWS:SourceArn).</summary>
    public static Outcome<PolicyStatement> BuildStatement(AddPermissionRequest request, string resourceArn)
    {
        if (ParsePrincipal(request.Principal!) is not { } principal)
        {
            return LambdaError.InvalidParameterValue(InvalidPrincipalMessage);
        }
        var conditions = ImmutableArray.CreateBuilder<PolicyCondition>();
        if (request.SourceAccount is { } account)
        {
            conditions.Add(new("StringEquals", "AWS:SourceAccount", account));
        }
        if (request.FunctionUrlAuthType is { } authType)
        {
            conditions.Add(new("StringEquals", "lambda:FunctionUrlAuthType", authType));
        }
        if (request.PrincipalOrgID is { } org)
        {
            conditions.Add(new("StringEquals", "aws:PrincipalOrgID", org));
        }
        if (request.EventSourceToken is { } token)
        {
            conditions.Add(new("StringEquals", "lambda:EventSourceToken", token));
        }
        if (request.SourceArn is { } sourceArn)
        {
            conditions.Add(new("ArnLike", "AWS:SourceArn", sourceArn));
        }
        if (request.InvokedViaFunctionUrl is { } viaUrl)
        {
            // A Bool key (IAM's condition reference for Lambda): "true"/"false" as strings, like every Bool condition.
            conditions.Add(new("Bool", "lambda:InvokedViaFunctionUrl", viaUrl ? "true" : "false"));
        }
        return Outcome<PolicyStatement>.Ok(new PolicyStatement(request.StatementId!, principal, request.Action!, resourceArn, conditions.ToImmutable()));
    }

    /// <summary>The policy key and resource ARN of a function and qualifier, or AWS's 404 for AddPermission: "Function
    /// not found: arn[:version]" for a missing function or version, "Cannot find alias arn: …" for a missing alias.</summary>
    public static LambdaError? FindResource(RegistrySnapshot functions, FunctionResolver resolver, string name, string? qualifier,
        out string key, out string resourceArn)
    {
        key = "";
        resourceArn = resolver.ArnOf(name);
        if (!functions.TryGet(name, out var function))
        {
            return LambdaError.ResourceNotFound("Function not found: " + resourceArn);
        }
        if (qualifier is null or FunctionVersions.Latest)
        {
            return null;
        }
        string qualified = $"{function.Arn}:{qualifier}";
        if (function.Versions.ContainsKey(qualifier) || function.Aliases.ContainsKey(qualifier))
        {
            key = qualifier;
            resourceArn = qualified;
            return null;
        }
        return IsAliasName(qualifier)
            ? LambdaError.ResourceNotFound("Cannot find alias arn: " + qualified)
            : LambdaError.ResourceNotFound("Function not found: " + qualified);
    }

    /// <summary>What AWS takes for an alias name (CreateAlias's pattern): not all digits, letters/digits/-/_ only.</summary>
    private static bool IsAliasName(string qualifier) =>
        qualifier.Length > 0 && !qualifier.All(char.IsAsciiDigit) && qualifier.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public static (ResourcePolicy? Changed, Outcome<PolicyStatement> Result) Add(RegistrySnapshot functions, PolicySnapshot policies, FunctionResolver resolver,
        string name, string? qualifier, AddPermissionRequest request)
    {
        if (FindResource(functions, resolver, name, qualifier, out var key, out var resourceArn) is { } missing)
        {
            return (null, missing);
        }
        policies.TryGet(name, key, out var existing);
        if (request.RevisionId is { } revision && revision != (existing?.RevisionId ?? ResourceRevision(functions, name, key)))
        {
            return (null, LambdaError.PreconditionFailed(StaleRevisionMessage));
        }
        if (existing is not null && existing.Statements.Any(s => s.Sid == request.StatementId))
        {
            return (null, LambdaError.ResourceConflict($"The statement id ({request.StatementId}) provided already exists. Please provide a new statement id, or remove the existing statement."));
        }
        var built = BuildStatement(request, resourceArn);
        if (!built.IsOk)
        {
            return (null, built);
        }
        var statements = (existing?.Statements ?? []).Add(built.Value!);
        return (new ResourcePolicy(name, key, Guid.NewGuid().ToString(), statements), built);
    }

    /// <summary>
    /// The RevisionId a first AddPermission is checked against, when the resource has no policy yet: the resource's own.
    /// An alias's (LS-REC TestLambdaPermissions::test_lambda_permission_fn_versioning, 2025-11: add_permission with
    /// create_alias_response's RevisionId succeeds) and $LATEST's (LS-REC TestLambdaRevisions::
    /// test_function_revisions_permissions, 2024-04: with GetFunction's RevisionId); a version's by the same rule
    /// (INFERRED). Unsettled for $LATEST: that test's 2025-11 re-recording stops after its first step (the 412 for
    /// "wrong"), so the step that adds with GetFunction's RevisionId did not pass on AWS then, and LocalStack skips the
    /// test since ("The API on AWS has changed significantly"); what AWS answers instead is not recorded.
    /// </summary>
    private static string? ResourceRevision(RegistrySnapshot functions, string name, string key)
    {
        if (!functions.TryGet(name, out var function))
        {
            return null;
        }
        if (key.Length == 0)
        {
            return function.Latest.RevisionId;
        }
        return function.Aliases.TryGetValue(key, out var alias) ? alias.RevisionId
            : function.Versions.TryGetValue(key, out var version) ? version.RevisionId
            : null;
    }

    public static (ResourcePolicy? Changed, Outcome<bool> Result) Remove(RegistrySnapshot functions, PolicySnapshot policies, FunctionResolver resolver,
        string name, string? qualifier, string statementId, string? revisionId)
    {
        if (!functions.TryGet(name, out _))
        {
            return (null, LambdaError.ResourceNotFound("No policy found for: " + resolver.ArnOf(name)));
        }
        if (FindResource(functions, resolver, name, qualifier, out var key, out _) is { } missing)
        {
            return (null, missing);
        }
        if (!policies.TryGet(name, key, out var existing))
        {
            return (null, LambdaError.ResourceNotFound(NoPolicyMessage));
        }
        int index = existing.Statements.IndexOf(existing.Statements.FirstOrDefault(s => s.Sid == statementId)!);
        if (index < 0)
        {
            return (null, LambdaError.ResourceNotFound($"Statement {statementId} is not found in resource policy."));
        }
        if (revisionId is not null && revisionId != existing.RevisionId)
        {
            return (null, LambdaError.PreconditionFailed(StaleRevisionMessage));
        }
        // No statement left: the policy goes (GetPolicy answers 404 again, as AWS does).
        return (existing with { RevisionId = Guid.NewGuid().ToString(), Statements = existing.Statements.RemoveAt(index) }, Outcome<bool>.Ok(true));
    }

    /// <summary>GetPolicy: the policy, or 404 "The resource you requested does not exist." for a missing function,
    /// version or alias, and for one with no policy (recorded 2025-11).</summary>
    public static Outcome<ResourcePolicy> Get(RegistrySnapshot functions, PolicySnapshot policies, FunctionResolver resolver, string name, string? qualifier)
    {
        if (FindResource(functions, resolver, name, qualifier, out var key, out _) is not null || !policies.TryGet(name, key, out var policy))
        {
            return LambdaError.ResourceNotFound(NotFoundMessage);
        }
        return Outcome<ResourcePolicy>.Ok(policy);
    }
}
