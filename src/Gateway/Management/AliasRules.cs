using System.Collections.Immutable;
using Gateway.Functions;
using Gateway.Functions.Registry;
using Gateway.Invoke;

namespace Gateway.Management;

/// <summary>
/// CreateAlias / UpdateAlias / DeleteAlias as pure changes of a <see cref="RegistrySnapshot"/>, with AWS's checks in
/// AWS's order: the model's constraints first (ValidationException), then the function and its target version
/// (404), an existing alias (409), the RevisionId (412), then the routing rules (400/404). Texts are AWS's own,
/// recorded in LocalStack's AWS snapshots (test_lambda_api TestLambdaAlias, 2025-11) unless a comment says otherwise.
/// </summary>
internal static class AliasRules
{
    public const int NameMaxLength = 128;
    public const int DescriptionMaxLength = 256;
    public const int VersionMaxLength = 1024;

    /// <summary>botocore's Alias pattern, as AWS prints it in its message.</summary>
    public const string NamePattern = "(?!^[0-9]+$)([a-zA-Z0-9-_]+)";

    /// <summary>botocore's VersionWithLatestPublished pattern.</summary>
    public const string VersionPattern = @"(\$LATEST(\.PUBLISHED)?|[0-9]+)";

    private const string WeightValueConstraint = "Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]";
    private const string WeightKeyConstraint = "Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]";

