using System.Globalization;
using System.Text.RegularExpressions;
using Gateway.Async.EventInvokeConfig;
using Gateway.Functions;
using Gateway.Invoke;

namespace Gateway.Management;

/// <summary>
/// AWS's checks on the members of CreateFunction and UpdateFunctionConfiguration/Code, with AWS's exceptions and
/// messages. Model constraints (botocore service-2.json: lengths, ranges, patterns, enums) are ValidationExceptions,
/// reported together as "N validation errors detected: …; …"; service rules are InvalidParameterValueExceptions.
/// Messages come from LocalStack's recordings of real AWS (tests/aws/services/lambda_/test_lambda_api.snapshot.json,
/// "LS-REC") unless a comment says otherwise.
/// </summary>
internal static partial class FunctionRules
{
    /// <summary>The runtimes AWS accepts for new functions, in the order AWS lists them in its refusal (LS-REC
    /// test_create_lambda_exceptions, recorded 2026-01-12).</summary>
    public const string AwsRuntimeEnum = "[nodejs20.x, python3.14, provided.al2023, python3.12, python3.13, nodejs24.x, nodejs22.x, java25, python3.10, python3.11, java21, ruby3.3, ruby3.4, ruby3.2, python3.8, python3.9, java17, nodejs16.x, dotnet10, dotnet8, java11, dotnet6, nodejs18.x, provided.al2, java8.al2]";

    private static readonly HashSet<string> AwsRuntimes = [.. AwsRuntimeEnum.Trim('[', ']').Split(", ")];

    /// <summary>In botocore's Runtime enum but retired for creates and updates (AWS's "no longer supported" answer).</summary>
    private static readonly HashSet<string> DeprecatedRuntimes =
    [
        "nodejs", "nodejs4.3", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x", "java8", "python2.7",
        "python3.6", "python3.7", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "nodejs4.3-edge",
        "go1.x", "ruby2.5", "ruby2.7", "provided",
    ];

    public const string RolePattern = @"arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+";

    /// <summary>botocore's <c>FunctionName</c> shape (CreateFunction's): no dots, unlike the other operations'.</summary>
    public const string CreateNamePattern = @"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?";

    public const int MaxNameLength = 64;
    public const int MaxCreateNameLength = 140;
    public const int MinTimeout = 1;
    public const int MaxTimeout = 900;
    public const int MinMemory = 128;
    public const int MaxMemory = 10240;
    public const int MinEphemeralStorage = 512;
    public const int MaxEphemeralStorage = 10240;
    public const int MaxDescriptionLength = 256;
    public const int MaxHandlerLength = 128;
    public const int MaxTags = 50;

    public const string TagLimit = "Number of tags exceeds resource tag limit.";

    [GeneratedRegex(@"\A(?:" + RolePattern + @")\z", RegexOptions.CultureInvariant)]
    private static partial Regex RoleRegex();

    [GeneratedRegex(@"\A(?:" + CreateNamePattern + @")\z", RegexOptions.CultureInvariant)]
    private static partial Regex CreateNameRegex();

