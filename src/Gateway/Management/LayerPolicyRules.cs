using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using Gateway.Functions.Layers;
using Gateway.Invoke;
using Gateway.Security.Policies;

namespace Gateway.Management;

/// <summary>
/// AddLayerVersionPermission, RemoveLayerVersionPermission and GetLayerVersionPolicy as pure rules over one layer
/// version, with AWS's refusals (recorded against AWS by LocalStack, test_lambda_api.snapshot.json TestLambdaLayer
/// test_layer_policy_exceptions and test_layer_policy_lifecycle, 2025-11-25, "LS-REC"): model constraints first
/// (ValidationException), then the layer version, then the RevisionId, then the statement id. Statements are the
/// function policy's (<see cref="PolicyStatement"/>, rendered by <see cref="PolicyDocument"/>).
/// </summary>
internal static partial class LayerPolicyRules
{
    public const string NoPolicyMessage = PolicyRules.NoPolicyMessage;

    /// <summary>LS-REC layer_permission_wrong_revision(_remove): "GetLayerPolicy", not the function API's wording.</summary>
    public const string WrongRevisionMessage = "The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve the latest Revision Id";

    public const string ActionPattern = "lambda:GetLayerVersion";
    public const string PrincipalPatternText = @"\d{12}|\*|arn:(aws[a-zA-Z-]*):iam::\d{12}:root";

    [GeneratedRegex(@"\A(?:[a-zA-Z0-9-_]+)\z")]
    private static partial Regex StatementIdPattern();

    [GeneratedRegex(@"\A(?:\d{12}|\*|arn:(aws[a-zA-Z-]*):iam::\d{12}:root)\z")]
    private static partial Regex PrincipalPattern();

    [GeneratedRegex(@"\A(?:o-[a-z0-9]{10,32})\z")]
    private static partial Regex OrganizationIdPattern();

    /// <summary>"Layer version arn:…:layer:NAME:N does not exist." (LS-REC, add, get and remove alike, for a missing
    /// layer and a missing version). <paramref name="layerArn"/> is the layer as named: its ARN, given or built.</summary>
    public static LambdaError VersionNotFound(string layerArn, long version) =>
        LambdaError.ResourceNotFound($"Layer version {layerArn}:{version.ToString(CultureInfo.InvariantCulture)} does not exist.");

    /// <summary>The body's model constraints (botocore's AddLayerVersionPermissionRequest), every violation at once:
    /// length, then pattern, for each member (as AWS lists a layer name's).</summary>
    public static LambdaError? CheckBody(AddLayerVersionPermissionRequest request)
    {
        var errors = new ValidationMessages();
        if (request.StatementId is not { } sid)
        {
            errors.AddNull("statementId");
        }
        else
        {
            AddStatementIdErrors(errors, sid);
        }
        if (request.Action is not { } action)
        {
            errors.AddNull("action");
        }
        else
        {
            if (action.Length > 22)
            {
                errors.Add(action, "action", "Member must have length less than or equal to 22");
            }
            if (action != ActionPattern)
            {
                errors.Add(action, "action", "Member must satisfy regular expression pattern: " + ActionPattern); // LS-REC layer_permission_action_invalid
            }
        }
        if (request.Principal is not { } principal)
        {
            errors.AddNull("principal");
        }
        else if (!PrincipalPattern().IsMatch(principal))
        {
            errors.Add(principal, "principal", "Member must satisfy regular expression pattern: " + PrincipalPatternText);
        }
        if (request.OrganizationId is { } org)
        {
            if (org.Length > 34)
            {
                errors.Add(org, "organizationId", "Member must have length less than or equal to 34");
            }
            if (!OrganizationIdPattern().IsMatch(org))
            {
                errors.Add(org, "organizationId", "Member must satisfy regular expression pattern: o-[a-z0-9]{10,32}");
            }
        }
        return errors.ToError();
    }

    /// <summary>RemoveLayerVersionPermission's StatementId (the path's; the same shape as the body's).</summary>
    public static LambdaError? CheckStatementIdPath(string sid)
    {
        var errors = new ValidationMessages();
        AddStatementIdErrors(errors, sid);
        return errors.ToError();
    }