    /// <summary>An alias name AWS accepts: 1–128 of <c>[a-zA-Z0-9-_]</c>, not all digits (so "3" is always a version).</summary>
    public static bool IsValidName(string name)
    {
        if (name.Length is 0 or > NameMaxLength)
        {
            return false;
        }
        bool allDigits = true;
        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_'))
            {
                return false;
            }
            allDigits &= char.IsAsciiDigit(c);
        }
        return !allDigits;
    }

    /// <summary>The Name path parameter of Get/Update/DeleteAlias against the model.</summary>
    public static LambdaError? ValidateName(string name)
    {
        var messages = new ValidationMessages();
        AddNameErrors(messages, name);
        return messages.ToError();
    }

    /// <summary>The model's constraints on a CreateAlias (<paramref name="create"/>) or UpdateAlias body.</summary>
    public static LambdaError? ValidateDocument(AliasDocument document, string? pathName, bool create)
    {
        var messages = new ValidationMessages();
        string? name = create ? document.Name : pathName;
        if (name is null)
        {
            messages.AddNull("name");
        }
        else
        {
            AddNameErrors(messages, name);
        }
        if (document.FunctionVersion is not { } version)
        {
            if (create)
            {
                messages.AddNull("functionVersion");
            }
        }
        else if (version.Length > VersionMaxLength)
        {
            messages.Add(version, "functionVersion", $"Member must have length less than or equal to {VersionMaxLength}");
        }
        else if (!FunctionVersions.IsLatest(version) && version != FunctionVersions.Latest + ".PUBLISHED" && !IsDigits(version))
        {
            messages.Add(version, "functionVersion", "Member must satisfy regular expression pattern: " + VersionPattern);
        }
        if (document.Description is { Length: > DescriptionMaxLength } description)
        {
            messages.Add(description, "description", $"Member must have length less than or equal to {DescriptionMaxLength}");
        }
        if (document.RoutingConfig?.AdditionalVersionWeights is { } weights)
        {
            if (weights.Keys.Any(key => key.Length > VersionMaxLength || !IsDigits(key)))
            {
                messages.Add(ValidationMessages.JavaMap(weights), "routingConfig.additionalVersionWeights", WeightKeyConstraint);
            }
            if (weights.Values.Any(weight => !(weight is >= 0.0 and <= 1.0)))
            {
                messages.Add(ValidationMessages.JavaMap(weights), "routingConfig.additionalVersionWeights", WeightValueConstraint);
            }
        }
        return messages.ToError();
    }

    /// <summary>CreateAlias. <paramref name="functionArn"/> is the unqualified ARN of <paramref name="functionName"/>
    /// (for messages about a function that does not exist).</summary>
    public static (RegistrySnapshot Next, Outcome<AliasRecord> Result) Create(RegistrySnapshot snapshot, string functionName, string functionArn, AliasDocument document, string revisionId)
    {
        if (ValidateDocument(document, null, create: true) is { } invalid)
        {
            return (snapshot, invalid);
        }
        string version = document.FunctionVersion!;
        // AWS names the missing function with the version asked for (routing_config_exc_fn_doesnotexist).
        if (!snapshot.TryGet(functionName, out var function) || function.FindVersion(version) is null)
        {
            return (snapshot, LambdaError.ResourceNotFound($"Function not found: {functionArn}:{version}"));
        }
        if (function.Aliases.TryGetValue(document.Name!, out var existing))
        {
            return (snapshot, LambdaError.ResourceConflict("Alias already exists: " + existing.Arn) with { CapitalMessage = false });
        }
        var weights = ToWeights(document.RoutingConfig);
        if (CheckRouting(function, version, weights) is { } refused)
        {
            return (snapshot, refused);
        }
        var alias = new AliasRecord
        {
            Name = document.Name!,
            Arn = function.Arn + ":" + document.Name,
            FunctionVersion = version,
            Description = document.Description ?? "",
            AdditionalVersionWeights = weights,
            RevisionId = revisionId,
        };
        return (snapshot.With(function with { Aliases = function.Aliases.SetItem(alias.Name, alias) }), Outcome<AliasRecord>.Ok(alias));
    }

    /// <summary>UpdateAlias: members that are absent keep their value; RoutingConfig with no weights removes them. The
    /// alias gets a new RevisionId even when nothing changes, as on AWS (test_alias_lifecycle, update_alias_1_2).</summary>
    public static (RegistrySnapshot Next, Outcome<AliasRecord> Result) Update(RegistrySnapshot snapshot, string functionName, string functionArn, string aliasName, AliasDocument document, string revisionId)
    {
        if (ValidateDocument(document, aliasName, create: false) is { } invalid)
        {
            return (snapshot, invalid);
        }
        if (!snapshot.TryGet(functionName, out var function))
        {
            return (snapshot, LambdaError.ResourceNotFound("Function not found: " + functionArn));
        }
        if (!function.Aliases.TryGetValue(aliasName, out var alias))
        {
            // UpdateAlias's own wording (test_non_existent_alias_update); GetAlias says "Cannot find alias arn:".
            return (snapshot, LambdaError.ResourceNotFound($"Alias not found: {function.Arn}:{aliasName}"));
        }
        if (document.RevisionId is { } expected && expected != alias.RevisionId)
        {
            return (snapshot, RevisionMismatch);
        }
        string version = document.FunctionVersion ?? alias.FunctionVersion;
        if (function.FindVersion(version) is null)
        {
            return (snapshot, LambdaError.ResourceNotFound($"Function not found: {function.Arn}:{version}"));
        }
        var weights = document.RoutingConfig is null ? alias.AdditionalVersionWeights : ToWeights(document.RoutingConfig);
        if (CheckRouting(function, version, weights) is { } refused)
        {
            return (snapshot, refused);
        }
        var updated = alias with
        {
            FunctionVersion = version,
            Description = document.Description ?? alias.Description,
            AdditionalVersionWeights = weights,
            RevisionId = revisionId,
        };
        return (snapshot.With(function with { Aliases = function.Aliases.SetItem(aliasName, updated) }), Outcome<AliasRecord>.Ok(updated));
    }

    /// <summary>DeleteAlias: 204 also when there is no such alias (test_non_existent_alias_deletion). The alias's
    /// provisioned concurrency goes with it (a later Get answers "Cannot find alias arn").</summary>
    public static (RegistrySnapshot Next, Outcome<bool> Result) Delete(RegistrySnapshot snapshot, string functionName, string functionArn, string aliasName)
    {
        if (ValidateName(aliasName) is { } invalid)
        {
            return (snapshot, invalid);
        }
        if (!snapshot.TryGet(functionName, out var function))
        {
            return (snapshot, LambdaError.ResourceNotFound("Function not found: " + functionArn));
        }
        if (!function.Aliases.ContainsKey(aliasName))
        {
            return (snapshot, Outcome<bool>.Ok(false));
        }
        var next = function with
        {
            Aliases = function.Aliases.Remove(aliasName),
            ProvisionedConcurrency = function.ProvisionedConcurrency.Remove(aliasName),
        };
        return (snapshot.With(next), Outcome<bool>.Ok(true));
    }

    /// <summary>GetAlias: the alias, or AWS's "Cannot find alias arn: {arn}" (alias_does_not_exist_esc).</summary>
    public static Outcome<AliasRecord> Get(RegistrySnapshot snapshot, string functionName, string functionArn, string aliasName)
    {
        if (ValidateName(aliasName) is { } invalid)
        {
            return invalid;
        }
        if (!snapshot.TryGet(functionName, out var function))
        {
            return LambdaError.ResourceNotFound("Function not found: " + functionArn);
        }
        return function.Aliases.TryGetValue(aliasName, out var alias)
            ? Outcome<AliasRecord>.Ok(alias)
            : LambdaError.ResourceNotFound($"Cannot find alias arn: {function.Arn}:{aliasName}");
    }

    /// <summary>ListAliases: every alias (or those whose FunctionVersion is <paramref name="functionVersion"/>) by name.</summary>
    public static Outcome<List<AliasRecord>> List(RegistrySnapshot snapshot, string functionName, string functionArn, string? functionVersion)
    {
        if (functionVersion is not null && !FunctionVersions.IsLatest(functionVersion) && !IsDigits(functionVersion))
        {
            return ValidationMessages.Single(functionVersion, "functionVersion", "Member must satisfy regular expression pattern: " + VersionPattern);
        }
        if (!snapshot.TryGet(functionName, out var function))
        {
            return LambdaError.ResourceNotFound("Function not found: " + functionArn);
        }
        return Outcome<List<AliasRecord>>.Ok(function.Aliases.Values
            .Where(a => functionVersion is null || a.FunctionVersion == functionVersion)
            .OrderBy(a => a.Name, StringComparer.Ordinal)
            .ToList());
    }

    /// <summary>AWS's 412 for a stale RevisionId (test_function_revisions_version_and_alias).</summary>
    public static LambdaError RevisionMismatch { get; } = LambdaError.PreconditionFailed(
        "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id");

    /// <summary>The routing rules once the target version exists, in AWS's order.</summary>
    private static LambdaError? CheckRouting(FunctionRecord function, string version, ImmutableDictionary<string, double> weights)
    {
        if (weights.IsEmpty)
        {
            return null;
        }
        if (weights.Count > 1)
        {
            return LambdaError.InvalidParameterValue("Number of items in AdditionalVersionWeights cannot be greater than 1");
        }
        var (additional, _) = weights.First();
        if (additional == version)
        {
            return LambdaError.InvalidParameterValue($"Invalid function version {version}. Function version {version} is already included in routing configuration.");
        }
        if (FunctionVersions.IsLatest(version))
        {
            // AWS sends this one without "Type" (target_version_exc_version_latest).
            return new LambdaError(400, "InvalidParameterValueException", "$LATEST is not supported for an alias pointing to more than 1 version", false, null);
        }
        if (function.FindVersion(additional) is not { } other)
        {
            return LambdaError.ResourceNotFound($"Function not found: {function.Arn}:{additional}");
        }
        var primary = function.FindVersion(version)!;
        if (primary.Role != other.Role)
        {
            // AWS's text as users reported it (serverless-heaven/serverless-aws-alias#64); not in a recorded snapshot.
            return LambdaError.InvalidParameterValue("Specified versions must be associated with the same execution role");
        }
        if (primary.Definition.DeadLetterTargetArn != other.Definition.DeadLetterTargetArn)
        {
            // The rule is AWS's (developer guide, "Alias routing configuration"); the wording is unverified.
            return LambdaError.InvalidParameterValue("Specified versions must be associated with the same dead-letter queue configuration");
        }
        return null;
    }

    private static ImmutableDictionary<string, double> ToWeights(RoutingConfigDocument? routing) =>
        routing?.AdditionalVersionWeights is { Count: > 0 } weights
            ? weights.ToImmutableDictionary(StringComparer.Ordinal)
            : ImmutableDictionary.Create<string, double>(StringComparer.Ordinal);

    private static void AddNameErrors(ValidationMessages messages, string name)
    {
        if (name.Length > NameMaxLength)
        {
            messages.Add(name, "name", $"Member must have length less than or equal to {NameMaxLength}");
        }
        else if (name.Length == 0)
        {
            messages.Add(name, "name", "Member must have length greater than or equal to 1");
        }
        else if (!IsValidName(name))
        {
            messages.Add(name, "name", "Member must satisfy regular expression pattern: " + NamePattern);
        }
    }

    private static bool IsDigits(string value) => value.Length > 0 && value.All(char.IsAsciiDigit);
}
