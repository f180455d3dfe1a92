using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Gateway.Invoke;

namespace Gateway.Management;

/// <summary>
/// AWS's ValidationException text for constraints of botocore's model (min/max/pattern/not null), as the service
/// writes it: "1 validation error detected: Value '…' at 'member' failed to satisfy constraint: Member must …", or
/// "N validation errors detected: …; …" for several (the member names are camelCase, as AWS prints them).
/// </summary>
internal sealed class ValidationMessages
{
    private readonly List<string> _errors = [];

    public bool Any => _errors.Count > 0;

    public void Add(string value, string member, string constraint) =>
        _errors.Add($"Value '{value}' at '{member}' failed to satisfy constraint: {constraint}");

    /// <summary>An entry already written as "Value '…' at '…' failed to satisfy constraint: …" (a rule that also
    /// answers alone, such as <see cref="CodeSigningRules.ArnConstraint"/>).</summary>
    public void AddEntry(string entry) => _errors.Add(entry);

    /// <summary>A string member's length (1 to <paramref name="maxLength"/>) and pattern, each broken constraint its own
    /// entry, length first, as AWS lists them (LS-REC 2025-11: a too-long malformed function name names both).</summary>
    public void AddLengthAndPattern(string value, string member, int maxLength, Regex pattern, string patternText)
    {
        if (value.Length < 1 || value.Length > maxLength)
        {
            Add(value, member, value.Length < 1
                ? "Member must have length greater than or equal to 1"
                : $"Member must have length less than or equal to {maxLength}");
        }
        if (!pattern.IsMatch(value))
        {
            Add(value, member, "Member must satisfy regular expression pattern: " + patternText);
        }
    }

    public void AddNull(string member) =>
        _errors.Add($"Value null at '{member}' failed to satisfy constraint: Member must not be null");

    public LambdaError? ToError() => _errors.Count switch
    {
        0 => null,
        1 => LambdaError.Validation("1 validation error detected: " + _errors[0]),
        _ => LambdaError.Validation($"{_errors.Count} validation errors detected: " + string.Join("; ", _errors)),
    };

    /// <summary>One constraint, one member: the common case.</summary>
    public static LambdaError Single(string value, string member, string constraint)
    {
        var messages = new ValidationMessages();
        messages.Add(value, member, constraint);
        return messages.ToError()!;
    }

    /// <summary>A required member that is missing.</summary>
    public static LambdaError NullError(string member)
    {
        var messages = new ValidationMessages();
        messages.AddNull(member);
        return messages.ToError()!;
    }

    /// <summary>A number as the service (Java) prints a double: <c>2.0</c>, <c>-1.0</c>, <c>0.25</c>.</summary>
    public static string JavaDouble(double value) =>
        value == Math.Floor(value) && Math.Abs(value) < 1e7
            ? value.ToString("0", CultureInfo.InvariantCulture) + ".0"
            : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A map as the service (Java) prints it: <c>{2=0.5, 3=1.5}</c>.</summary>
    public static string JavaMap(IEnumerable<KeyValuePair<string, double>> map)
    {
        var text = new StringBuilder("{");
        foreach (var (key, value) in map)
        {
            if (text.Length > 1)
            {
                text.Append(", ");
            }
            text.Append(key).Append('=').Append(JavaDouble(value));
        }
        return text.Append('}').ToString();
    }
}
