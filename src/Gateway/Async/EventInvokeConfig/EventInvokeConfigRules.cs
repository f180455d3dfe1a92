using System.Globalization;

namespace Gateway.Async.EventInvokeConfig;

/// <summary>Which of AWS's exceptions a refused configuration maps to.</summary>
internal enum ConfigErrorKind
{
    /// <summary>400 ValidationException: a member outside its model constraints (range, length).</summary>
    Validation,

    /// <summary>400 InvalidParameterValueException: a value the service refuses (destinations, nothing set).</summary>
    InvalidParameterValue,

    /// <summary>404 ResourceNotFoundException.</summary>
    ResourceNotFound,
}

internal readonly record struct ConfigError(ConfigErrorKind Kind, string Message);

/// <summary>
/// AWS's checks on a FunctionEventInvokeConfig, with AWS's messages: the model's ranges
/// (MaximumRetryAttempts 0–2, MaximumEventAgeInSeconds 60–21600, destinations ≤ 350 characters) as one
/// "N validation error(s) detected" ValidationException, then the service's destination rules.
/// </summary>
internal static partial class EventInvokeConfigRules
{
    public const int MinRetryAttempts = 0;
    public const int MaxRetryAttempts = 2;
    public const int MinEventAgeSeconds = 60;
    public const int MaxEventAgeSeconds = 21600;
    public const int MaxDestinationLength = 350;

    public const string NothingSpecified = "You must specify at least one of error handling or destination setting.";
    public const string SelfDestination = "You can't specify the function as a destination for itself.";

    /// <summary>The model constraints, all reported at once as AWS does; null when they hold.</summary>
    public static ConfigError? ValidateLimits(EventInvokeConfigDocument document)
    {
        List<string>? errors = null;
        void Range(int? value, string member, int min, int max)
        {
            if (value is int v && (v < min || v > max))
            {
                (errors ??= []).Add(v < min
                    ? $"Value '{v.ToString(CultureInfo.InvariantCulture)}' at '{member}' failed to satisfy constraint: Member must have value greater than or equal to {min.ToString(CultureInfo.InvariantCulture)}"
                    : $"Value '{v.ToString(CultureInfo.InvariantCulture)}' at '{member}' failed to satisfy constraint: Member must have value less than or equal to {max.ToString(CultureInfo.InvariantCulture)}");
            }
        }
        void Length(string? value, string member)
        {
            if (value is { Length: > MaxDestinationLength })
            {
                (errors ??= []).Add($"Value '{value}' at '{member}' failed to satisfy constraint: Member must have length less than or equal to {MaxDestinationLength}");
            }
            else if (value is not null && !MatchesDestinationPattern(value))
            {
                (errors ??= []).Add($"Value '{value}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: {DestinationPattern}");
            }
        }

        Range(document.MaximumRetryAttempts, "maximumRetryAttempts", MinRetryAttempts, MaxRetryAttempts);
        Range(document.MaximumEventAgeInSeconds, "maximumEventAgeInSeconds", MinEventAgeSeconds, MaxEventAgeSeconds);
        Length(document.DestinationConfig?.OnSuccess?.Destination, "destinationConfig.onSuccess.destination");
        Length(document.DestinationConfig?.OnFailure?.Destination, "destinationConfig.onFailure.destination");
        if (errors is null)
        {
            return null;
        }
        var count = errors.Count == 1 ? "1 validation error detected: " : $"{errors.Count} validation errors detected: ";
        return new ConfigError(ConfigErrorKind.Validation, count + string.Join("; ", errors));
    }

    /// <summary>The model's pattern for a destination (AWS's ValidationException quotes it; LS-REC put_destination_invalid_arn_pattern).</summary>
    public const string DestinationPattern = @"$|kafka://([^.]([a-zA-Z0-9\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)";

    /// <summary>AWS's pattern, whole string (Java's matches()); the gateway's own file:// and http(s):// destinations
    /// are outside it and checked by <see cref="DestinationAddress"/> instead.</summary>
    private static bool MatchesDestinationPattern(string value) =>
        value.StartsWith("file://", StringComparison.Ordinal)
        || value.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
        || DestinationRegex().IsMatch(value);

    [System.Text.RegularExpressions.GeneratedRegex(@"\A(?:" + DestinationPattern + @")\z")]
    private static partial System.Text.RegularExpressions.Regex DestinationRegex();

    /// <summary>Put and Update need at least one setting (AWS's InvalidParameterValueException otherwise).</summary>
    public static ConfigError? ValidateNotEmpty(EventInvokeConfigDocument document)
        => document.MaximumRetryAttempts is null && document.MaximumEventAgeInSeconds is null && document.DestinationConfig is null
            ? new ConfigError(ConfigErrorKind.InvalidParameterValue, NothingSpecified)
            : null;

    /// <summary>
    /// The destinations of <paramref name="functionName"/>'s config (null or empty: none). Accepts the forms of
    /// <see cref="DestinationAddress"/>; a function destination must be another function of this gateway; an S3
    /// bucket only receives failures, as on AWS.
    /// </summary>
    public static ConfigError? ValidateDestinations(string functionName, string? onSuccess, string? onFailure, string region, string accountId, Func<string, bool> functionExists)
    {
        onSuccess = FunctionEventInvokeConfig.Normalize(onSuccess);
        onFailure = FunctionEventInvokeConfig.Normalize(onFailure);
        foreach (var (destination, isSuccess) in new[] { (onSuccess, true), (onFailure, false) })
        {
            if (destination is null)
            {
                continue;
            }
            if (!DestinationAddress.TryParse(destination, region, accountId, out var address, out var reason))
            {
                // A service AWS does not send records to gets AWS's sentence as it is (LS-REC
                // put_destination_invalid_service_arn); the gateway's own refusals say why and what it accepts.
                return DestinationAddress.IsOutsideAwsServices(destination) ? new ConfigError(ConfigErrorKind.InvalidParameterValue, InvalidConfig())
                    : Invalid(reason!);
            }
            if (address!.Kind == DestinationKind.Function)
            {
                if (address.FunctionName == functionName)
                {
                    return new ConfigError(ConfigErrorKind.InvalidParameterValue, SelfDestination);
                }
                if (!functionExists(address.FunctionName!))
                {
                    return new ConfigError(ConfigErrorKind.InvalidParameterValue, $"The destination ARN {destination} is invalid.");
                }
            }
            if (isSuccess && address.Service == "s3")
            {
                return Invalid("S3 buckets are supported only for on-failure destinations.");
            }
        }
        return null;

        string InvalidConfig() =>
            $"The provided destination config DestinationConfig(onSuccess={Describe("OnSuccess", onSuccess)}, onFailure={Describe("OnFailure", onFailure)}) is invalid.";
        ConfigError Invalid(string reason) => new(ConfigErrorKind.InvalidParameterValue,
            InvalidConfig() + " " + reason + " Accepted destinations: " + DestinationAddress.AcceptedForms + ".");
    }

    /// <summary>A DeadLetterConfig target: an SQS queue or SNS topic ARN (CreateFunction's rule), kept locally.</summary>
    public static string? ValidateDeadLetterTarget(string targetArn, string region, string accountId)
    {
        if (!DestinationAddress.TryParse(targetArn, region, accountId, out var address, out var reason))
        {
            return reason;
        }
        return address!.Service is "sqs" or "sns" ? null : $"'{targetArn}' is not an SQS queue or SNS topic ARN (a dead-letter queue must be one of these).";
    }

    private static string Describe(string member, string? destination) => destination is null ? "null" : $"{member}(destination={destination})";
}