    private static void AddStatementIdErrors(ValidationMessages errors, string sid)
    {
        if (sid.Length < 1)
        {
            errors.Add(sid, "statementId", "Member must have length greater than or equal to 1");
        }
        else if (sid.Length > 100)
        {
            errors.Add(sid, "statementId", "Member must have length less than or equal to 100");
        }
        if (!StatementIdPattern().IsMatch(sid))
        {
            errors.Add(sid, "statementId", "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)");
        }
    }

    /// <summary>The statement a valid body makes: the principal as AWS renders it (an account id becomes its root,
    /// <c>{"AWS":"arn:aws:iam::ACCOUNT:root"}</c>; <c>*</c> stays <c>*</c>), the version's ARN as the resource, and
    /// <c>aws:PrincipalOrgID</c> when an OrganizationId was given.</summary>
    public static PolicyStatement BuildStatement(AddLayerVersionPermissionRequest request, string layerVersionArn)
    {
        // The model's pattern admits only what ParsePrincipal turns into "*" or an account's root.
        var principal = PolicyRules.ParsePrincipal(request.Principal!)!;
        ImmutableArray<PolicyCondition> conditions = request.OrganizationId is { } org
            ? [new PolicyCondition("StringEquals", "aws:PrincipalOrgID", org)]
            : [];
        return new PolicyStatement(request.StatementId!, principal, request.Action!, layerVersionArn, conditions);
    }

    /// <summary>AddLayerVersionPermission on <paramref name="version"/> (null: it does not exist). The result is the
    /// new statement and the policy's new RevisionId.</summary>
    public static (LayerVersionRecord? Changed, Outcome<(PolicyStatement Statement, string RevisionId)> Result) Add(
        LayerVersionRecord? version, string layerArn, long number, AddLayerVersionPermissionRequest request, string? revisionId)
    {
        if (version is null)
        {
            return (null, VersionNotFound(layerArn, number));
        }
        var existing = version.Policy;
        if (revisionId is not null && revisionId != existing?.RevisionId)
        {
            return (null, LambdaError.PreconditionFailed(WrongRevisionMessage));
        }
        if (existing is not null && existing.Statements.Any(s => s.Sid == request.StatementId))
        {
            return (null, LambdaError.ResourceConflict($"The statement id ({request.StatementId}) provided already exists. Please provide a new statement id, or remove the existing statement."));
        }
        var statement = BuildStatement(request, version.LayerVersionArn);
        var policy = new LayerVersionPolicy(Guid.NewGuid().ToString(), (existing?.Statements ?? []).Add(statement));
        return (version with { Policy = policy }, Outcome<(PolicyStatement, string)>.Ok((statement, policy.RevisionId)));
    }

    /// <summary>RemoveLayerVersionPermission. With no statement left the policy goes: GetLayerVersionPolicy answers
    /// "No policy is associated…" again, as for a version that never had one.</summary>
    public static (LayerVersionRecord? Changed, Outcome<bool> Result) Remove(
        LayerVersionRecord? version, string layerArn, long number, string statementId, string? revisionId)
    {
        if (version is null)
        {
            return (null, VersionNotFound(layerArn, number));
        }
        var existing = version.Policy;
        if (revisionId is not null && revisionId != existing?.RevisionId)
        {
            return (null, LambdaError.PreconditionFailed(WrongRevisionMessage));
        }
        int index = existing is null ? -1 : IndexOf(existing.Statements, statementId);
        if (index < 0)
        {
            return (null, LambdaError.ResourceNotFound($"Statement {statementId} is not found in resource policy."));
        }
        var statements = existing!.Statements.RemoveAt(index);
        var policy = statements.IsEmpty ? null : new LayerVersionPolicy(Guid.NewGuid().ToString(), statements);
        return (version with { Policy = policy }, Outcome<bool>.Ok(true));
    }

    private static int IndexOf(ImmutableArray<PolicyStatement> statements, string sid)
    {
        for (int i = 0; i < statements.Length; i++)
        {
            if (statements[i].Sid == sid)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>GetLayerVersionPolicy: the version's policy, or AWS's 404s (LS-REC layer_permission_nopolicy_get).</summary>
    public static Outcome<LayerVersionPolicy> Get(LayerVersionRecord? version, string layerArn, long number)
    {
        if (version is null)
        {
            return VersionNotFound(layerArn, number);
        }
        return version.Policy is { } policy ? Outcome<LayerVersionPolicy>.Ok(policy) : LambdaError.ResourceNotFound(NoPolicyMessage);
    }
}
