using System.Globalization;
using System.Text.RegularExpressions;

namespace Gateway.Functions.Layers;

/// <summary>A layer version ARN taken apart.</summary>
internal readonly record struct LayerVersionReference(string Region, string AccountId, string LayerName, long Version);

/// <summary>
/// Layer names and ARNs: botocore's patterns (service-2.json <c>LayerName</c>, <c>LayerVersionArn</c>), the ARNs this
/// gateway gives its layers, and the parse of a layer version ARN.
/// </summary>
internal static partial class LayerArns
{
    /// <summary>botocore's <c>LayerName</c> pattern (a name, or a layer ARN), 1–140 characters.</summary>
    public const string LayerNamePattern = @"(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+";

    public const int MaxLayerNameLength = 140;

    /// <summary>botocore's <c>LayerVersionArn</c> pattern, as AWS quotes it in its ValidationExceptions (without the
    /// model's outer parentheses: LS-REC test_layer_exceptions, test_layer_function_exceptions).</summary>
    public const string LayerVersionArnPattern = @"(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)";

    [GeneratedRegex(@"\A(?:" + LayerNamePattern + @")\z", RegexOptions.CultureInvariant)]
    private static partial Regex LayerNameRegex();

    [GeneratedRegex(@"\A(?:" + LayerVersionArnPattern + @")\z", RegexOptions.CultureInvariant)]
    private static partial Regex LayerVersionArnRegex();

    [GeneratedRegex(@"\Aarn:(aws[a-zA-Z-]*)?:lambda:(?<region>(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}):(?<account>\d{12}):layer:(?<name>[a-zA-Z0-9-_]+)(:(?<version>[0-9]+))?\z", RegexOptions.CultureInvariant)]
    private static partial Regex LayerArnParts();

    public static bool IsLayerName(string value) => value.Length is > 0 and <= MaxLayerNameLength && LayerNameRegex().IsMatch(value);

    /// <summary>The pattern alone (AWS reports the length and the pattern as separate constraint failures).</summary>
    public static bool MatchesLayerNamePattern(string value) => LayerNameRegex().IsMatch(value);

    public static bool IsLayerVersionArn(string value) => value.Length is > 0 and <= 2048 && LayerVersionArnRegex().IsMatch(value);

    public static string LayerArn(string region, string accountId, string layerName) => $"arn:aws:lambda:{region}:{accountId}:layer:{layerName}";

    /// <summary>A layer version ARN of this gateway's form (not AWS's own <c>awslayer</c> ARNs).</summary>
    public static bool TryParseVersionArn(string arn, out LayerVersionReference reference)
    {
        reference = default;
        var match = LayerArnParts().Match(arn);
        if (!match.Success || !match.Groups["version"].Success
            || !long.TryParse(match.Groups["version"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out long version))
        {
            return false;
        }
        reference = new LayerVersionReference(match.Groups["region"].Value, match.Groups["account"].Value, match.Groups["name"].Value, version);
        return true;
    }

    /// <summary>A LayerName path value: a plain name, or a layer ARN (its region and account returned too).</summary>
    public static (string Name, string? Region, string? AccountId) SplitLayerName(string value)
    {
        var match = LayerArnParts().Match(value);
        return match.Success && !match.Groups["version"].Success
            ? (match.Groups["name"].Value, match.Groups["region"].Value, match.Groups["account"].Value)
            : (value, null, null);
    }
}
