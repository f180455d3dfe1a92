using System.Globalization;
using Gateway.Functions;
using Gateway.Functions.Registry;
using Gateway.Hosting;
using Gateway.Invoke;

namespace Gateway.Management;

/// <summary>
/// Put/Get/Delete/ListProvisionedConcurrencyConfig(s) as pure functions of a <see cref="RegistrySnapshot"/>. A config
/// belongs to a published version or an alias, never to $LATEST; a version and an alias pointing at it cannot both
/// have one; the limits are <see cref="ConcurrencyRules.CheckProvisioned"/>. Texts are AWS's, recorded in LocalStack's
/// AWS snapshots (test_lambda_api TestLambdaProvisionedConcurrency, 2025-11) unless a comment says otherwise.
/// </summary>
internal static class ProvisionedConcurrencyRules
{
    public const string InProgress = "IN_PROGRESS";
    public const string Ready = "READY";

    /// <summary>A qualifier and the versions whose environments it provisions (an alias: its version and its
    /// additional version).</summary>
    public readonly record struct Target(FunctionRecord Function, string Qualifier, AliasRecord? Alias)
    {
        public IEnumerable<string> Versions => Alias is null
            ? [Qualifier]
            : Alias.AdditionalVersionWeights.Keys.Prepend(Alias.FunctionVersion);
    }

    /// <summary>The function and qualifier a config is for, or AWS's refusal: a missing qualifier (the model requires
    /// one), <c>$LATEST</c> (Put words it differently from Get/Delete), a missing function, version or alias.</summary>
    public static Outcome<Target> Resolve(RegistrySnapshot snapshot, string functionName, string functionArn, string? qualifier, bool forPut)
    {
        if (qualifier is null)
        {
            return ValidationMessages.NullError("qualifier"); // the SDKs refuse first; wording of the service unverified
        }
        if (qualifier == FunctionVersions.Latest)
        {
            return LambdaError.InvalidParameterValue(forPut
                ? "Provisioned Concurrency Configs cannot be applied to unpublished function versions."
                : "The function resource provided must be an alias or a published version.");
        }
        snapshot.TryGet(functionName, out var function);
        if (FunctionVersions.IsPublishedVersion(qualifier))
        {
            return function is not null && function.Versions.ContainsKey(qualifier)
                ? Outcome<Target>.Ok(new Target(function, qualifier, null))
                : LambdaError.ResourceNotFound($"Function not found: {functionArn}:{qualifier}");
        }
        return function is not null && function.Aliases.TryGetValue(qualifier, out var alias)
            ? Outcome<Target>.Ok(new Target(function, qualifier, alias))
            : LambdaError.ResourceNotFound($"Cannot find alias arn: {functionArn}:{qualifier}");
    }

    public static (RegistrySnapshot Next, Outcome<Target> Result) Put(RegistrySnapshot snapshot, string functionName, string functionArn, string? qualifier, int? requested, DateTimeOffset now, ConcurrencyLimits limits)
    {
        if (requested is not int count)
        {
            return (snapshot, ValidationMessages.NullError("provisionedConcurrentExecutions"));
        }
        if (count < 1)
        {
            return (snapshot, ValidationMessages.Single(count.ToString(CultureInfo.InvariantCulture), "provisionedConcurrentExecutions", "Member must have value greater than or equal to 1"));
        }
        var resolved = Resolve(snapshot, functionName, functionArn, qualifier, forPut: true);
        if (!resolved.IsOk)
        {
            return (snapshot, resolved);
        }
        var target = resolved.Value;
        var function = target.Function;
        if (target.Alias is { } alias && (alias.FunctionVersion == FunctionVersions.Latest || alias.AdditionalVersionWeights.ContainsKey(FunctionVersions.Latest)))
        {
            // An alias of $LATEST is still $LATEST underneath (amplify-cli#4865 quotes AWS refusing it in these words).
            return (snapshot, LambdaError.InvalidParameterValue("Provisioned Concurrency Configs cannot be applied to unpublished function versions."));
        }
        if (target.Alias is { AdditionalVersionWeights.Count: > 0 })
        {
            // "You can't manage provisioned concurrency settings on the alias while the routing configuration is in
            // place" (provisioned-concurrency.html); AWS's words as a user quoted them (hashicorp/terraform#24957).
            return (snapshot, LambdaError.InvalidParameterValue("Alias with weights can not be used with Provisioned Concurrency"));
        }
        if (Conflict(function, target) is { } conflict)
        {
            return (snapshot, conflict);
        }
        if (ConcurrencyRules.CheckProvisioned(snapshot, function, target.Qualifier, count, limits) is { } refused)
        {
            return (snapshot, refused);
        }
        var record = new ProvisionedConcurrencyRecord { Requested = count, LastModified = now };
        var next = function with { ProvisionedConcurrency = function.ProvisionedConcurrency.SetItem(target.Qualifier, record) };
        return (snapshot.With(next), Outcome<Target>.Ok(target with { Function = next }));
    }

