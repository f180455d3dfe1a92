using System.Security.Cryptography;

namespace Gateway.FunctionUrls;

/// <summary>URL ids as AWS makes them: 32 characters of lower-case letters and digits, unguessable.</summary>
internal static class FunctionUrlIds
{
    public const int Length = 32;

    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    public static string NewId() => RandomNumberGenerator.GetString(Alphabet, Length);

    /// <summary>True when <paramref name="candidate"/> has an id's shape (the router's cheap first check).</summary>
    public static bool IsWellFormed(ReadOnlySpan<char> candidate)
    {
        if (candidate.Length != Length)
        {
            return false;
        }
        foreach (char c in candidate)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9')))
            {
                return false;
            }
        }
        return true;
    }
}
