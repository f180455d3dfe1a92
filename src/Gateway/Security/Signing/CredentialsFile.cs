namespace Gateway.Security.Signing;

/// <summary>
/// Reads the aws CLI's credentials file format (<c>~/.aws/credentials</c>): <c>[name]</c> sections of
/// <c>key = value</c> lines, <c>#</c> and <c>;</c> comments. Each section with an <c>aws_access_key_id</c> and an
/// <c>aws_secret_access_key</c> is one accepted key; <c>aws_session_token</c> and <c>aws_account_id</c> (a key the
/// aws CLI itself accepts) are optional. Nothing else is read from the file.
/// </summary>
internal static class CredentialsFile
{
    /// <exception cref="FormatException">A line that is not a section, a key/value pair, a comment or blank; a section
    /// without one of the two required keys; an access key listed twice; a bad account id; no key at all.</exception>
    public static Dictionary<string, SigningCredential> Parse(string text, string defaultAccountId, string source = "credentials file")
    {
        var sections = new List<(string Name, int Line, Dictionary<string, string> Values)>();
        Dictionary<string, string>? current = null;
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }
            if (line[0] == '[')
            {
                if (line[^1] != ']' || line.Length < 3)
                {
                    throw new FormatException($"{source}, line {i + 1}: a section header must look like [name], not '{line}'.");
                }
                current = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                sections.Add((line[1..^1].Trim(), i + 1, current));
                continue;
            }
            int equals = line.IndexOf('=');
            if (equals <= 0)
            {
                throw new FormatException($"{source}, line {i + 1}: expected 'key = value' (the secret is not shown).");
            }
            if (current is null)
            {
                throw new FormatException($"{source}, line {i + 1}: a key before the first [section].");
            }
            current[line[..equals].Trim()] = line[(equals + 1)..].Trim();
        }

        var byKey = new Dictionary<string, SigningCredential>(StringComparer.Ordinal);
        foreach (var (name, lineNumber, values) in sections)
        {
            if (!values.TryGetValue("aws_access_key_id", out var keyId) || keyId.Length == 0
                || !values.TryGetValue("aws_secret_access_key", out var secret) || secret.Length == 0)
            {
                throw new FormatException($"{source}, section [{name}] (line {lineNumber}): needs both aws_access_key_id and aws_secret_access_key.");
            }
            values.TryGetValue("aws_session_token", out var token);
            string account = values.TryGetValue("aws_account_id", out var givenAccount) ? givenAccount : defaultAccountId;
            if (account.Length != 12 || !account.All(char.IsAsciiDigit))
            {
                throw new FormatException($"{source}, section [{name}]: aws_account_id must be 12 digits, not '{account}'.");
            }
            if (!byKey.TryAdd(keyId, new SigningCredential(name, keyId, secret, string.IsNullOrEmpty(token) ? null : token, account)))
            {
                throw new FormatException($"{source}, section [{name}]: access key {keyId} is already in section [{byKey[keyId].Section}].");
            }
        }
        if (byKey.Count == 0)
        {
            throw new FormatException($"{source}: no [section] with aws_access_key_id and aws_secret_access_key; with --auth sigv4 nobody could call the gateway.");
        }
        return byKey;
    }
}
