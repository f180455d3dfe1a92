using Gateway.Functions;
using Gateway.Management;

namespace Gateway.UnitTests.Management;

public sealed class LoggingRulesTests
{
    private static string? Validation(LoggingConfig config)
    {
        var errors = new ValidationErrors();
        LoggingRules.Check(config, errors);
        return errors.ToError()?.Message;
    }

    [Fact]
    public void Members_outside_botocores_enums_and_pattern_are_validation_errors()
    {
        Assert.Null(Validation(new LoggingConfig { LogFormat = "JSON", ApplicationLogLevel = "TRACE", SystemLogLevel = "WARN", LogGroup = "/my/group_1.x#y" }));
        Assert.Equal("1 validation error detected: Value 'json' at 'loggingConfig.logFormat' failed to satisfy constraint: Member must satisfy enum value set: [JSON, Text]",
            Validation(new LoggingConfig { LogFormat = "json" }));
        Assert.Equal("1 validation error detected: Value 'VERBOSE' at 'loggingConfig.applicationLogLevel' failed to satisfy constraint: Member must satisfy enum value set: [TRACE, DEBUG, INFO, WARN, ERROR, FATAL]",
            Validation(new LoggingConfig { ApplicationLogLevel = "VERBOSE" }));
        Assert.Equal("1 validation error detected: Value 'ERROR' at 'loggingConfig.systemLogLevel' failed to satisfy constraint: Member must satisfy enum value set: [DEBUG, INFO, WARN]",
            Validation(new LoggingConfig { SystemLogLevel = "ERROR" }));
        Assert.Contains("at 'loggingConfig.logGroup' failed to satisfy constraint: Member must satisfy regular expression pattern",
            Validation(new LoggingConfig { LogGroup = "bad group" }));
    }

    [Fact]
    public void JSON_gets_INFO_levels_by_default_and_Text_none()
    {
        var json = LoggingRules.Apply(FunctionLogging.Default, new LoggingConfig { LogFormat = "JSON" }, out var error);
        Assert.Null(error);
        Assert.Equal(new FunctionLogging { LogFormat = "JSON", ApplicationLogLevel = "INFO", SystemLogLevel = "INFO" }, json);

        var response = LoggingRules.ToResponse(FunctionLogging.Default, "fn");
        Assert.Equal(("Text", null, null, "/aws/lambda/fn"), (response.LogFormat, response.ApplicationLogLevel, response.SystemLogLevel, response.LogGroup));

        // Back to Text: the levels go.
        var text = LoggingRules.Apply(json with { ApplicationLogLevel = "DEBUG" }, new LoggingConfig { LogFormat = "Text" }, out error);
        Assert.Null(error);
        Assert.Equal(FunctionLogging.Default, text);
    }

    [Fact]
    public void Levels_need_the_JSON_format_given_or_configured()
    {
        LoggingRules.Apply(FunctionLogging.Default, new LoggingConfig { ApplicationLogLevel = "DEBUG" }, out var error);
        Assert.Equal(("InvalidParameterValueException", LoggingRules.LevelsNeedJson), (error!.ErrorType, error.Message));

        var json = LoggingRules.Apply(FunctionLogging.Default, new LoggingConfig { LogFormat = "JSON" }, out _);
        var changed = LoggingRules.Apply(json, new LoggingConfig { SystemLogLevel = "DEBUG", LogGroup = "/shared" }, out error);
        Assert.Null(error);
        Assert.Equal(("JSON", "INFO", "DEBUG", "/shared"), (changed.LogFormat, changed.ApplicationLogLevel, changed.SystemLogLevel, changed.LogGroupFor("fn")));
    }
}
