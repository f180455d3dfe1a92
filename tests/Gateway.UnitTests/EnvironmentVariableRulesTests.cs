using System.Text;
using Gateway.Functions;

namespace Gateway.UnitTests;

public class EnvironmentVariableRulesTests
{
    private const string ReservedPrefix =
        "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ";

    private const string SizePrefix =
        "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ";

    private static Dictionary<string, string> Vars(params (string Key, string Value)[] pairs)
        => pairs.ToDictionary(p => p.Key, p => p.Value);

    /// <summary>AWS's text (recorded CLI output), the same whichever key it is about.</summary>
    private const string KeyMessage = "1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]";

    [Fact]
    public void Reserved_keys_are_the_documented_ones()
    {
        string[] documented =
        [
            "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
            "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
            "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
            "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
            "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
        ];
        Assert.Equal(documented.Order(StringComparer.Ordinal), EnvironmentVariableRules.ReservedKeys.Order(StringComparer.Ordinal));
        // Unreserved ones a function may set (LAMBDA.md §4), TZ included since 2023.
        foreach (var free in new[] { "TZ", "LANG", "PATH", "LD_LIBRARY_PATH", "NODE_PATH", "AWS_XRAY_CONTEXT_MISSING", "AWS_LAMBDA_MAX_CONCURRENCY" })
        {
            Assert.DoesNotContain(free, EnvironmentVariableRules.ReservedKeys);
            Assert.Null(EnvironmentVariableRules.Validate(Vars((free, "x"))));
        }
    }

    public static TheoryData<string> ReservedKeys => [.. EnvironmentVariableRules.ReservedKeys];

    [Theory]
    [MemberData(nameof(ReservedKeys))]
    public void Each_reserved_key_is_refused(string key)
    {
        var message = EnvironmentVariableRules.Validate(Vars(("OK_KEY", "1"), (key, "value")));
        // Keys starting with '_' fail AWS's key pattern before the reserved-key check can see them.
        Assert.Equal(key.StartsWith('_') ? KeyMessage : ReservedPrefix + key, message);
    }

    [Fact]
    public void Several_reserved_keys_are_listed_comma_separated_in_map_order()
    {
        var message = EnvironmentVariableRules.Validate(Vars(("AWS_REGION", "x"), ("FINE", "y"), ("LAMBDA_TASK_ROOT", "z"), ("AWS_SESSION_TOKEN", "t")));
        Assert.Equal(ReservedPrefix + "AWS_REGION, LAMBDA_TASK_ROOT, AWS_SESSION_TOKEN", message);
    }

    [Fact]
    public void Reserved_keys_are_case_sensitive()
    {
        Assert.Null(EnvironmentVariableRules.Validate(Vars(("aws_region", "x"), ("Aws_Region", "y"))));
    }

    [Theory]
    [InlineData("AB")]
    [InlineData("A_1")]
    [InlineData("a1")]
    [InlineData("Ab__")]
    [InlineData("MY_VAR_2")]
    public void Valid_keys(string key)
    {
        Assert.True(EnvironmentVariableRules.IsValidKey(key));
        Assert.Null(EnvironmentVariableRules.Validate(Vars((key, "v"))));
    }

    [Theory]
    [InlineData("")]
    [InlineData("A")]
    [InlineData("1A")]
    [InlineData("_A")]
    [InlineData("A-B")]
    [InlineData("A B")]
    [InlineData("A.B")]
    [InlineData("ÄB")]
    [InlineData("AÄ")]
    [InlineData("A=B")]
    public void Invalid_keys_get_the_pattern_message(string key)
    {
        Assert.False(EnvironmentVariableRules.IsValidKey(key));
        Assert.False(EnvironmentVariableRules.IsValidKey(key));
        Assert.Equal(KeyMessage, EnvironmentVariableRules.Validate(Vars(("FINE", "1"), (key, "v"))));
    }

    [Fact]
    public void Empty_map_is_fine_and_measures_as_braces()
    {
        Assert.Null(EnvironmentVariableRules.Validate(new Dictionary<string, string>()));
        Assert.Equal("{}", EnvironmentVariableRules.MeasuredString(new Dictionary<string, string>()));
    }