    /// <summary>DeleteProvisionedConcurrencyConfig: 204 also when the qualifier has no config (delete_provisioned_config_doesnotexist).</summary>
    public static (RegistrySnapshot Next, Outcome<bool> Result) Delete(RegistrySnapshot snapshot, string functionName, string functionArn, string? qualifier)
    {
        var resolved = Resolve(snapshot, functionName, functionArn, qualifier, forPut: false);
        if (!resolved.IsOk)
        {
            return (snapshot, resolved.Error!);
        }
        var function = resolved.Value.Function;
        if (!function.ProvisionedConcurrency.ContainsKey(resolved.Value.Qualifier))
        {
            return (snapshot, Outcome<bool>.Ok(false));
        }
        return (snapshot.With(function with { ProvisionedConcurrency = function.ProvisionedConcurrency.Remove(resolved.Value.Qualifier) }), Outcome<bool>.Ok(true));
    }

    /// <summary>GetProvisionedConcurrencyConfig: the target, or 404 ProvisionedConcurrencyConfigNotFoundException.</summary>
    public static Outcome<Target> Get(RegistrySnapshot snapshot, string functionName, string functionArn, string? qualifier)
    {
        var resolved = Resolve(snapshot, functionName, functionArn, qualifier, forPut: false);
        if (resolved.IsOk && !resolved.Value.Function.ProvisionedConcurrency.ContainsKey(resolved.Value.Qualifier))
        {
            return NotFound;
        }
        return resolved;
    }

    /// <summary>Every config of a function, in FunctionArn order (the list's paging key).</summary>
    public static Outcome<List<Target>> List(RegistrySnapshot snapshot, string functionName, string functionArn)
    {
        if (!snapshot.TryGet(functionName, out var function))
        {
            return LambdaError.ResourceNotFound("Function not found: " + functionArn);
        }
        return Outcome<List<Target>>.Ok(function.ProvisionedConcurrency.Keys
            .Select(q => new Target(function, q, function.Aliases.GetValueOrDefault(q)))
            .OrderBy(t => QualifiedArn(t), StringComparer.Ordinal)
            .ToList());
    }

    /// <summary>A config as AWS answers it. Allocated and Available are the environments of its version(s) the host has
    /// ready (at most the request); Status is IN_PROGRESS until they reach the request, then READY.</summary>
    public static ProvisionedConcurrencyConfig Describe(Target target, IProvisionedStatus status, bool withArn)
    {
        var record = target.Function.ProvisionedConcurrency[target.Qualifier];
        int ready = 0;
        foreach (var version in target.Versions)
        {
            ready += status.ReadyEnvironments(target.Function.Name, version);
        }
        int allocated = Math.Min(ready, record.Requested);
        return new ProvisionedConcurrencyConfig
        {
            FunctionArn = withArn ? QualifiedArn(target) : null,
            RequestedProvisionedConcurrentExecutions = record.Requested,
            AvailableProvisionedConcurrentExecutions = allocated,
            AllocatedProvisionedConcurrentExecutions = allocated,
            Status = allocated >= record.Requested ? Ready : InProgress,
            LastModified = record.LastModified.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'+0000'", CultureInfo.InvariantCulture),
        };
    }

    public static string QualifiedArn(Target target) => target.Function.Arn + ":" + target.Qualifier;

    /// <summary>404 with its own exception name; AWS sends "Type" and a lowercase "message" (get_provisioned_config_doesnotexist).</summary>
    public static LambdaError NotFound { get; } = new(404, "ProvisionedConcurrencyConfigNotFoundException", "No Provisioned Concurrency Config found for this function", false, "User");

    /// <summary>A version and an alias that points at it cannot both be provisioned (409s of test_lambda_provisioned_lifecycle),
    /// nor can two aliases of one version: "Each version of a function can only have one provisioned concurrency
    /// configuration … Two aliases can't allocate provisioned concurrency for the same version" (provisioned-concurrency.html;
    /// AWS's text for the second is not recorded: the first's, whose words fit, is used).</summary>
    private static LambdaError? Conflict(FunctionRecord function, Target target)
    {
        if (target.Alias is { } targetAlias)
        {
            bool versionProvisioned = target.Versions.Any(function.ProvisionedConcurrency.ContainsKey)
                || function.Aliases.Values.Any(other => other.Name != targetAlias.Name && function.ProvisionedConcurrency.ContainsKey(other.Name)
                    && (other.FunctionVersion == targetAlias.FunctionVersion || other.AdditionalVersionWeights.ContainsKey(targetAlias.FunctionVersion)));
            return versionProvisioned
                ? ConflictError("Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version")
                : null;
        }
        foreach (var alias in function.Aliases.Values)
        {
            if (function.ProvisionedConcurrency.ContainsKey(alias.Name)
                && (alias.FunctionVersion == target.Qualifier || alias.AdditionalVersionWeights.ContainsKey(target.Qualifier)))
            {
                return ConflictError("Version is pointed by a Provisioned Concurrency alias");
            }
        }
        return null;
    }

    /// <summary>ResourceConflictException as recorded: "Type":"User" and a lowercase "message".</summary>
    private static LambdaError ConflictError(string message) => new(409, "ResourceConflictException", message, false, "User");
}
