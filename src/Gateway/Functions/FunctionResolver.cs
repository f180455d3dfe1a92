using Gateway.Functions.Registry;
using Gateway.Invoke;

namespace Gateway.Functions;

/// <summary>
/// The one place that turns a FunctionName as AWS accepts it (name, partial ARN, full ARN, with or without
/// <c>:qualifier</c>) and an optional <c>?Qualifier=</c> into a function, a version and an alias — or into the refusal
/// AWS gives. Every endpoint (invoke, management, event-invoke-config) goes through it; nothing else knows the
/// <c>$LATEST</c>/version/alias rules (<see cref="FunctionVersions"/>).
/// </summary>
internal sealed class FunctionResolver(Registry.FunctionRegistry registry, string region, string accountId, IRoutingRandom random)
{
    public string Region { get; } = region;

    public string AccountId { get; } = accountId;

    public Registry.FunctionRegistry Registry { get; } = registry;

    /// <summary>The unqualified ARN of a function name (for messages about functions that do not exist).</summary>
    public string ArnOf(string name) => $"arn:aws:lambda:{Region}:{AccountId}:function:{name}";

    /// <summary>
    /// Parses and validates the name and the query's qualifier (null when the query has none): AWS's
    /// ValidationException for a malformed name or qualifier, InvalidParameterValueException when the name's
    /// qualifier and the query's differ, and the region/account checks of an ARN.
    /// </summary>
    public bool TryParse(string rawName, string? queryQualifier, out FunctionReference reference, out LambdaError? error)
    {
        error = null;
        if (!FunctionReferenceParser.TryParse(rawName, out reference, out var nameError))
        {
            // A bad qualifier as well: AWS lists both ("2 validation errors detected: …; …", recorded 2025-11-25 for
            // Invoke and GetFunction; the order of the two is not recorded — the model's member order is used).
            const string One = "1 validation error detected: ";
            error = queryQualifier is not null && nameError!.StartsWith(One, StringComparison.Ordinal) && FunctionReferenceParser.ValidateQualifier(queryQualifier) is { } alsoQualifier
                ? LambdaError.Validation("2 validation errors detected: " + nameError![One.Length..] + "; " + alsoQualifier[One.Length..])
                : LambdaError.Validation(nameError!);
            return false;
        }
        if (queryQualifier is not null)
        {
            if (FunctionReferenceParser.ValidateQualifier(queryQualifier) is { } qualifierError)
            {
                error = LambdaError.Validation(qualifierError);
                return false;
            }
            if (reference.Qualifier is not null && reference.Qualifier != queryQualifier)
            {
                error = LambdaError.InvalidParameterValue("The derived qualifier from the function name does not match the specified qualifier.");
                return false;
            }
            reference = reference with { Qualifier = queryQualifier };
        }
        if (reference.Region is { } otherRegion && otherRegion != Region)
        {
            error = LambdaError.ResourceNotFound($"Functions from '{otherRegion}' are not reachable in this region ('{Region}')");
            return false;
        }
        if (reference.AccountId is { } account && account != AccountId)
        {
            error = LambdaError.AccessDenied($"The function's account {account} is not this gateway's account ({AccountId}).");
            return false;
        }
        return true;
    }

    /// <summary>The function a reference names, ignoring its qualifier; AWS's "Function not found: {arn}" otherwise.</summary>
    public bool TryFindFunction(RegistrySnapshot snapshot, in FunctionReference reference, out FunctionRecord function, out LambdaError? error)
    {
        if (snapshot.TryGet(reference.Name, out function))
        {
            error = null;
            return true;
        }
        error = LambdaError.ResourceNotFound("Function not found: " + ArnOf(reference.Name));
        return false;
    }

    /// <summary>
    /// For an invocation: the version to run. An unqualified name and <c>$LATEST</c> run $LATEST; a number runs that
    /// version; an alias runs its version, or with RoutingConfig the additional version with its weight's
    /// probability. Not found: AWS's invoke message, <c>Function not found: {arn}:{qualifier or $LATEST}</c>.
    /// </summary>
    public bool TryResolveForInvoke(in FunctionReference reference, out ResolvedTarget target, out LambdaError? error)
    {
        var snapshot = Registry.Current;
        if (!snapshot.TryGet(reference.Name, out var function))
        {
            target = default;
            error = LambdaError.ResourceNotFound($"Function not found: {ArnOf(reference.Name)}:{reference.Qualifier ?? FunctionVersions.Latest}");
            return false;
        }
        return TryResolveQualifier(function, reference.Qualifier, pickWeighted: true, out target, out error);
    }

    /// <summary>
    /// A qualifier of an existing function: null (unqualified: $LATEST), <c>$LATEST</c>, a version number or an alias.
    /// With <paramref name="pickWeighted"/> a weighted alias draws its version; without it the alias's primary version.
    /// </summary>
    public bool TryResolveQualifier(FunctionRecord function, string? qualifier, bool pickWeighted, out ResolvedTarget target, out LambdaError? error)
    {
        error = null;
        if (qualifier is null)
        {
            target = new ResolvedTarget(function, function.Latest, null, function.Arn);
            return true;
        }
        if (qualifier == FunctionVersions.Latest)
        {
            target = new ResolvedTarget(function, function.Latest, null, function.Latest.QualifiedArn);
            return true;
        }
        if (FunctionVersions.IsPublishedVersion(qualifier))
        {
            if (function.Versions.TryGetValue(qualifier, out var version))
            {
                target = new ResolvedTarget(function, version, null, version.QualifiedArn);
                return true;
            }
        }
        else if (function.Aliases.TryGetValue(qualifier, out var alias))
        {
            var versionName = pickWeighted ? PickVersion(alias) : alias.FunctionVersion;
            if (function.FindVersion(versionName) is { } aliased)
            {
                target = new ResolvedTarget(function, aliased, alias, alias.Arn);
                return true;
            }
        }
        target = default;
        error = LambdaError.ResourceNotFound($"Function not found: {function.Arn}:{qualifier}");
        return false;
    }

    /// <summary>The alias's version, or its additional version with that version's weight (AWS allows one).</summary>
    private string PickVersion(AliasRecord alias)
    {
        if (alias.AdditionalVersionWeights.IsEmpty)
        {
            return alias.FunctionVersion;
        }
        double draw = random.NextDouble();
        foreach (var (version, weight) in alias.AdditionalVersionWeights)
        {
            if (draw < weight)
            {
                return version;
            }
            draw -= weight;
        }
        return alias.FunctionVersion;
    }
}