    [GeneratedRegex(@"\A[^\s]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex HandlerRegex();

    /// <summary>ListFunctions' MasterRegion, botocore's pattern <c>ALL|[a-z]{2}(-gov)?-[a-z]+-\d{1}</c> (whole value).</summary>
    [GeneratedRegex(@"\A(?:ALL|[a-z]{2}(-gov)?-[a-z]+-\d{1})\z", RegexOptions.CultureInvariant)]
    public static partial Regex MasterRegionRegex();

    /// <summary>
    /// CreateFunction's FunctionName: over 140 characters or off the pattern is a ValidationException (both at once
    /// when both fail); a name part over 64 characters is an InvalidParameterValueException (LS-REC
    /// test_function_name_and_qualifier_validation[*-create_function], test_function_arns). Returns the reference.
    /// </summary>
    public static LambdaError? ValidateCreateName(string? value, out FunctionReference reference)
    {
        reference = default;
        if (value is null)
        {
            return LambdaError.Validation("1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null");
        }
        var errors = new ValidationErrors();
        if (value.Length > MaxCreateNameLength)
        {
            errors.Add($"Value '{value}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to {MaxCreateNameLength}");
        }
        if (value.Length == 0 || !CreateNameRegex().IsMatch(value))
        {
            errors.Add($"Value '{value}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: {CreateNamePattern}");
        }
        if (errors.ToError() is { } invalid)
        {
            return invalid;
        }
        if (!FunctionReferenceParser.TryParse(value, out reference, out var parseError))
        {
            return LambdaError.Validation(parseError!);
        }
        if (reference.Name.Length > MaxNameLength)
        {
            return LambdaError.InvalidParameterValue($"1 validation error detected: Value '{reference.Name}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to {MaxNameLength}");
        }
        return null;
    }

    /// <summary>Role: required by the model; AWS's pattern message otherwise (LS-REC invalid_role_arn_exc).</summary>
    public static void CheckRole(string? role, ValidationErrors errors)
    {
        if (role is null)
        {
            errors.Add("Value null at 'role' failed to satisfy constraint: Member must not be null");
        }
        else if (!RoleRegex().IsMatch(role))
        {
            errors.Add($"Value '{role}' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: {RolePattern}");
        }
    }

    public static void CheckTimeout(int? timeout, ValidationErrors errors) => Range(timeout, "timeout", MinTimeout, MaxTimeout, errors);

    public static void CheckMemorySize(int? memory, ValidationErrors errors) => Range(memory, "memorySize", MinMemory, MaxMemory, errors);

    public static void CheckEphemeralStorage(EphemeralStorage? storage, ValidationErrors errors) =>
        Range(storage?.Size, "ephemeralStorage.size", MinEphemeralStorage, MaxEphemeralStorage, errors);

    /// <summary>botocore's KMSKeyArn shape: at most 10000 characters, this pattern (which allows ""). The member's name in
    /// the message follows AWS's first-letter-lowercased rule (not recorded for this member: INFERRED).</summary>
    public const string KmsKeyArnPattern = "(arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()";

    [GeneratedRegex(@"\A(?:" + KmsKeyArnPattern + @")\z", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex KmsKeyArnRegex();

    public static void CheckKmsKeyArn(string? arn, ValidationErrors errors)
    {
        if (arn is null)
        {
            return;
        }
        if (arn.Length > 10000)
        {
            errors.Add($"Value '{arn}' at 'kMSKeyArn' failed to satisfy constraint: Member must have length less than or equal to 10000");
        }
        if (!KmsKeyArnRegex().IsMatch(arn))
        {
            errors.Add($"Value '{arn}' at 'kMSKeyArn' failed to satisfy constraint: Member must satisfy regular expression pattern: {KmsKeyArnPattern}");
        }
    }

    public static void CheckDescription(string? description, ValidationErrors errors)
    {
        if (description is { Length: > MaxDescriptionLength })
        {
            errors.Add($"Value '{description}' at 'description' failed to satisfy constraint: Member must have length less than or equal to {MaxDescriptionLength}");
        }
    }

    public static void CheckHandler(string? handler, ValidationErrors errors)
    {
        if (handler is null)
        {
            return;
        }
        if (handler.Length > MaxHandlerLength)
        {
            errors.Add($"Value '{handler}' at 'handler' failed to satisfy constraint: Member must have length less than or equal to {MaxHandlerLength}");
        }
        if (!HandlerRegex().IsMatch(handler)) // "" too: the model's [^\s]+ needs a character (an SDK that skips its own checks sends it)
        {
            errors.Add($"Value '{handler}' at 'handler' failed to satisfy constraint: Member must satisfy regular expression pattern: [^\\s]+");
        }
    }

    public static void CheckTracing(TracingConfig? tracing, ValidationErrors errors)
    {
        if (tracing?.Mode is { } mode && mode is not ("Active" or "PassThrough"))
        {
            errors.Add($"Value '{mode}' at 'tracingConfig.mode' failed to satisfy constraint: Member must satisfy enum value set: [Active, PassThrough]");
        }
    }

    public static void CheckLogging(LoggingConfig? logging, ValidationErrors errors) => LoggingRules.Check(logging, errors);

    /// <summary>Architectures: exactly one of AWS's enum (AWS's ValidationExceptions, LS-REC multiple_architectures,
    /// uppercase_architecture); then arm64 is refused here: the gateway runs bootstraps natively on its x86_64 host.</summary>
    public static LambdaError? ValidateArchitectures(List<string>? architectures, ValidationErrors errors)
    {
        if (architectures is null)
        {
            return null;
        }
        var listed = "[" + string.Join(", ", architectures) + "]";
        if (architectures.Count == 0)
        {
            errors.Add($"Value '{listed}' at 'architectures' failed to satisfy constraint: Member must have length greater than or equal to 1");
            return null;
        }
        if (architectures.Count > 1)
        {
            errors.Add($"Value '{listed}' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1");
            return null;
        }
        if (architectures[0] is not ("x86_64" or "arm64"))
        {
            errors.Add($"Value '{listed}' at 'architectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]");
            return null;
        }
        return architectures[0] == "arm64"
            ? LambdaError.InvalidParameterValue("Architecture arm64 is not available on this gateway: it runs functions natively on its x86_64 host. Use Architectures [\"x86_64\"] (the default).")
            : null;
    }

    /// <summary>
    /// Runtime, a service rule on AWS: an InvalidParameterValueException even for a value outside the enum (LS-REC
    /// invalid_runtime_exc and uppercase_runtime_exc, recorded against AWS 2026-01-12; not the ValidationException
    /// "1 validation error detected: …" of the model constraints). Outside AWS's list → AWS's enum message; retired →
    /// AWS's "no longer supported" message; a current AWS runtime this gateway does not run (Java, .NET, Ruby,
    /// nodejs24.x, python3.14, …) or cannot run on this machine (no node/python3) → the same wording, saying why.
    /// </summary>
    public static LambdaError? ValidateRuntime(string runtime, Runtimes.RuntimeCatalog runtimes)
    {
        if (Runtimes.RuntimeCatalog.IsKnown(runtime))
        {
            if (runtimes.Unavailable(runtime) is { } reason)
            {
                return LambdaError.InvalidParameterValue($"The runtime parameter of {runtime} is not available on this gateway: {reason}.");
            }
            runtimes.Announce(runtime); // the first function of a family says which interpreter runs it
            return null;
        }
        if (DeprecatedRuntimes.Contains(runtime))
        {
            return LambdaError.InvalidParameterValue($"The runtime parameter of {runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.");
        }
        if (!AwsRuntimes.Contains(runtime))
        {
            return LambdaError.InvalidParameterValue($"Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: {AwsRuntimeEnum} or be a valid ARN");
        }
        return LambdaError.InvalidParameterValue($"The runtime parameter of {runtime} is not supported for creating or updating functions on this gateway. It runs provided.al2023 and provided.al2 (a bootstrap executable in the zip), nodejs18.x, nodejs20.x and nodejs22.x, and python3.9 to python3.13; for Java, .NET or Ruby use provided.al2023 with a bootstrap (or the gateway's C# runtime client).");
    }

    /// <summary>Environment.Variables: the key pattern (a ValidationException, as on AWS), reserved keys and the 4 KB limit
    /// (InvalidParameterValueException; <see cref="EnvironmentVariableRules"/>).</summary>
    public static LambdaError? ValidateEnvironment(EnvironmentRequest? environment) =>
        environment?.Variables is { } variables && EnvironmentVariableRules.Validate(variables) is { } message
            ? EnvironmentVariableRules.ErrorCodeOf(message) == "ValidationException" ? LambdaError.Validation(message) : LambdaError.InvalidParameterValue(message)
            : null;

    /// <summary>DeadLetterConfig.TargetArn against the model's ResourceArn pattern (what is not an ARN at all, a bare
    /// queue name say), collected with the other model constraints into one ValidationException, as AWS reports them.</summary>
    public static void CheckDeadLetterPattern(DeadLetterConfig? deadLetter, ValidationErrors errors)
    {
        if (deadLetter?.TargetArn is { Length: > 0 } target && !ResourceArnPattern().IsMatch(target))
        {
            errors.Add($"Value '{target}' at 'deadLetterConfig.targetArn' failed to satisfy constraint: Member must satisfy regular expression pattern: {ResourceArnText}");
        }
    }

    /// <summary>DeadLetterConfig.TargetArn: an SQS queue or SNS topic ARN; empty removes it (UpdateFunctionConfiguration).
    /// The pattern is <see cref="CheckDeadLetterPattern"/>'s, checked before.</summary>
    public static LambdaError? ValidateDeadLetter(DeadLetterConfig? deadLetter, string region, string accountId) =>
        deadLetter?.TargetArn is { Length: > 0 } target && ResourceArnPattern().IsMatch(target)
            && EventInvokeConfigRules.ValidateDeadLetterTarget(target, region, accountId) is { } reason
            ? LambdaError.InvalidParameterValue(reason)
            : null;

    /// <summary>botocore's <c>ResourceArn</c> shape.</summary>
    private const string ResourceArnText = "(arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()";

    [System.Text.RegularExpressions.GeneratedRegex("^(?:(arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|())$")]
    private static partial System.Text.RegularExpressions.Regex ResourceArnPattern();

    /// <summary>At most 50 tags per function (AWS's message, LS-REC test_tag_limits).</summary>
    public static LambdaError? ValidateTagCount(int count) => count > MaxTags ? LambdaError.InvalidParameterValue(TagLimit) : null;

    /// <summary>
    /// Code: only an inline zip. S3 locations and container images are refused with a clear message (this gateway has
    /// no S3 or registry to fetch from).
    /// </summary>
    public static LambdaError? ValidateCodeSource(string? zipFile, string? s3Bucket, string? s3Key, string? imageUri, string? packageType)
    {
        if (packageType is "Image" || imageUri is not null)
        {
            return LambdaError.InvalidParameterValue("This gateway accepts Code.ZipFile only: container images (PackageType Image, ImageUri) are not supported. Use PackageType Zip with an inline zip (--zip-file fileb://function.zip).");
        }
        if (packageType is { } type && type != "Zip")
        {
            return LambdaError.Validation($"1 validation error detected: Value '{type}' at 'packageType' failed to satisfy constraint: Member must satisfy enum value set: [Zip, Image]");
        }
        if (s3Bucket is not null || s3Key is not null)
        {
            return LambdaError.InvalidParameterValue("This gateway accepts Code.ZipFile only: S3Bucket/S3Key deployment packages are not supported. Send the zip inline (--zip-file fileb://function.zip).");
        }
        if (zipFile is null)
        {
            // AWS's wording for a CreateFunction without code is not recorded; this names the one accepted source.
            return LambdaError.InvalidParameterValue("Please provide a source for function code: this gateway accepts Code.ZipFile (--zip-file fileb://function.zip).");
        }
        return null;
    }

    private static void Range(int? value, string member, int min, int max, ValidationErrors errors)
    {
        if (value is not int v)
        {
            return;
        }
        if (v < min)
        {
            errors.Add($"Value '{v.ToString(CultureInfo.InvariantCulture)}' at '{member}' failed to satisfy constraint: Member must have value greater than or equal to {min.ToString(CultureInfo.InvariantCulture)}");
        }
        else if (v > max)
        {
            errors.Add($"Value '{v.ToString(CultureInfo.InvariantCulture)}' at '{member}' failed to satisfy constraint: Member must have value less than or equal to {max.ToString(CultureInfo.InvariantCulture)}");
        }
    }
}

/// <summary>Model-constraint failures collected across members, reported as one ValidationException the way AWS
/// reports them: "1 validation error detected: X" or "N validation errors detected: X; Y".</summary>
internal sealed class ValidationErrors
{
    private List<string>? _errors;

    public void Add(string error) => (_errors ??= []).Add(error);

    public LambdaError? ToError() => _errors switch
    {
        null => null,
        [var one] => LambdaError.Validation("1 validation error detected: " + one),
        var many => LambdaError.Validation($"{many.Count.ToString(CultureInfo.InvariantCulture)} validation errors detected: " + string.Join("; ", many)),
    };
}
