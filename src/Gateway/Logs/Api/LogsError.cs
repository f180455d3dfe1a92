namespace Gateway.Logs.Api;

/// <summary>A CloudWatch Logs refusal: HTTP 400 with <c>{"__type":…,"message":…}</c> (awsJson 1.1).</summary>
internal sealed record LogsError(string Type, string Message)
{
    public static LogsError GroupNotFound() => new("ResourceNotFoundException", "The specified log group does not exist.");

    public static LogsError StreamNotFound() => new("ResourceNotFoundException", "The specified log stream does not exist.");

    public static LogsError InvalidParameter(string message) => new("InvalidParameterException", message);

    public static LogsError ValidationException(string message) => new("ValidationException", message);

    /// <summary>A model constraint (botocore's min/max/enum), in AWS's "N validation error(s) detected" wording.</summary>
    public static LogsError Validation(string detail) => new("InvalidParameterException", "1 validation error detected: " + detail);
}
