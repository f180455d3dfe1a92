using System.Text.RegularExpressions;

namespace Gateway.Invoke;

/// <summary>A function as named in an Invoke path: name, optional qualifier, and the region/account of an ARN.</summary>
internal readonly record struct FunctionReference(string Name, string? Qualifier, string? Region, string? AccountId);

/// <summary>
/// Parses every form of FunctionName that AWS accepts: <c>my-function</c>, <c>my-function:v1</c>,
/// <c>123456789012:function:my-function</c>, <c>arn:aws:lambda:us-west-2:123456789012:function:my-function[:qualifier]</c>.
/// Validation is AWS's own pattern (the botocore model's <c>NamespacedFunctionName</c>), so what AWS refuses with
/// a ValidationException is refused here with the same message.
/// </summary>
internal static partial class FunctionReferenceParser
{
    public const int MaxLength = 256;

    /// <summary>The pattern exactly as AWS states it in its validation message.</summary>
    public const string Pattern = @"(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:|(((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?))(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?";

    public const string QualifierPattern = @"\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+";

    [GeneratedRegex(@"\A(?:" + Pattern + @")\z", RegexOptions.CultureInvariant)]
    private static partial Regex FullPattern();

    [GeneratedRegex(@"\A(?:" + QualifierPattern + @")\z", RegexOptions.CultureInvariant)]
    private static partial Regex FullQualifierPattern();

    [GeneratedRegex(@"^(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d$", RegexOptions.CultureInvariant)]
    private static partial Regex RegionPattern();

    /// <summary>Parses <paramref name="value"/> (already percent-decoded). On failure, <paramref name="validationError"/>
    /// is AWS's ValidationException message.</summary>
    public static bool TryParse(string value, out FunctionReference reference, out string? validationError)
    {
        reference = default;
        validationError = null;
        if (value.Length > MaxLength)
        {
            // Over the model's 256 (NamespacedFunctionName; AWS's own records agree: a 233-character ARN on Invoke gets
            // only a pattern error, a 65-character bare name a 404): a 400, never a 404, in every name form.
            validationError = $"1 validation error detected: Value '{value}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to {MaxLength}";
            return false;
        }

        // Fast path: a bare name (the common case) needs no regular expression.
        if (value.Length > 0 && IsNameChars(value))
        {
            reference = new FunctionReference(value, null, null, null);
            return true;
        }

        if (value.Length == 0 || !FullPattern().IsMatch(value))
        {
            validationError = $"1 validation error detected: Value '{value}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: {Pattern}";
            return false;
        }

        var parts = value.Split(':');
        int i = 0;
        string? region = null, account = null;
        if (parts[0] == "arn" && parts.Length > 2)
        {
            // arn:partition:lambda:region:account:[function:]name[:qualifier]
            region = parts[3];
            account = parts[4];
            i = 5;
        }
        else
        {
            if (parts.Length - i > 1 && RegionPattern().IsMatch(parts[i]) && IsNameChars(parts[i + 1]))
            {
                region = parts[i++];
            }
            if (parts.Length - i > 1 && parts[i].Length == 12 && parts[i].All(char.IsAsciiDigit) && IsNameChars(parts[i + 1]))
            {
                account = parts[i++];
            }
        }
        if (parts.Length - i > 1 && parts[i] == "function" && IsNameChars(parts[i + 1]))
        {
            i++;
        }
        string name = parts[i++];
        string? qualifier = i < parts.Length ? parts[i] : null;
        reference = new FunctionReference(name, qualifier, region, account);
        return true;
    }

    /// <summary>Validates a <c>?Qualifier=</c> value; returns AWS's ValidationException message or null.</summary>
    public static string? ValidateQualifier(string qualifier)
    {
        if (qualifier.Length > 128)
        {
            return $"1 validation error detected: Value '{qualifier}' at 'qualifier' failed to satisfy constraint: Member must have length less than or equal to 128";
        }
        if (qualifier.Length == 0 || !FullQualifierPattern().IsMatch(qualifier))
        {
            return $"1 validation error detected: Value '{qualifier}' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: {QualifierPattern}";
        }
        return null;
    }

    private static bool IsNameChars(string value)
    {
        foreach (char c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.'))
            {
                return false;
            }
        }
        return true;
    }
}
