using System.Globalization;
using Gateway.Functions.Registry;
using Gateway.Invoke;

namespace Gateway.Management;

/// <summary>
/// SnapStart's API side: ApplyOn is checked, stored per version and answered; nothing is snapshotted (invocations run
/// as without it). Messages and shapes from LocalStack's recordings of AWS (test_lambda_api.snapshot.json,
/// TestLambdaSnapStart, recorded 2025-11 and 2026-01) unless a comment says otherwise.
/// </summary>
internal static class SnapStartRules
{
    public const string PublishedVersions = "PublishedVersions";
    public const string None = "None";

    /// <summary>The model's enum (botocore SnapStartApplyOn) in the order AWS lists it (LS-REC
    /// test_snapstart_exceptions: create_function_invalid_snapstart_apply).</summary>
    public static void Check(SnapStartRequest? snapStart, ValidationErrors errors)
    {
        if (snapStart?.ApplyOn is { } applyOn && applyOn is not (PublishedVersions or None))
        {
            errors.Add($"Value '{applyOn}' at 'snapStart.applyOn' failed to satisfy constraint: Member must satisfy enum value set: [PublishedVersions, None]");
        }
    }

    /// <summary>
    /// AWS's refusal of SnapStart on a runtime it does not snapshot: "{runtime} is not supported for SnapStart enabled
    /// functions." (InvalidParameterValueException). Not in a recording: the text is AWS's as users met it
    /// (aws-samples/bedrock-chat#617) and as LocalStack answers it; the runtimes are the docs' "Java 11 and later,
    /// Python 3.12 and later, .NET 8 and later" (snapstart.html, Supported features and limitations). Only ApplyOn
    /// PublishedVersions is refused: None turns SnapStart off, which every runtime has.
    /// </summary>
    public static LambdaError? RuntimeError(string applyOn, string runtime) =>
        applyOn == PublishedVersions && !Supports(runtime)
            ? LambdaError.InvalidParameterValue($"{runtime} is not supported for SnapStart enabled functions.")
            : null;

    /// <summary>java11+, python3.12+ and dotnet8+ (not java8.al2, dotnet6, nodejs*, ruby*, provided.*).</summary>
    public static bool Supports(string runtime) =>
        AtLeast(runtime, "java", 11) || AtLeast(runtime, "python3.", 12) || AtLeast(runtime, "dotnet", 8);

    private static bool AtLeast(string runtime, string family, int minimum) =>
        runtime.StartsWith(family, StringComparison.Ordinal)
        && int.TryParse(runtime.AsSpan(family.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int number)
        && number >= minimum;

    /// <summary>
    /// The SnapStart member of a configuration. $LATEST is never snapshotted, so it is "Off" there whatever ApplyOn says
    /// (LS-REC test_snapstart_update_function_configuration: PublishedVersions, Off). A published version of a
    /// PublishedVersions function answers "On": AWS's documentation of OptimizationStatus ("When you provide a
    /// qualified ARN, this response element indicates whether SnapStart is activated for the specified function
    /// version"); no recording shows such a version (TestLambdaSnapStart publishes only with ApplyOn None).
    /// </summary>
    public static SnapStartResponse Response(VersionRecord version) => new()
    {
        ApplyOn = version.SnapStartApplyOn,
        OptimizationStatus = version.SnapStartApplyOn == PublishedVersions && !Functions.FunctionVersions.IsLatest(version.Version) ? "On" : "Off",
    };
}
