namespace Gateway.Logs.Api;

/// <summary>
/// CloudWatch Logs' filter pattern for unstructured events, the term syntax: <c>ERROR Exception</c> (every term,
/// anywhere in the message), <c>"quoted phrase"</c> (a phrase as one term, spaces included), <c>?ERROR ?WARN</c> (at
/// least one of the ?-terms), <c>ERROR -DEBUG</c> (without the term). Terms match case-sensitively as substrings.
/// Unquoted terms may hold letters, digits and underscores only (AWS: "terms that include characters other than
/// alphanumeric and underscore must be placed inside double quotes"). JSON (<c>{ $.level = … }</c>), space-delimited
/// (<c>[ip, user, …]</c>) and regular-expression (<c>%…%</c>) patterns are not implemented and are refused.
/// </summary>
internal sealed class FilterPattern
{
    public const string NotImplemented =
        "This gateway implements the term syntax of filter patterns (terms, \"quoted phrases\", ?term, -term); JSON, space-delimited and regular-expression patterns are not supported.";

    private readonly List<string> _all = [];
    private readonly List<string> _any = [];
    private readonly List<string> _none = [];

    public static readonly FilterPattern MatchAll = new();

    public bool Matches(string message)
    {
        foreach (var term in _all)
        {
            if (!message.Contains(term, StringComparison.Ordinal))
            {
                return false;
            }
        }
        foreach (var term in _none)
        {
            if (message.Contains(term, StringComparison.Ordinal))
            {
                return false;
            }
        }
        if (_any.Count == 0)
        {
            return true;
        }
        foreach (var term in _any)
        {
            if (message.Contains(term, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Parses <paramref name="pattern"/>; false with AWS-style reason when it is not a valid term pattern.</summary>
    public static bool TryParse(string? pattern, out FilterPattern result, out string? error)
    {
        result = MatchAll;
        error = null;
        var text = (pattern ?? "").Trim();
        if (text.Length == 0)
        {
            return true;
        }
        if (text[0] is '{' or '[' || (text.Length > 1 && text[0] == '%' && text[^1] == '%'))
        {
            error = NotImplemented;
            return false;
        }
        var parsed = new FilterPattern();
        int i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
                continue;
            }
            var list = parsed._all;
            if (text[i] is '?' or '-' && i + 1 < text.Length && !char.IsWhiteSpace(text[i + 1]))
            {
                list = text[i] == '?' ? parsed._any : parsed._none;
                i++;
            }
            string term;
            if (text[i] == '"')
            {
                int close = i + 1;
                var phrase = new System.Text.StringBuilder();
                while (close < text.Length && text[close] != '"')
                {
                    // \" inside a phrase is a quote; any other backslash stays as it is.
                    if (text[close] == '\\' && close + 1 < text.Length && text[close + 1] == '"')
                    {
                        close++;
                    }
                    phrase.Append(text[close]);
                    close++;
                }
                if (close >= text.Length)
                {
                    error = $"Invalid filter pattern: unterminated quoted term starting at {text[i..]}";
                    return false;
                }
                term = phrase.ToString();
                i = close + 1;
            }
            else
            {
                int end = i;
                while (end < text.Length && !char.IsWhiteSpace(text[end]))
                {
                    end++;
                }
                term = text[i..end];
                i = end;
                foreach (char c in term)
                {
                    if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
                    {
                        error = $"Invalid character(s) in term '{term}'";
                        return false;
                    }
                }
            }
            if (term.Length > 0)
            {
                list.Add(term);
            }
        }
        result = parsed;
        return true;
    }
}
