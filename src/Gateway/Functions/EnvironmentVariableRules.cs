using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.Functions;

/// <summary>
/// AWS's rules for a function's own environment variables: key pattern, reserved keys, and the 4 KB limit.
/// </summary>
internal static class EnvironmentVariableRules
{
    /// <summary>Keys the platform sets and a function may not (Lambda developer guide, "Defined runtime environment variables").</summary>
    public static readonly IReadOnlySet<string> ReservedKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    };

    /// <summary>The limit AWS applies to the compact JSON of the Variables map.</summary>
    public const int MaxJsonBytes = 4096;

    /// <summary>AWS's answer to a key outside the pattern: a <c>ValidationException</c> (the request's shape), naming no
    /// key (recorded CLI output: "An error occurred (ValidationException) when calling the UpdateFunctionConfiguration
    /// operation: 1 validation error detected: …").</summary>
    public const string KeyPatternMessage =
        "1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]";

    /// <summary>Returns null when the variables are acceptable, else AWS's message: <see cref="KeyPatternMessage"/>
    /// (a ValidationException, see <see cref="ErrorCodeOf"/>), or the reserved-key or size message (an
    /// InvalidParameterValueException).</summary>
    public static string? Validate(IReadOnlyDictionary<string, string> variables)
    {
        if (FirstInvalidKey(variables) is not null)
        {
            return KeyPatternMessage;
        }

        var reserved = variables.Keys.Where(ReservedKeys.Contains).ToArray();
        if (reserved.Length > 0)
        {
            return "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: " + string.Join(", ", reserved);
        }

        var measured = MeasuredString(variables);
        if (System.Text.Encoding.UTF8.GetByteCount(measured) > MaxJsonBytes)
        {
            return "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: " + measured;
        }
        return null;
    }

    /// <summary>The string AWS measures: the Variables map as compact JSON, <c>{"KEY":"value",…}</c>.</summary>
    public static string MeasuredString(IReadOnlyDictionary<string, string> variables)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in variables)
            {
                writer.WriteString(key, value);
            }
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The error code AWS answers <paramref name="message"/> (from <see cref="Validate"/>) with.</summary>
    public static string ErrorCodeOf(string message)
        => message == KeyPatternMessage ? "ValidationException" : "InvalidParameterValueException";

    /// <summary>The first key outside the pattern, or null: the functions file's error names it (AWS's does not).</summary>
    public static string? FirstInvalidKey(IReadOnlyDictionary<string, string> variables)
        => variables.Keys.FirstOrDefault(key => !IsValidKey(key));

    /// <summary>[a-zA-Z]([a-zA-Z0-9_])+ : a letter, then at least one letter, digit or underscore.</summary>
    public static bool IsValidKey(string key)
    {
        if (key.Length < 2 || !char.IsAsciiLetter(key[0]))
        {
            return false;
        }
        foreach (char c in key.AsSpan(1))
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }
        return true;
    }
}
