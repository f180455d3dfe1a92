namespace Gateway.Functions;

/// <summary>The one place that knows Lambda's version names: <c>$LATEST</c>, published numbers, and what an alias
/// name may look like (AWS: an alias is never all digits, so "3" is always a version).</summary>
internal static class FunctionVersions
{
    public const string Latest = "$LATEST";

    public static bool IsLatest(string? qualifier) => qualifier is null || qualifier == Latest;

    /// <summary>A published version number: 1 to 10 ASCII digits (no sign, no leading zero).</summary>
    public static bool IsPublishedVersion(string qualifier)
    {
        if (qualifier.Length is 0 or > 10 || qualifier[0] == '0')
        {
            return false;
        }
        foreach (char c in qualifier)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }
        return true;
    }
}