    [Fact]
    public void Measured_string_is_compact_json_in_map_order()
    {
        Assert.Equal("{\"B\":\"2\",\"AA\":\"1\",\"CC\":\"\"}", EnvironmentVariableRules.MeasuredString(Vars(("B", "2"), ("AA", "1"), ("CC", ""))));
    }

    [Fact]
    public void Measured_string_keeps_non_ascii_and_html_characters_unescaped()
    {
        Assert.Equal("{\"K\":\"é<>&'+☃\"}", EnvironmentVariableRules.MeasuredString(Vars(("K", "é<>&'+☃"))));
    }

    [Fact]
    public void Measured_string_escapes_quotes_backslashes_and_control_characters()
    {
        Assert.Equal("{\"K\":\"a\\\"b\\\\c\\nd\\te\"}", EnvironmentVariableRules.MeasuredString(Vars(("K", "a\"b\\c\nd\te"))));
    }

    /// <summary>A map {"LARGE_VAR":"xxx…"} whose compact JSON is exactly <paramref name="bytes"/> bytes.</summary>
    private static Dictionary<string, string> OfJsonBytes(int bytes)
    {
        var map = Vars(("LARGE_VAR", new string('x', bytes - "{\"LARGE_VAR\":\"\"}".Length)));
        Assert.Equal(bytes, Encoding.UTF8.GetByteCount(EnvironmentVariableRules.MeasuredString(map)));
        return map;
    }

    [Fact]
    public void Json_of_4096_bytes_passes()
    {
        Assert.Null(EnvironmentVariableRules.Validate(OfJsonBytes(4096)));
    }

    [Fact]
    public void Json_of_4097_bytes_fails_with_the_measured_string()
    {
        var map = OfJsonBytes(4097);
        var json = "{\"LARGE_VAR\":\"" + new string('x', 4097 - 16) + "\"}";
        Assert.Equal(SizePrefix + json, EnvironmentVariableRules.Validate(map));
    }

    [Fact]
    public void Size_is_the_whole_map_not_one_value()
    {
        var map = Enumerable.Range(0, 45).ToDictionary(i => $"VAR_{i:D2}", _ => new string('v', 90)); // 45 × 101 + 44 commas + 2 braces = 4,591 bytes
        var message = EnvironmentVariableRules.Validate(map);
        Assert.NotNull(message);
        Assert.StartsWith(SizePrefix + "{\"VAR_00\":\"", message);
        Assert.EndsWith("\"}", message);
        Assert.Null(EnvironmentVariableRules.Validate(map.Take(35).ToDictionary()));
    }

    [Fact]
    public void Non_ascii_values_are_measured_in_utf8_bytes()
    {
        // 'é' is 2 bytes in UTF-8: 2040 of them fill 4080 bytes, + 16 for {"LARGE_VAR":""} = 4096.
        var exactly = Vars(("LARGE_VAR", new string('é', 2040)));
        Assert.Null(EnvironmentVariableRules.Validate(exactly));
        var over = Vars(("LARGE_VAR", new string('é', 2040) + "x")); // 2,057 characters, 4,097 bytes
        Assert.Equal(SizePrefix + "{\"LARGE_VAR\":\"" + new string('é', 2040) + "x\"}", EnvironmentVariableRules.Validate(over));
        var threeByte = Vars(("LARGE_VAR", new string('☃', 1361))); // 4083 + 16 = 4099 bytes in 1,377 characters
        Assert.NotNull(EnvironmentVariableRules.Validate(threeByte));
    }

    [Fact]
    public void Escapes_count_as_the_bytes_they_take()
    {
        // 2040 quotes are written as \" : 4080 bytes.
        Assert.Null(EnvironmentVariableRules.Validate(Vars(("LARGE_VAR", new string('"', 2040)))));
        Assert.NotNull(EnvironmentVariableRules.Validate(Vars(("LARGE_VAR", new string('"', 2040) + "x"))));
    }

    [Fact]
    public void Key_pattern_is_checked_before_reserved_keys_and_size()
    {
        var map = Vars(("AWS_REGION", "x"), ("1BAD", new string('x', 5000)));
        Assert.Equal(KeyMessage, EnvironmentVariableRules.Validate(map));
        var map2 = Vars(("AWS_REGION", new string('x', 5000)));
        Assert.Equal(ReservedPrefix + "AWS_REGION", EnvironmentVariableRules.Validate(map2));
    }
}
