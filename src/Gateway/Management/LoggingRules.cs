using System.Text.RegularExpressions;
using Gateway.Functions;
using Gateway.Invoke;

namespace Gateway.Management;

/// <summary>
/// LoggingConfig in CreateFunction and UpdateFunctionConfiguration: botocore's enums and the log group's pattern
/// (ValidationExceptions), then the rule that levels need the JSON format (an InvalidParameterValueException), and
/// how the given members change a version's <see cref="FunctionLogging"/>.
/// </summary>
internal static partial class LoggingRules
{
    /// <summary>Log levels with the Text format. No AWS recording has it; the wording is the service's as quoted from a
    /// CloudFormation failure in aws/aws-cdk#28045 and as LocalStack raises it (provider.py).</summary>
    public const string LevelsNeedJson = "LogLevel is not supported when LogFormat is set to \"Text\". Remove LogLevel from your request or change the LogFormat to \"JSON\" and try again.";

    public static void Check(LoggingConfig? logging, ValidationErrors errors)
    {
        if (logging is null)
        {
            return;
        }
        if (logging.LogFormat is { } format && format is not ("JSON" or "Text"))
        {
            errors.Add($"Value '{format}' at 'loggingConfig.logFormat' failed to satisfy constraint: Member must satisfy enum value set: [JSON, Text]");
        }
        if (logging.ApplicationLogLevel is { } application && application is not ("TRACE" or "DEBUG" or "INFO" or "WARN" or "ERROR" or "FATAL"))
        {
            errors.Add($"Value '{application}' at 'loggingConfig.applicationLogLevel' failed to satisfy constraint: Member must satisfy enum value set: [TRACE, DEBUG, INFO, WARN, ERROR, FATAL]");
        }
        if (logging.SystemLogLevel is { } system && system is not ("DEBUG" or "INFO" or "WARN"))
        {
            errors.Add($"Value '{system}' at 'loggingConfig.systemLogLevel' failed to satisfy constraint: Member must satisfy enum value set: [DEBUG, INFO, WARN]");
        }
        if (logging.LogGroup is { } group)
        {
            if (group.Length > 512)
            {
                errors.Add($"Value '{group}' at 'loggingConfig.logGroup' failed to satisfy constraint: Member must have length less than or equal to 512");
            }
            else if (!LogGroupPattern().IsMatch(group))
            {
                errors.Add($"Value '{group}' at 'loggingConfig.logGroup' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+");
            }
        }
    }

    /// <summary>
    /// <paramref name="current"/> with the members of <paramref name="given"/> that are set (null: unchanged, as
    /// UpdateFunctionConfiguration treats every member). Levels set while the result is Text are refused.
    /// </summary>
    public static FunctionLogging Apply(FunctionLogging current, LoggingConfig? given, out LambdaError? error)
    {
        error = null;
        if (given is null)
        {
            return current;
        }
        var next = current with
        {
            LogFormat = given.LogFormat ?? current.LogFormat,
            ApplicationLogLevel = given.ApplicationLogLevel ?? current.ApplicationLogLevel,
            SystemLogLevel = given.SystemLogLevel ?? current.SystemLogLevel,
            LogGroup = given.LogGroup ?? current.LogGroup,
        };
        if (!next.IsJson)
        {
            if (given.ApplicationLogLevel is not null || given.SystemLogLevel is not null)
            {
                error = LambdaError.InvalidParameterValue(LevelsNeedJson);
                return current;
            }
            // Back to Text: levels no longer apply (AWS shows none).
            next = next with { ApplicationLogLevel = null, SystemLogLevel = null };
        }
        return next.Effective();
    }

    /// <summary>The configuration AWS answers with: the format, the levels (JSON only) and the log group.</summary>
    public static LoggingConfig ToResponse(FunctionLogging logging, string functionName)
    {
        var effective = logging.Effective();
        return new LoggingConfig
        {
            LogFormat = effective.LogFormat,
            ApplicationLogLevel = effective.ApplicationLogLevel,
            SystemLogLevel = effective.SystemLogLevel,
            LogGroup = effective.LogGroupFor(functionName),
        };
    }

    [GeneratedRegex(@"^[\.\-_/#A-Za-z0-9]+$")]
    private static partial Regex LogGroupPattern();
}
