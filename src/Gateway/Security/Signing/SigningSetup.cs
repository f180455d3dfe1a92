namespace Gateway.Security.Signing;

/// <summary>
/// <c>--auth none|sigv4</c> and <c>--credentials FILE</c>: with sigv4, the credentials file is read at start (a file
/// that cannot be read or parsed stops the start) and requests are verified; with none (the default, for local use)
/// nothing is registered and nothing is verified.
/// </summary>
internal static class SigningSetup
{
    public const string None = "none";
    public const string SigV4 = "sigv4";

    /// <returns>The verifier, null when authentication is off, or null with <paramref name="error"/>.</returns>
    public static RequestSigning? Create(GatewayOptions options, TimeProvider time, out string? error)
    {
        error = null;
        string mode = string.IsNullOrWhiteSpace(options.Auth) ? None : options.Auth.Trim().ToLowerInvariant();
        if (mode == None)
        {
            if (!string.IsNullOrEmpty(options.Credentials))
            {
                error = "--credentials is given but --auth is none: nothing would be verified. Add --auth sigv4 (or drop --credentials).";
            }
            return null;
        }
        if (mode != SigV4)
        {
            error = $"--auth must be 'none' or 'sigv4', not '{options.Auth}'.";
            return null;
        }
        if (string.IsNullOrEmpty(options.Credentials))
        {
            error = "--auth sigv4 needs --credentials FILE (the aws CLI's credentials format: [name] sections with aws_access_key_id and aws_secret_access_key).";
            return null;
        }
        string text;
        try
        {
            text = File.ReadAllText(options.Credentials);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = $"cannot read the credentials file {options.Credentials}: {ex.Message}";
            return null;
        }
        try
        {
            var credentials = CredentialsFile.Parse(text, options.AccountId, options.Credentials);
            // Loads libcrypto's SHA-256 and runs its self-test now, at start, rather than in the first request.
            _ = LibCryptoSha256.Available;
            return new RequestSigning(new SigV4Verifier(credentials, options.Region, time));
        }
        catch (FormatException ex)
        {
            error = ex.Message;
            return null;
        }
    }
}
