namespace Gateway.Environments;

/// <summary>
/// Normalises the Lambda-Runtime-Function-Error-Type header the way AWS's runtime interface emulator does:
/// kept when it looks like <c>Runtime.Xxx</c> or <c>Function.Xxx</c>, else <c>Function.Unknown</c> for a
/// <c>Function.</c> prefix, else <c>Runtime.Unknown</c>.
/// </summary>
internal static class ErrorTypes
{
    public static string Sanitize(string? header)
    {
        if (string.IsNullOrEmpty(header))
        {
            return "Runtime.Unknown";
        }
        if (LooksValid(header, "Runtime.") || LooksValid(header, "Function."))
        {
            return header;
        }
        return header.StartsWith("Function.", StringComparison.Ordinal) ? "Function.Unknown" : "Runtime.Unknown";
    }

    /// <summary>prefix + [A-Z][a-zA-Z]+</summary>
    private static bool LooksValid(string value, string prefix)
    {
        if (!value.StartsWith(prefix, StringComparison.Ordinal) || value.Length < prefix.Length + 2 || !char.IsAsciiLetterUpper(value[prefix.Length]))
        {
            return false;
        }
        foreach (char c in value.AsSpan(prefix.Length + 1))
        {
            if (!char.IsAsciiLetter(c))
            {
                return false;
            }
        }
        return true;
    }
}
