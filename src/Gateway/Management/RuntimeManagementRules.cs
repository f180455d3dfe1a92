using System.Text.RegularExpressions;
using Gateway.Functions;
using Gateway.Functions.Registry;
using Gateway.Invoke;

namespace Gateway.Management;

/// <summary>
/// PutRuntimeManagementConfig's rules over a <see cref="RegistrySnapshot"/>: a mode per version (<c>$LATEST</c> or a
/// published number; an alias names its version), with the runtime version a Manual mode pins. The model's checks
/// (UpdateRuntimeOn required and one of its enum; RuntimeVersionArn's length and pattern) come first, as one
/// ValidationException in AWS's wording; then the service's pairing of the two members. The gateway has one build of
/// each runtime (the runtime catalog's), so there is nothing to pin or roll forward: the mode and ARN are only kept
/// and answered by GetRuntimeManagementConfig, and the function runs the same in every mode.
/// </summary>
internal static partial class RuntimeManagementRules
{
    public const string Auto = VersionRecord.DefaultUpdateRuntimeOn;

    public const string FunctionUpdate = "FunctionUpdate";

    public const string Manual = "Manual";

    /// <summary>botocore's RuntimeVersionArn pattern (service-2.json), as a ValidationException quotes it.</summary>
    public const string RuntimeVersionArnPattern = @"arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}::runtime:.+";

    /// <summary>Not in LocalStack's AWS recordings; the wording is this gateway's, the exception type the model's.</summary>
    public const string ManualNeedsArn = "RuntimeVersionArn is required when UpdateRuntimeOn is Manual.";

    /// <summary>Not in LocalStack's AWS recordings; the wording is this gateway's, the exception type the model's.</summary>
    public const string ArnOnlyWithManual = "RuntimeVersionArn can be given only when UpdateRuntimeOn is Manual.";

    [GeneratedRegex("^(?:" + RuntimeVersionArnPattern + ")$", RegexOptions.CultureInvariant)]
    private static partial Regex RuntimeVersionArn();

    /// <summary>The body checked as AWS checks it: the model's constraints (all of them in one ValidationException),
    /// then the mode and the ARN together.</summary>
    public static LambdaError? Validate(string? updateRuntimeOn, string? runtimeVersionArn)
    {
        var errors = new ValidationMessages();
        if (updateRuntimeOn is null)
        {
            errors.AddNull("updateRuntimeOn");
        }
        else if (updateRuntimeOn is not (Auto or Manual or FunctionUpdate))
        {
            errors.Add(updateRuntimeOn, "updateRuntimeOn", "Member must satisfy enum value set: [Auto, Manual, FunctionUpdate]");
        }
        if (runtimeVersionArn is not null)
        {
            if (runtimeVersionArn.Length < 26)
            {
                errors.Add(runtimeVersionArn, "runtimeVersionArn", "Member must have length greater than or equal to 26");
            }
            else if (runtimeVersionArn.Length > 2048)
            {
                errors.Add(runtimeVersionArn, "runtimeVersionArn", "Member must have length less than or equal to 2048");
            }
            if (!RuntimeVersionArn().IsMatch(runtimeVersionArn))
            {
                errors.Add(runtimeVersionArn, "runtimeVersionArn", "Member must satisfy regular expression pattern: " + RuntimeVersionArnPattern);
            }
        }
        if (errors.ToError() is { } invalid)
        {
            return invalid;
        }
        return (updateRuntimeOn, runtimeVersionArn) switch
        {
            (Manual, null) => LambdaError.InvalidParameterValue(ManualNeedsArn),
            (not Manual, not null) => LambdaError.InvalidParameterValue(ArnOnlyWithManual),
            _ => null,
        };
    }

    /// <summary>Stores a validated mode (and, for Manual, its ARN) on <paramref name="version"/> (<c>$LATEST</c> or a
    /// published number) of a function that must still exist; the version as stored.</summary>
    public static (RegistrySnapshot Next, Outcome<VersionRecord> Result) Put(RegistrySnapshot snapshot, string functionName, string functionArn, string version, string updateRuntimeOn, string? runtimeVersionArn)
    {
        if (!snapshot.TryGet(functionName, out var function) || function.FindVersion(version) is not { } current)
        {
            return (snapshot, LambdaError.ResourceNotFound($"Function not found: {functionArn}:{version}"));
        }
        if (current.UpdateRuntimeOn == updateRuntimeOn && current.RuntimeVersionArn == runtimeVersionArn)
        {
            return (snapshot, Outcome<VersionRecord>.Ok(current)); // nothing to persist
        }
        var updated = current with { UpdateRuntimeOn = updateRuntimeOn, RuntimeVersionArn = runtimeVersionArn };
        var next = FunctionVersions.IsLatest(version)
            ? function with { Latest = updated, Origin = FunctionOrigin.Api }
            : function with { Versions = function.Versions.SetItem(version, updated), Origin = FunctionOrigin.Api };
        return (snapshot.With(next), Outcome<VersionRecord>.Ok(updated));
    }
}
